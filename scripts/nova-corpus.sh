#!/usr/bin/env bash
# Fetch OpenStack Nova's source release from PyPI into build/nova-corpus, once, and print the path of
# its libvirt config tests: the device XML Nova's libvirt driver writes, as its own tests fix it.
# Pinned by version and checksum: another release may write other XML.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
version=31.0.0
sha256=4c13bfd6be60ed110c973a8bf94532740ba746bd4d0e1a415e9bf2b6fef5bc24
member=nova-$version/nova/tests/unit/virt/libvirt/test_config.py
dest=$root/build/nova-corpus

# Test workers call this at once on a fresh clone: the first fetches, the others wait for it.
mkdir -p "$root/build"
exec 9>"$root/build/.nova-corpus.lock"
flock 9
if [ ! -f "$dest/$member" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    printf 'nova-corpus: fetching nova %s from PyPI\n' "$version" >&2
    "$python" -m pip download --quiet --no-deps --no-binary :all: "nova==$version" -d "$work"
    echo "$sha256  $work/nova-$version.tar.gz" | sha256sum --check --quiet
    mkdir -p "$dest"
    tar -xzf "$work/nova-$version.tar.gz" -C "$dest" "$member"
fi
echo "$dest/$member"
