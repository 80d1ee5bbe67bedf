#!/usr/bin/env bash
# The collection's documentation: antsibull-docs lint of every plugin's, role's and extra doc's
# markup, then the docs site (plugin pages, the role, docs/docsite's scenario guides) built with
# Sphinx into build/docsite/site/build/html (sphinx-init sets no intersphinx inventory: offline).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VIRTUNED_VENV:-$root/.venv}
export PATH="$venv/bin:$PATH"
work=$root/build/docsite
tree=$work/collections/ansible_collections/virtuned/libvirt

# antsibull-docs finds the collection by its ansible_collections/virtuned/libvirt path: a fresh copy
# of the files git tracks or would track.
rm -rf "$work"
mkdir -p "$tree"
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$tree")
export ANSIBLE_COLLECTIONS_PATH=$work/collections

antsibull-docs lint-collection-docs --plugin-docs "$tree"

mkdir -m 0755 "$work/site"
antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir "$work/site" \
    --project virtuned.libvirt --title "virtuned.libvirt" virtuned.libvirt >/dev/null
# Offline: instead of fetching Ansible's intersphinx inventory, a local one holds the two labels
# the generated pages link to in Ansible's docs; no other inventory is asked for.
"$venv/bin/python" - "$work/site" <<'PY'
import re, sys, zlib
site = sys.argv[1]
labels = [('common_return_values', 'reference_appendices/common_return_values.html#common-return-values',
           'Return Values'),
          ('ansible_configuration_settings', 'reference_appendices/config.html#ansible-configuration-settings',
           'Ansible Configuration Settings')]
body = ''.join('%s std:label -1 %s %s\n' % entry for entry in labels)
with open(site + '/ansible_devel.inv', 'wb') as handle:
    handle.write(b'# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
                 b'# The remainder of this file is compressed using zlib.\n' + zlib.compress(body.encode()))
with open(site + '/conf.py') as handle:
    conf = handle.read()
conf = re.sub(r'intersphinx_mapping = \{.*?\n\}\n', "intersphinx_mapping = {'ansible_devel': "
              "('https://docs.ansible.com/projects/ansible/devel/', '../ansible_devel.inv')}\n", conf, flags=re.S)
with open(site + '/conf.py', 'w') as handle:
    handle.write(conf)
PY
bash "$work/site/build.sh" >/dev/null  # sphinx-build -W: a warning fails the build
echo "$work/site/build/html/index.html"
