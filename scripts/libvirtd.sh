#!/usr/bin/env bash
# Start, stop or restart the local libvirtd the way these machines need it (see bootstrap.sh).
#   bash scripts/libvirtd.sh start|stop|restart
set -euo pipefail

log() { printf 'libvirtd: %s\n' "$*" >&2; }

answers() {
    virsh -c qemu:///system version >/dev/null 2>&1
}

start() {
    answers && return
    log "starting libvirtd"
    mkdir -p /run/libvirt
    pgrep -x virtlogd >/dev/null || virtlogd -d
    # libvirtd re-probes QEMU on every call when /dev/kvm changes under it, which it does on
    # these shared machines; a private mount namespace with /dev/kvm hidden keeps calls fast.
    # Domains then use TCG, and libvirt's own per-domain namespaces must be off for them to start.
    sed -i 's/^#*namespaces = .*/namespaces = []/' /etc/libvirt/qemu.conf
    # No system D-Bus here, so no polkit: the read-only socket admits any local account (as an
    # audit account on a hypervisor); the read-write one stays root's.
    sed -i 's/^#*auth_unix_ro = .*/auth_unix_ro = "none"/' /etc/libvirt/libvirtd.conf
    if [ -e /dev/kvm ]; then
        touch /run/libvirt-nokvm
        unshare -m sh -c 'mount --bind /run/libvirt-nokvm /dev/kvm && exec libvirtd -d'
    else
        libvirtd -d
    fi
    for _ in $(seq 1 50); do
        answers && return
        sleep 0.2
    done
    log "libvirtd did not answer on qemu:///system"
    exit 1
}

stop() {
    pgrep -x libvirtd >/dev/null || return 0
    log "stopping libvirtd"
    pkill -x libvirtd
    for _ in $(seq 1 50); do
        pgrep -x libvirtd >/dev/null || return 0
        sleep 0.2
    done
    pkill -9 -x libvirtd || true
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    restart) stop; start ;;
    *) echo "usage: $0 start|stop|restart" >&2; exit 2 ;;
esac
