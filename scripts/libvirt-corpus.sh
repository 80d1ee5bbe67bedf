#!/usr/bin/env bash
# Fetch the test domain XMLs of the installed libvirt (its Debian source package) into
# build/libvirt-corpus, once. Prints that folder. apt gets a private configuration with one
# deb-src line per deb entry of the machine's Debian sources: the system's is left as it is.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=$root/build/libvirt-corpus
version=$(dpkg-query -W -f='${source:Version}' libvirt0)
log() { printf 'libvirt-corpus: %s\n' "$*" >&2; }

# Test workers call this at once on a fresh clone: the first fetches, the others wait for it.
mkdir -p "$root/build"
exec 9>"$root/build/.libvirt-corpus.lock"
flock 9
if [ "$(cat "$dest/.version" 2>/dev/null)" = "$version" ]; then
    echo "$dest"
    exit 0
fi
command -v dpkg-source >/dev/null || {
    log "installing dpkg-dev (unpacks source packages)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dpkg-dev >/dev/null
}
work=$(mktemp -d)
chmod 755 "$work"  # apt downloads as the _apt user
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
# deb entries of the machine's sources (one-line and deb822 formats) become deb-src lines.
python3 - "$work/sources.list" <<'PY'
import glob, sys
lines = []
for path in glob.glob('/etc/apt/sources.list') + sorted(glob.glob('/etc/apt/sources.list.d/*.list')):
    for line in open(path):
        words = line.split('#')[0].split()
        if words[:1] == ['deb'] and 'debian' in line:
            words = [w for w in words[1:] if not w.startswith('[')]
            lines.append('deb-src %s %s main' % (words[0], words[1]))
for path in sorted(glob.glob('/etc/apt/sources.list.d/*.sources')):
    for stanza in open(path).read().split('\n\n'):
        fields = {}
        for line in stanza.splitlines():
            if ':' in line and not line.startswith('#'):
                key, value = line.split(':', 1)
                fields[key.strip()] = value.split()
        if 'deb' in fields.get('Types', []) and any('debian' in uri for uri in fields.get('URIs', [])):
            for uri in fields['URIs']:
                for suite in fields.get('Suites', []):
                    lines.append('deb-src [signed-by=%s] %s %s main'
                                 % (fields.get('Signed-By', ['/usr/share/keyrings/debian-archive-keyring.gpg'])[0],
                                    uri, suite))
open(sys.argv[1], 'w').write('\n'.join(dict.fromkeys(lines)) + '\n')
PY
apt_options=(-o Dir::Etc::sourcelist="$work/sources.list" -o Dir::Etc::sourceparts=-
             -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache")
log "fetching the libvirt $version source package"
apt-get "${apt_options[@]}" update -qq >/dev/null
(cd "$work/src" && apt-get "${apt_options[@]}" source -qq "libvirt=$version" >/dev/null 2>&1)
tree=$(find "$work/src" -maxdepth 1 -mindepth 1 -type d -name 'libvirt-*' | head -n 1)
rm -rf "$dest"
mkdir -p "$dest"
for folder in qemuxml2argvdata qemuxml2xmloutdata; do
    mkdir -p "$dest/$folder"
    cp "$tree/tests/$folder/"*.xml "$dest/$folder/"
done
echo "$version" > "$dest/.version"
echo "$dest"
