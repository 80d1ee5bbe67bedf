#!/usr/bin/env bash
# Every test: unit tests, ansible-test sanity, then the integration tests against the local
# libvirtd. Sets the machine up first. Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VIRTUNED_VENV:-$root/.venv}
cd "$root"
bash scripts/bootstrap.sh

step() { printf '\n=== %s\n' "$*"; }

step "unit tests"
"$venv/bin/pytest" -q tests/unit

step "ansible-test sanity"
bash scripts/sanity.sh

step "ansible-lint (production profile) on the role and playbooks"
ANSIBLE_COLLECTIONS_PATH=$(bash scripts/install_collection.sh) "$venv/bin/ansible-lint" roles/ playbooks/

step "integration tests against $(virsh -c qemu:///system uri)"
"$venv/bin/pytest" -q -n 2 tests/integration
