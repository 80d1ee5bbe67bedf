# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Policy profiles: named sets of hw_* / virtio_model / usb_model values, merged in order.

One implementation for the device_policy filter and the device_update role.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.virtuned.libvirt.plugins.module_utils import _device_tables, _inputs, _machine
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption

# key -> the values a profile may give it (None: any string, checked per domain when applied).
KEYS = {
    'hw_disk_bus': ('virtio', 'scsi', 'sata', 'ide', 'usb'),
    'hw_cdrom_bus': ('scsi', 'sata', 'ide', 'usb'),
    'hw_floppy_bus': ('fdc',),
    'hw_input_bus': _inputs.INPUT_BUSES,
    'hw_pointer_model': _inputs.POINTER_MODELS,
    'hw_video_model': None,
    'hw_vif_model': None,
    'hw_scsi_model': None,
    'virtio_model': _device_tables.VIRTIO_MODELS,
    'usb_model': None,
    'hw_machine_type': None,
}
# Platform keys whose values are not strings: key -> (check, what is allowed).
PLATFORM_KEYS = {
    'pcie_free_ports': (lambda value: isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 30,
                        ['an integer from 0 to 30']),
    'features': (lambda value: isinstance(value, list) and all(name in _machine.FEATURES for name in value),
                 ['a list of: %s' % ', '.join(sorted(_machine.FEATURES))]),
}

# The shipped profiles; docs/policies.md gives each one's reasons.
PROFILES = {
    # Guests with virtio 1.0 drivers (RHEL 8+, current Linux): paravirtual everything, no emulated USB input.
    'modern': {
        'hw_disk_bus': 'virtio', 'hw_cdrom_bus': 'sata', 'hw_vif_model': 'virtio', 'hw_video_model': 'virtio',
        'hw_pointer_model': 'tablet', 'hw_input_bus': 'virtio', 'virtio_model': 'virtio', 'usb_model': 'qemu-xhci',
    },
    # Guests with legacy virtio drivers only (RHEL 6): transitional devices, a USB tablet, plain VGA.
    'legacy-guest': {
        'hw_disk_bus': 'virtio', 'hw_vif_model': 'virtio', 'hw_video_model': 'vga',
        'hw_pointer_model': 'usbtablet', 'virtio_model': 'transitional', 'usb_model': 'usb2',
    },
    # Windows before virtio-win drivers: devices its installer drives out of the box.
    'windows': {
        'hw_disk_bus': 'sata', 'hw_cdrom_bus': 'sata', 'hw_vif_model': 'e1000e', 'hw_video_model': 'qxl',
        'hw_pointer_model': 'usbtablet', 'usb_model': 'qemu-xhci',
    },
}

MODES = ('enforce', 'prefer')


def merge(items, profiles=None):
    """One dict from profile names and dicts, later items winning; a null value unsets the key.

    An item {prefer: <profile name or dict>} is a preference: its keys fill only what no enforced
    item (a name, a dict, or {enforce: ...}) sets, whatever the order; among preferences the later
    wins. An item {enforce: ...} is the same as the bare name or dict.
    """
    profiles = PROFILES if profiles is None else profiles
    if isinstance(items, (str, Mapping)):
        items = [items]
    layers = {'enforce': {}, 'prefer': {}}
    for position, item in enumerate(items):
        mode, item = _mode(position, item)
        if isinstance(item, str):
            if item not in profiles:
                raise InvalidOption('profile', item, sorted(profiles), reason='item %d is an unknown profile' % position)
            item = profiles[item]
        if not isinstance(item, Mapping):
            raise InvalidOption('item %d' % position, item, ['a profile name', 'a dict of policy keys',
                                                             '{prefer: a profile name or dict}'])
        for key, value in item.items():
            check(key, value)
            if value is None:
                layers[mode].pop(key, None)
            else:
                layers[mode][key] = value
    merged = dict(layers['prefer'], **layers['enforce'])
    check_combination(merged)
    return merged


def _mode(position, item):
    """(mode, the item itself) for {prefer: x} and {enforce: x}; ('enforce', item) otherwise."""
    if isinstance(item, Mapping) and any(mode in item for mode in MODES):
        if len(item) != 1:
            raise InvalidOption('item %d' % position, dict(item), ['{prefer: x}', '{enforce: x}'],
                                reason='a mode item holds the mode alone')
        mode = next(iter(item))
        return mode, item[mode]
    return 'enforce', item


def check(key, value):
    if key not in KEYS and key not in PLATFORM_KEYS:
        raise InvalidOption('key', key, sorted(KEYS) + sorted(PLATFORM_KEYS),
                            reason='not a policy key, nor a merge mode (%s) holding a profile or dict'
                                   % ', '.join(MODES))
    if value is None:
        return
    if key in PLATFORM_KEYS:
        valid, allowed = PLATFORM_KEYS[key]
        if not valid(value):
            raise InvalidOption(key, value, allowed)
        return
    allowed = KEYS[key]
    if not isinstance(value, str) or (allowed is not None and value not in allowed):
        raise InvalidOption(key, value, allowed if allowed is not None else ['a string'])


def check_combination(merged):
    """Keys that cannot stand together: the input pair must resolve (usbtablet is never virtio)."""
    _inputs.resolve(merged.get('hw_pointer_model'), merged.get('hw_input_bus'),
                    options=('hw_pointer_model', 'hw_input_bus'))


def module_options(merged):
    """{module: {option: value}} for the modules that apply a merged policy."""
    options = {'virt_device_bus': {}, 'virt_input': {}, 'virt_usb_controller': {}, 'virt_machine': {}}
    for key, value in merged.items():
        module, option = _device_tables.APPLIED_BY[key]
        options[module][option] = value
    return options
