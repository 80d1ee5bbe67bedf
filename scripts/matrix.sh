#!/usr/bin/env bash
# The older ansible-core versions the collection supports (meta/runtime.yml's requires_ansible),
# each in a venv of its own under build/: unit tests, ansible-test sanity, and one smoke run of
# every module against the local libvirtd (tests/integration/test_return_docs.py). The newest
# supported version is the main venv's, which the whole test command runs.
#   bash scripts/matrix.sh [VERSION ...]     (default: 2.17 2.18)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-python3}
cd "$root"
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(2.17 2.18)

for version in "${versions[@]}"; do
    venv=$root/build/venv-ansible-core-$version
    printf '\n--- ansible-core %s\n' "$version"
    if [ ! -x "$venv/bin/ansible-test" ]; then
        rm -rf "$venv"
        "$python" -m venv "$venv"
        "$venv/bin/python" -m pip install -q --upgrade pip
        "$venv/bin/python" -m pip install -q "ansible-core==$version.*" -r requirements.txt \
            pytest hypothesis pyyaml jinja2 antsibull-changelog
    fi
    "$venv/bin/python" -c 'import ansible.release; print("ansible-core", ansible.release.__version__)'
    export VIRTUNED_VENV=$venv
    "$venv/bin/pytest" -q tests/unit
    # outside the repository, where git ignores nothing (see scripts/sanity.sh)
    VIRTUNED_SANITY_DIR=${TMPDIR:-/tmp}/virtuned-sanity-$version bash scripts/sanity.sh
    ANSIBLE_COLLECTIONS_PATH=$(bash scripts/install_collection.sh) "$venv/bin/pytest" -q \
        tests/integration/test_return_docs.py
done
