#!/usr/bin/env bash
# The main job: set the machine up, then run playbooks/demo.yml against the local libvirtd.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VIRTUNED_VENV:-$root/.venv}
bash "$root/scripts/bootstrap.sh"
export ANSIBLE_COLLECTIONS_PATH
ANSIBLE_COLLECTIONS_PATH=$(bash "$root/scripts/install_collection.sh")
cd "$root"
exec "$venv/bin/ansible-playbook" -i playbooks/inventory/local.yml playbooks/demo.yml "$@"
