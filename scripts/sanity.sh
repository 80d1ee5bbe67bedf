#!/usr/bin/env bash
# ansible-test sanity, offline: ansible-test wants the collection under
# ansible_collections/virtuned/libvirt and downloads a pip bootstrap script from a host
# this network does not reach; a stand-in that uses ensurepip takes its place. The copy
# lives outside the repo: inside it, git ignores build/ and ansible-test skips ignored files.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VIRTUNED_VENV:-$root/.venv}
tree=${VIRTUNED_SANITY_DIR:-${TMPDIR:-/tmp}/virtuned-sanity}/ansible_collections/virtuned/libvirt

pip_version=$("$venv/bin/python" - <<'PY'
import re, ansible_test._internal.python_requirements as r
print(re.search(r"pip='([0-9.]+)'", open(r.__file__).read()).group(1))
PY
)
cache=$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py
mkdir -p "$(dirname "$cache")"
cat > "$cache" <<'PY'
# Offline stand-in for ansible-test's pip bootstrap script (see scripts/sanity.sh).
import ensurepip
import subprocess
import sys

ensurepip.bootstrap()
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install', '--cert',
                          '/etc/ssl/certs/ca-certificates.crt'] + args))
PY

# The files git tracks or would track, copied afresh: ansible-test must not see stale ones.
rm -rf "$tree"
mkdir -p "$tree"
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$tree")
cd "$tree"
"$venv/bin/ansible-test" sanity --venv --python 3.11 "$@"
