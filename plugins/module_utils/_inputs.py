# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pointer and keyboard devices: Nova's hw_pointer_model x hw_input_bus matrix, and the plan
that makes a domain's input devices match it.

The matrix, with its keyboard rule: a keyboard follows hw_input_bus when it is set, and
architectures without PS/2 always get one. The
input_devices filter and the virt_input module both resolve through resolve() below.
"""

from __future__ import annotations

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption

POINTER_MODELS = ('usbtablet', 'tablet', 'mouse')
INPUT_BUSES = ('usb', 'virtio')
DEVICE_TYPES = ('tablet', 'mouse', 'keyboard')
DEVICE_BUSES = ('ps2', 'usb', 'virtio')

# Only PC machines have an i8042 controller; libvirt then adds a PS/2 mouse and keyboard
# to every pc and q35 domain by itself. microvm is a PC without one.
PS2_ARCHES = ('x86_64', 'i686')
MACHINES_WITHOUT_PS2 = ('microvm',)

POINTER_TYPE = {'usbtablet': 'tablet', 'tablet': 'tablet', 'mouse': 'mouse', None: 'tablet'}


def has_ps2(arch, machine=None):
    if arch not in PS2_ARCHES:
        return False
    return not any((machine or '').startswith(prefix) for prefix in MACHINES_WITHOUT_PS2)


def resolve(pointer_model, input_bus, arch='x86_64', machine=None, options=('pointer_model', 'input_bus')):
    """The explicit input devices, [{'type', 'bus'}], that pointer_model and input_bus ask for.

    Raises InvalidOption naming the option at fault and both values.
    """
    pointer_option, bus_option = options
    both = '%s=%r, %s=%r' % (pointer_option, pointer_model, bus_option, input_bus)
    if pointer_model is not None and pointer_model not in POINTER_MODELS:
        raise InvalidOption(pointer_option, pointer_model, POINTER_MODELS + ('omitted',), reason=both)
    if input_bus is not None and input_bus not in INPUT_BUSES:
        raise InvalidOption(bus_option, input_bus, INPUT_BUSES + ('omitted',), reason=both)
    if pointer_model == 'usbtablet' and input_bus not in (None, 'usb'):
        raise InvalidOption(bus_option, input_bus, ('usb', 'omitted'),
                            reason="%s: a 'usbtablet' pointer is on the usb bus; for a virtio pointer use "
                                   "%s='tablet'" % (both, pointer_option))
    ps2 = has_ps2(arch, machine)
    if pointer_model is None and input_bus is None and ps2:
        return []  # the implicit PS/2 mouse and keyboard
    bus = input_bus or 'usb'
    devices = [{'type': POINTER_TYPE[pointer_model], 'bus': bus}]
    if input_bus is not None or not ps2:
        devices.append({'type': 'keyboard', 'bus': bus})
    return devices


def check_options(params):
    """What the options alone can get wrong: checked once for the task, before any domain is read."""
    if params['unplug_timeout'] < 0:
        raise InvalidOption('unplug_timeout', params['unplug_timeout'], ['0 or more seconds'])
    if params['exclusive'] and params['state'] == 'absent':
        raise InvalidOption('exclusive', True, [False], reason='exclusive goes with state=present, not state=absent')
    if params['devices'] is not None:
        check_devices(params['devices'], arch=None)


def check_devices(devices, arch='x86_64', machine=None, option='devices'):
    """Validate an explicit devices list; returns it without duplicates. arch None: what holds on
    any domain (the PS/2 check, which depends on the architecture and machine, is left out)."""
    checked = []
    for device in devices:
        if not isinstance(device, dict) or set(device) - {'type', 'bus'}:
            raise InvalidOption(option, device, ['{type: %s, bus: %s}' % ('|'.join(DEVICE_TYPES),
                                                                          '|'.join(DEVICE_BUSES))])
        kind, bus = device.get('type'), device.get('bus')
        if kind not in DEVICE_TYPES:
            raise InvalidOption(option + '.type', kind, DEVICE_TYPES, reason='in %r' % (device,))
        if bus not in DEVICE_BUSES:
            raise InvalidOption(option + '.bus', bus, DEVICE_BUSES, reason='in %r' % (device,))
        if bus == 'ps2' and kind == 'tablet':
            raise InvalidOption(option + '.bus', bus, ('usb', 'virtio'), reason='there is no PS/2 tablet')
        if bus == 'ps2' and arch is not None and not has_ps2(arch, machine):
            raise InvalidOption(option + '.bus', bus, ('usb', 'virtio'),
                                reason='there is no PS/2 %s on %s %s' % (kind, arch, machine or ''))
        entry = {'type': kind, 'bus': bus}
        if entry not in checked:
            checked.append(entry)
    return checked


# --- the plan for one domain -----------------------------------------------------------


def _matches(element, device):
    return element.get('type') == device['type'] and element.get('bus') == device['bus']


def _usb_disabled(root):
    return any(c.get('model') == 'none' for c in dx.find_devices(root, 'controller', type='usb'))


def wanted_devices(params, root):
    """The devices the module's options ask for on this domain."""
    os_type = dx.os_type(root)
    arch, machine = os_type['arch'] or 'x86_64', os_type['machine']
    if params.get('devices') is not None:
        return check_devices(params['devices'], arch, machine)
    return resolve(params.get('pointer_model'), params.get('input_bus'), arch, machine)


def plan(root, live, params):
    """Edit root (persistent) so its inputs match params; returns (attach, detach) for the live domain."""
    wanted = wanted_devices(params, root)
    attach, detach = [], []
    present = params.get('state', 'present') == 'present'
    if present and _usb_disabled(root):
        usb = [d for d in wanted if d['bus'] == 'usb']
        if usb:
            option = 'devices' if params.get('devices') is not None else 'input_bus'
            raise InvalidOption(option, 'usb', ['virtio'],
                                reason="the domain's USB controller is model='none', so it has no USB bus for "
                                       "%s; add one with virt_usb_controller or use virtio" % usb)
    if present:
        for device in wanted:
            if device['bus'] == 'ps2' or any(_matches(e, device) for e in dx.find_devices(root, 'input')):
                continue
            element = dx.append_device(root, dx.new_element('input', device))
            if live is not None and not any(_matches(e, device) for e in dx.find_devices(live, 'input')):
                attach.append(element)
    removable = [e for e in dx.explicit_inputs(root)
                 if (present and params.get('exclusive') and not any(_matches(e, d) for d in wanted))
                 or (not present and any(_matches(e, d) for d in wanted))]
    for element in removable:
        if live is not None:
            detach.extend(e for e in dx.find_devices(live, 'input')
                          if _matches(e, dx.abstract(element)) and e not in detach)
        dx.remove_device(element)
    if dx.stashed_properties(root):
        dx.stash_properties(root, dx.input_properties(root))  # keep a stash in step with what we applied
    return attach, detach
