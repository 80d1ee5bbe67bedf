#!/usr/bin/env bash
# Every test: unit tests, ansible-test sanity, then the integration tests and the corpus of
# libvirt's own test domains against the local libvirtd. Sets the machine up first. Exits
# non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VIRTUNED_VENV:-$root/.venv}
cd "$root"
bash scripts/bootstrap.sh --tests

step() { printf '\n=== %s\n' "$*"; }

step "unit tests"
"$venv/bin/pytest" -q tests/unit

step "ansible-test sanity"
bash scripts/sanity.sh

step "docs: antsibull-docs lint, then the docs site, built and opened in headless Chromium"
"$venv/bin/pytest" -q tests/docs

export ANSIBLE_COLLECTIONS_PATH
ANSIBLE_COLLECTIONS_PATH=$(bash scripts/install_collection.sh)

step "ansible-lint (production profile) on the role, playbooks and molecule scenario"
"$venv/bin/ansible-lint" roles/ playbooks/ extensions/

step "molecule: the device_update role against the local libvirtd"
(cd extensions && PATH="$venv/bin:$PATH" "$venv/bin/molecule" test -s device_update)

step "integration tests against $(virsh -c qemu:///system uri)"
"$venv/bin/pytest" -q -n 2 -m "not serial" tests/integration

step "corpora: libvirt's own test domain XMLs (every edit of every module, checked by libvirtd), every osinfo-db entry against libosinfo, virt-install's choices (about 14 minutes)"
"$venv/bin/pytest" -q -n 2 tests/corpus

step "integration tests that stop and restart libvirtd (alone)"
"$venv/bin/pytest" -q -m serial tests/integration

step "ansible-core 2.17 and 2.18: unit tests, sanity, every module once against libvirtd"
bash scripts/matrix.sh
