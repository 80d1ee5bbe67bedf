#!/usr/bin/env bash
# Make this Debian 12 machine ready for the collection: Debian packages for a local
# libvirtd + QEMU, a Python venv with the project's tools, and a running libvirtd.
# Safe to run again: installed packages, an up-to-date venv and a live daemon are reused.
# With --tests, also what only the tests use: libosinfo's GObject API (the osinfo parity test asks it)
# and virt-install (the side-by-side test compares its choices).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VIRTUNED_VENV:-$root/.venv}
python=${PYTHON:-python3}

# qemu-utils: QEMU's qemu-img, which check mode asks whether QEMU opens an image as its declared format.
debian_packages=(
    libvirt-daemon-system libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils libvirt-clients
    libvirt-dev pkg-config python3-venv osinfo-db gcc python3-dev shellcheck chromium
)

if [ "${1:-}" = "--tests" ]; then
    debian_packages+=(python3-gi gir1.2-libosinfo-1.0 virtinst)
fi

log() { printf 'bootstrap: %s\n' "$*" >&2; }

install_debian_packages() {
    local missing=()
    for pkg in "${debian_packages[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return
    log "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

make_venv() {
    local stamp="$venv/.requirements.sha256"
    local want
    want=$(cat "$root/requirements-dev.txt" "$root/requirements.txt" | sha256sum | cut -d' ' -f1)
    if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        return
    fi
    log "preparing the Python venv in $venv"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -r "$root/requirements.txt" -r "$root/requirements-dev.txt"
    echo "$want" > "$stamp"
}

install_test_hook() {
    # libvirtd only looks for hook scripts when it starts: a new hook means a restart.
    local hook=/etc/libvirt/hooks/qemu
    if [ -e "$hook" ] && ! cmp -s "$root/scripts/libvirt-test-hook" "$hook"; then
        log "keeping the existing $hook (the rollback-at-start test needs scripts/libvirt-test-hook there)"
        return
    fi
    cmp -s "$root/scripts/libvirt-test-hook" "$hook" && return
    mkdir -p "$(dirname "$hook")"
    install -m 0755 "$root/scripts/libvirt-test-hook" "$hook"
    bash "$root/scripts/libvirtd.sh" stop
}

install_debian_packages
make_venv
install_test_hook
bash "$root/scripts/libvirtd.sh" start
log "ready: venv $venv, libvirtd on qemu:///system"
