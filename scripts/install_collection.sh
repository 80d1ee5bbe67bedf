#!/usr/bin/env bash
# Build the collection tarball and install it into build/collections, the way users get it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VIRTUNED_VENV:-$root/.venv}
mkdir -p "$root/build"
export ANSIBLE_COLLECTIONS_PATH="$root/build/collections"
"$venv/bin/ansible-galaxy" collection build --force --output-path "$root/build" "$root" >/dev/null
tarball=$root/build/virtuned-libvirt-$(sed -n 's/^version: *//p' "$root/galaxy.yml").tar.gz
"$venv/bin/ansible-galaxy" collection install --force -p "$root/build/collections" "$tarball" >/dev/null
# The same tarball under a name without the version, which the execution environment's files use.
cp "$tarball" "$root/build/virtuned-libvirt.tar.gz"
echo "$root/build/collections"
