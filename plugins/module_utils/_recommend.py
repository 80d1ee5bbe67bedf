# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The best device values for a guest OS on a domain's machine type, each with its reason."""

from __future__ import annotations

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _osinfo
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import VirtunedError

# recommended key -> the virt_device_bus option that applies it
BUS_OPTIONS = {
    'hw_disk_bus': 'disk_bus',
    'hw_cdrom_bus': 'cdrom_bus',
    'hw_video_model': 'video_model',
    'hw_vif_model': 'vif_model',
    'virtio_model': 'virtio_model',
}


def recommend(short_id, supported, q35):
    """key -> {'value', 'reason'} from the OS's supported device ids and whether the machine is q35."""

    def has(name):
        return _osinfo.DEVICES[name] in supported

    machine = 'q35' if q35 else 'i440fx'
    legacy_virtio = has('virtio-block') or has('virtio-net')
    modern_virtio = has('virtio1.0-block') or has('virtio1.0-net')
    found = {}

    def put(key, value, reason):
        found[key] = {'value': value, 'reason': '%s %s' % (short_id, reason)}

    if has('virtio-block') or has('virtio1.0-block'):
        put('hw_disk_bus', 'virtio', 'has virtio block drivers')
    else:
        put('hw_disk_bus', 'sata' if q35 else 'ide', 'has no virtio block driver; %s disks go on %s'
            % (machine, 'SATA' if q35 else 'IDE'))
    put('hw_cdrom_bus', 'sata' if q35 else 'ide',
        'on %s: %s' % (machine, 'q35 has no IDE, cdroms go on SATA' if q35 else 'the built-in IDE controller'))
    if has('virtio-net') or has('virtio1.0-net'):
        put('hw_vif_model', 'virtio', 'has virtio-net drivers')
    else:
        nic = next((n for n in ('e1000e', 'e1000', 'rtl8139') if has(n) and (n != 'e1000e' or q35)), 'rtl8139')
        put('hw_vif_model', nic, 'has no virtio-net driver; %s is the best NIC it drives' % nic)
    if has('virtio1.0-gpu'):
        put('hw_video_model', 'virtio', 'drives virtio-gpu')
    elif has('qxl'):
        put('hw_video_model', 'qxl', 'drives qxl but not virtio-gpu')
    else:
        put('hw_video_model', 'vga', 'drives neither virtio-gpu nor qxl; plain VGA')
    if has('virtio1.0-input'):
        put('hw_pointer_model', 'tablet', 'drives virtio input devices')
        put('hw_input_bus', 'virtio', 'drives virtio input devices: no emulated USB needed')
    elif has('usb-tablet'):
        put('hw_pointer_model', 'usbtablet', 'drives a USB tablet but not virtio input')
        put('hw_input_bus', None, 'drives no virtio input; the keyboard stays PS/2')
    if legacy_virtio or modern_virtio:
        if q35 and not modern_virtio:
            put('virtio_model', 'transitional', 'has no virtio 1.0 drivers and the machine is q35: transitional')
        elif modern_virtio:
            put('virtio_model', 'virtio', 'has virtio 1.0 drivers: plain virtio')
        else:
            put('virtio_model', 'virtio', 'has legacy virtio drivers only; on i440fx plain virtio is transitional')
    usb = next((m for m in ('qemu-xhci', 'nec-xhci', 'ich9-ehci1') if has(m)), None)
    if usb:
        put('usb_model', 'usb2' if usb == 'ich9-ehci1' else usb, 'drives %s' % usb)
    return found


def for_domain(root, os_name=None):
    """(recommended, message): the recommendation for a domain, or {} and why there is none.

    os_name (a short id or id URI) overrides the domain's libosinfo metadata and must be known;
    an OS id in the metadata that osinfo-db does not know only yields a message.
    """
    db = None
    try:
        db = _osinfo.database()
    except VirtunedError as exc:
        if os_name:
            raise
        return {}, exc.msg
    if os_name:
        os_id = db.resolve(os_name)
    else:
        os_id = dx.libosinfo_os_id(root)
        if os_id is None:
            return {}, ('no recommendation: the domain has no libosinfo metadata (<libosinfo:os id=...>) '
                        'and no os was given')
        try:
            os_id = db.resolve(os_id)
        except VirtunedError:
            return {}, 'no recommendation: osinfo-db does not know the OS %s of the metadata' % os_id
    return recommend(db.short_id(os_id), db.devices(os_id), dx.is_machine_q35(root)), \
        'recommended for %s on %s' % (db.short_id(os_id), dx.os_type(root)['machine'])


def bus_options(params, root):
    """params with the recommended bus/model values filled in where no option was given.

    Returns (params, report) where report says what was recommended and why.
    """
    found, message = for_domain(root, params.get('os'))
    merged = dict(params)
    for key, option in BUS_OPTIONS.items():
        if merged.get(option) is None and found.get(key, {}).get('value') is not None:
            merged[option] = found[key]['value']
    return merged, {'recommended': found, 'recommended_message': message}
