# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""USB controllers: which models a domain can take, and the plan that adds or removes them.

USB controllers are cold-plug only (libvirt: "'usb' controller cannot be hot plugged"), so the
plan only edits the persistent definition.
"""

from __future__ import annotations

from ansible_collections.virtuned.libvirt.plugins.module_utils import _device_tables
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption

# Every USB controller model libvirt's domain XML knows (formatdomain: controller type='usb').
MODELS = (
    'piix3-uhci', 'piix4-uhci', 'ehci', 'ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3',
    'vt82c686b-uhci', 'pci-ohci', 'nec-xhci', 'qemu-xhci', 'qusb1', 'qusb2', 'none',
)
SETS = ('usb2', 'usb3')
XHCI = ('nec-xhci', 'qemu-xhci')
MAX_XHCI_PORTS = 15  # QEMU's xhci: at most 15 ports (hw/usb/hcd-xhci.h, MAXPORTS_2/3)

# ich9-ehci1 is the USB 2 master; its UHCI companions serve USB 1 devices on the same index.
USB2_COMPANIONS = (('ich9-uhci1', 0), ('ich9-uhci2', 2), ('ich9-uhci3', 4))
COMPANIONS = tuple(model for model, _startport in USB2_COMPANIONS)
# What a task may name: a companion alone is refused by libvirt, it comes with the set usb2.
CHOICES = tuple(model for model in MODELS if model not in COMPANIONS) + SETS

# What the QEMU driver takes, where libvirt's domain capabilities do not say (libvirt 9.0 lists no
# USB controller models). Measured with libvirt 9.0 + QEMU 7.2 on x86_64, define and start:
# qusb1/qusb2 are refused at define ("USB controller model type 'qusb1' or 'qusb2' is not supported"
# outside Xen); vt82c686b-uhci defines but fails at start ("not supported in this QEMU binary": it
# belongs to the MIPS/PPC boards, see `qemu-system-x86_64 -device help`); ich9-uhciN alone is
# refused ("No master USB controller specified").
XEN_ONLY = ('qusb1', 'qusb2')
NOT_IN_QEMU_X86 = ('vt82c686b-uhci',)


def allowed_models(arch, virt_type):
    models = list(CHOICES)
    if virt_type != 'xen':
        models = [m for m in models if m not in XEN_ONLY]
    if virt_type in ('qemu', 'kvm') and arch in _device_tables.X86_ARCHES:
        models = [m for m in models if m not in NOT_IN_QEMU_X86]
    return models


def domain_models(root):
    """allowed_models for this domain's architecture and virt type."""
    return allowed_models(dx.os_type(root)['arch'], dx.virt_type(root))


def usb_controllers(root):
    return dx.find_devices(root, 'controller', type='usb')


def is_usb_controller(element):
    return element.tag == 'controller' and element.get('type') == 'usb'


def _index(element):
    return int(element.get('index', '0'))


def _usb_device_label(element):
    kind = element.tag
    if kind == 'disk':
        return 'disk %s' % dx.disk_target(element)
    if kind == 'hostdev':
        source = element.find('source/vendor')
        product = element.find('source/product')
        if source is not None and product is not None:
            return 'hostdev %s:%s' % (source.get('id'), product.get('id'))
        return 'hostdev'
    return '%s %s' % (kind, element.get('type') or element.get('model') or '')


def on_usb(element):
    """Whether a device sits on a USB bus."""
    kind = element.tag
    return ((kind == 'input' and element.get('bus') == 'usb')
            or (kind == 'hostdev' and element.get('type') == 'usb')
            or (kind == 'redirdev' and element.get('bus') == 'usb')
            or (kind == 'disk' and dx.disk_bus(element) == 'usb')
            or (kind == 'hub' and element.get('type') == 'usb')
            or (kind == 'sound' and element.get('model') == 'usb-audio')
            or kind == 'smartcard')


def usb_devices(root):
    """The devices that sit on a USB bus, each with the controller index it uses (None: any)."""
    found = []
    for element in dx.devices(root):
        if not on_usb(element):
            continue
        address = element.find("address[@type='usb']")
        bus = int(address.get('bus')) if address is not None and address.get('bus', '').isdigit() else None
        found.append((element, bus))
    return found


def _master_model(model):
    return {'usb2': 'ich9-ehci1', 'usb3': 'qemu-xhci'}.get(model, model)


def _new_controllers(model, index, ports):
    master = _master_model(model)
    attributes = {'type': 'usb', 'index': index, 'model': master}
    if ports is not None:
        attributes['ports'] = ports
    elements = [dx.new_element('controller', attributes)]
    if model == 'usb2':
        for companion, startport in USB2_COMPANIONS:
            elements.append(dx.new_element('controller', {'type': 'usb', 'index': index, 'model': companion},
                                           [dx.new_element('master', {'startport': startport})]))
    return elements


def check_options(params):
    """What the options alone can get wrong: checked once for the task, before any domain is read."""
    model, index, count, ports = params['model'], params['index'], params['count'], params['ports']
    if index is not None and index < 0:
        raise InvalidOption('index', index, ['0 or more'])
    if count < 1:
        raise InvalidOption('count', count, ['1 or more'])
    if ports is not None:
        if _master_model(model) not in XHCI:
            raise InvalidOption('ports', ports, ['omitted'], reason='ports is for xhci models (%s, usb3), '
                                'not %s' % (', '.join(XHCI), model))
        if not 1 <= ports <= MAX_XHCI_PORTS:
            raise InvalidOption('ports', ports, ['1 to %d' % MAX_XHCI_PORTS])
    if model is None and index is None:
        raise InvalidOption('model', None, list(CHOICES),
                            reason='name the model or the index of the controllers')


def validate(params, root):
    """What this domain cannot take: a model its architecture or virt type lacks."""
    check_options(params)
    model = params['model']
    allowed = domain_models(root)
    if model is not None and model not in allowed:
        reason = None
        if model in MODELS:
            reason = 'not available to a %s domain on %s' % (dx.virt_type(root), dx.os_type(root)['arch'])
        raise InvalidOption('model', model, allowed, reason=reason)


def plan(root, params):
    """Edit root so its USB controllers match params."""
    validate(params, root)
    if params['state'] == 'absent':
        _remove(root, params)
    elif params['model'] == 'none':
        _disable_usb(root)
    else:
        _ensure(root, params)


def _masters(root, model):
    master = _master_model(model)
    return [c for c in usb_controllers(root) if c.get('model') == master]


def _ensure(root, params):
    model, index, count, ports = params['model'], params['index'], params['count'], params['ports']
    for element in usb_controllers(root):
        if element.get('model') == 'none':
            dx.remove_device(element)  # USB was disabled: the new controller takes its place
    used = {_index(c) for c in usb_controllers(root)}
    masters = _masters(root, model)
    if index is not None and not any(_index(m) == index for m in masters):
        if index in used:
            taken = sorted({c.get('model') for c in usb_controllers(root) if _index(c) == index})
            raise InvalidOption('index', index, ['a free index, not %s' % ', '.join(str(i) for i in sorted(used))],
                                reason='index %d is used by %s; USB controller indexes are unique'
                                       % (index, ', '.join(taken)))
        _add(root, model, index, ports)
        used.add(index)
        masters = _masters(root, model)
    while len(masters) < count:
        free = next(i for i in range(len(used) + 1) if i not in used)
        _add(root, model, free, ports)
        used.add(free)
        masters = _masters(root, model)
    if ports is not None:
        for master in masters:
            master.set('ports', str(ports))


def use_model(root, model, index=0):
    """Make the USB controllers at index the model (a set for usb2), as a guest OS's recommendation wants.

    A domain whose USB is off (model none) keeps it off. USB devices stay on that bus; their port
    addresses go, since the new controller may have fewer ports, and libvirt places them again.
    Returns whether anything changed."""
    current = [c for c in usb_controllers(root) if _index(c) == index]
    if any(c.get('model') == 'none' for c in current):
        return False
    wanted = [(e.get('model'), e.find('master').get('startport') if e.find('master') is not None else None)
              for e in _new_controllers(model, index, None)]
    have = [(c.get('model'), c.find('master').get('startport') if c.find('master') is not None else None)
            for c in current]
    if sorted(have, key=str) == sorted(wanted, key=str):
        return False
    for element in current:
        dx.remove_device(element)
    _add(root, model, index, None)
    for element, bus in usb_devices(root):
        address = element.find('address')
        if address is not None and address.get('type') == 'usb' and bus in (None, index):
            element.remove(address)
    return True


def _add(root, model, index, ports):
    for element in _new_controllers(model, index, ports):
        dx.append_device(root, element)


def _matching(root, params):
    """The controllers an absent request names, with the companions of a named master."""
    model, index = params['model'], params['index']
    master = _master_model(model) if model else None
    selected = [c for c in usb_controllers(root)
                if (master is None or c.get('model') == master) and (index is None or _index(c) == index)]
    indexes = {_index(c) for c in selected if c.get('model') == 'ich9-ehci1'}
    selected += [c for c in usb_controllers(root)
                 if c.get('model') in COMPANIONS and _index(c) in indexes and c not in selected]
    return selected


def _remove(root, params):
    doomed = _matching(root, params)
    if not doomed:
        return
    remaining = {_index(c) for c in usb_controllers(root) if c not in doomed and c.get('model') != 'none'}
    removed = {_index(c) for c in doomed}
    stranded = [element for element, bus in usb_devices(root)
                if (bus in removed and bus not in remaining) or (bus is None and not remaining)]
    if stranded:
        option = 'model' if params['model'] else 'index'
        raise InvalidOption(option, params[option], ['a controller no USB device needs'],
                            reason='USB devices still use the controller(s) at index %s: %s' % (
                                ', '.join(str(i) for i in sorted(removed)),
                                ', '.join(_usb_device_label(e) for e in stranded)))
    for element in doomed:
        dx.remove_device(element)
    if not usb_controllers(root):
        # Without any USB controller libvirt adds its default one back at define: say "no USB" instead.
        _disable_usb(root)


def _disable_usb(root):
    devices = usb_devices(root)
    if devices:
        raise InvalidOption('model', 'none', [m for m in domain_models(root) if m != 'none'],
                            reason='USB devices exist: %s' % ', '.join(_usb_device_label(e) for e, _bus in devices))
    controllers = usb_controllers(root)
    if [c.get('model') for c in controllers] == ['none']:
        return
    for element in controllers:
        dx.remove_device(element)
    dx.append_device(root, dx.new_element('controller', {'type': 'usb', 'index': 0, 'model': 'none'}))
