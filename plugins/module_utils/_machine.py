# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform under the devices: machine types, i440fx -> q35, PCIe hot-plug room, features.

The machine types a domain can have are the ones the host's capabilities list for its
emulator (aliases and deprecation included): libvirt is asked, nothing is guessed.
"""

from __future__ import annotations

import functools
import re

from ansible_collections.virtuned.libvirt.plugins.module_utils import _buses, _recommend
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption

FAMILIES = (
    ('q35', re.compile(r'^(?:q35|pc-q35-(?P<version>[\d.]+))$')),
    ('i440fx', re.compile(r'^(?:pc|pc-i440fx-(?P<version>[\d.]+)|pc-(?P<old>[01]\.\d+))$')),
)
# virt-install's convert_to_q35 (virtinst/guest.py) and Nova's q35 default give this many.
Q35_ROOT_PORTS = 14

# Platform features libvirt does not turn on by itself. Each entry: what it writes, and its source.
FEATURES = {
    'vmcoreinfo': {
        'source': "libvirt formatdomain 'Hypervisor features' (vmcoreinfo, since 4.4.0); QEMU's vmcoreinfo device "
                  'lets a guest kernel crash dump be read from the host (virsh dump --format kdump-*)',
        'features': [('vmcoreinfo', {'state': 'on'})],
    },
    'pvpanic': {
        'source': "libvirt formatdomain 'Panic device' (model isa on x86: QEMU's pvpanic ISA device); Nova adds it "
                  'for hw_pvpanic',
        'devices': [('panic', {'model': 'isa'})],
    },
    'acpi': {
        'source': "libvirt formatdomain 'Hypervisor features' (acpi); virt-install turns it on where the guest "
                  'capabilities support it: without it an ACPI shutdown request reaches no guest',
        'features': [('acpi', {})],
    },
    'apic': {
        'source': "libvirt formatdomain 'Hypervisor features' (apic); virt-install turns it on with acpi",
        'features': [('apic', {})],
    },
    'hyperv': {
        'source': "virt-install's Windows defaults (virtinst/domain/features.py _set_hyperv_defaults, clock.py): "
                  'relaxed, vapic, spinlocks 8191, vpindex, runtime, synic, stimer, frequencies, tlbflush, ipi, '
                  "each only when the domain capabilities list it (libvirt's <hyperv> enum), and the hypervclock "
                  'timer; libvirt formatdomain \'Hypervisor features\'',
        'hyperv': [('relaxed', {}), ('vapic', {}), ('spinlocks', {'retries': '8191'}), ('vpindex', {}),
                   ('runtime', {}), ('synic', {}), ('stimer', {}), ('frequencies', {}), ('tlbflush', {}),
                   ('ipi', {})],
    },
}
# The libvirt <features> children, in the order the schema wants them (formatdomain).
FEATURE_ORDER = ('acpi', 'apic', 'pae', 'hap', 'viridian', 'privnet', 'hyperv', 'kvm', 'xen', 'pvspinlock',
                 'capabilities', 'pmu', 'vmport', 'gic', 'smm', 'ioapic', 'hpt', 'htm', 'nested-hv', 'msrs',
                 'ccf-assist', 'cfpc', 'sbbc', 'ibs', 'tcg', 'async-teardown', 'vmcoreinfo', 'ras', 'ps2')


def family(machine):
    for name, pattern in FAMILIES:
        if machine and pattern.match(machine):
            return name
    return None


def version(machine):
    """(7, 2) for pc-q35-7.2; None for an unversioned alias."""
    for _name, pattern in FAMILIES:
        found = pattern.match(machine or '')
        if found:
            text = found.group('version') or (found.groupdict().get('old'))
            return tuple(int(part) for part in text.split('.')) if text else None
    return None


class MachineTypes:
    """The machine types the host's capabilities list for one emulator and arch."""

    def __init__(self, capabilities_xml, arch, emulator):
        root = dx.parse(capabilities_xml, 'capabilities')
        self.names, self.canonical, self.deprecated = [], {}, set()
        for guest in root.findall('guest'):
            element = guest.find("arch[@name='%s']" % arch)
            if guest.findtext('os_type') != 'hvm' or element is None:
                continue
            if emulator and element.findtext('emulator') not in (emulator, None):
                continue
            for machine in element.findall('machine'):
                name = machine.text
                if name not in self.names:
                    self.names.append(name)
                if machine.get('canonical'):
                    self.canonical[name] = machine.get('canonical')
                if machine.get('deprecated') == 'yes':
                    self.deprecated.add(name)

    def resolve(self, name):
        return self.canonical.get(name, name)

    def offers(self, name):
        return name in self.names

    def newer(self, machine):
        """The host's non-deprecated versions of machine's family newer than it, newest first."""
        current = version(machine) or ()
        found = [n for n in self.names if family(n) == family(machine) and n not in self.deprecated
                 and version(n) is not None and version(n) > current]
        return sorted(found, key=version, reverse=True)

    def of_family(self, name):
        return sorted((n for n in self.names if family(n) == name and n not in self.deprecated and version(n)),
                      key=version, reverse=True)

    def allowed_targets(self, current, allow_family_change):
        """What a domain on current may move to: current (unless the host lacks it or deprecates it) and its
        family's newer versions, and with allow_family_change from i440fx, q35's."""
        allowed = [current] if self.offers(current) and current not in self.deprecated else []
        allowed += self.newer(current)
        if allow_family_change and family(current) == 'i440fx':
            allowed += self.of_family('q35')
        return allowed


def machine_types(hypervisor, root):
    """The machine types the host offers for this domain's arch and emulator."""
    os_type = dx.os_type(root)
    return _parsed(hypervisor.host_capabilities(), os_type['arch'] or 'x86_64', dx.emulator(root))


@functools.lru_cache(maxsize=None)
def _parsed(capabilities_xml, arch, emulator):
    # Parsed once per emulator and arch, not once per domain: a fleet call reads hundreds.
    return MachineTypes(capabilities_xml, arch, emulator)


def check_options(params):
    _recommend.check_os_option(params)
    if params.get('pcie_free_ports') is not None and not 0 <= params['pcie_free_ports'] <= 30:
        raise InvalidOption('pcie_free_ports', params['pcie_free_ports'], ['0 to 30'])
    unknown = [name for name in params.get('features') or [] if name not in FEATURES]
    if unknown:
        raise InvalidOption('features', unknown[0], sorted(FEATURES), reason='not in the table of platform features')


def with_recommended(params, root, found):
    """params with the recommended platform values where no option was given, and notes on what was not
    applied: a family change without allow_family_change (or q35 to i440fx, which is never made), and
    firmware, since changing the firmware of an installed guest leaves it unable to boot."""
    merged, notes = dict(params), []
    machine = found.get('hw_machine_type', {}).get('value')
    current = family(dx.os_type(root)['machine'])
    wanted = {'q35': 'q35', 'pc': 'i440fx'}.get(machine)
    if machine and not params.get('machine_type') and wanted != current:
        if current == 'i440fx' and wanted == 'q35' and params.get('allow_family_change'):
            merged['machine_type'] = 'q35'
        else:
            notes.append('hw_machine_type %s not applied: %s' % (machine, (
                'the i440fx to q35 conversion needs allow_family_change=true' if current == 'i440fx'
                else 'a q35 domain is not converted back to i440fx')))
    if found.get('features') and params.get('features') is None:
        merged['features'] = found['features']['value']
    if found.get('firmware'):
        notes.append('firmware %s not applied: changing the firmware of an installed guest leaves it unable to boot; '
                     'define new domains with it' % found['firmware']['value'])
    return merged, notes


def plan(root, params, machines, capabilities):
    """Edit root (persistent) as params ask; returns a report of what the plan did (with recommended=true,
    also what was recommended and, under 'not_applied', which recommendations were not applied and why)."""
    report = {}
    if params.get('recommended'):
        found, message = _recommend.for_domain(root, params.get('os'), capabilities)
        params, notes = with_recommended(params, root, found)
        report.update(_recommend.report(found, message, notes))
    current = dx.os_type(root)['machine']
    if params.get('machine_type'):
        report['converted'] = set_machine_type(root, params['machine_type'], machines,
                                               params.get('allow_family_change'))
    if params.get('pcie_free_ports') is not None:
        if family(dx.os_type(root)['machine']) != 'q35':
            raise InvalidOption('pcie_free_ports', params['pcie_free_ports'], ['a q35 domain'],
                                reason='%s has no PCIe root ports' % dx.os_type(root)['machine'])
        report['root_ports_added'] = add_root_ports(root, params['pcie_free_ports'])
    for name in params.get('features') or []:
        apply_feature(root, name, capabilities)
    if params.get('pin') or dx.os_type(root)['machine'] != current or params.get('features') or \
            report.get('root_ports_added'):
        dx.stash_properties(root, {'hw_machine_type': dx.os_type(root)['machine']})
    return report


def set_machine_type(root, wanted, machines, allow_family_change):
    """Set the machine type; returns what a family change converted (empty otherwise)."""
    current = dx.os_type(root)['machine']
    target = machines.resolve(wanted)
    allowed = machines.allowed_targets(current, allow_family_change)
    if not machines.offers(target):
        raise InvalidOption('machine_type', wanted, allowed, reason="the domain's emulator does not offer it")
    if target in machines.deprecated:
        raise InvalidOption('machine_type', wanted, machines.newer(target) or allowed,
                            reason='%s is deprecated on this host' % target)
    if family(target) is None:
        raise InvalidOption('machine_type', wanted, allowed, reason='not a pc (i440fx) or q35 machine type')
    if family(target) != family(current):
        if not allow_family_change:
            raise InvalidOption('machine_type', wanted, allowed,
                                reason='%s is %s, %s is %s: a family change needs allow_family_change=true'
                                       % (current, family(current), target, family(target)))
        if (family(current), family(target)) != ('i440fx', 'q35'):
            raise InvalidOption('machine_type', wanted, allowed,
                                reason='only i440fx -> q35 is converted, not %s -> %s'
                                       % (family(current), family(target)))
        converted = convert_to_q35(root)
    else:
        if version(current) and version(target) and version(target) < version(current):
            raise InvalidOption('machine_type', wanted, allowed,
                                reason='%s is older than the current %s; a machine type only moves forward'
                                       % (target, current))
        converted = []
    root.find('os/type').set('machine', target)
    return converted


def convert_to_q35(root):
    """What a person does by hand, as virt-install's convert_to_q35: IDE disks to SATA, PCI and IDE
    controllers and PCI addresses dropped (libvirt re-places the devices on root ports), piix USB to
    qemu-xhci, legacy models to their q35 kin, root ports added. Returns what changed."""
    changed = []
    for controller in dx.find_devices(root, 'controller'):
        if controller.get('type') in ('pci', 'ide'):
            dx.remove_device(controller)
    for controller in dx.find_devices(root, 'controller', type='usb'):
        if controller.get('model') in (None, 'piix3-uhci', 'piix4-uhci'):
            changed.append('USB controller %s -> qemu-xhci' % (controller.get('model') or 'default'))
            controller.set('model', 'qemu-xhci')
    for device in ('disk', 'cdrom'):
        moving = [dx.disk_target(d) for d in dx.disks(root, device) if dx.disk_bus(d) == 'ide']
        if moving:
            _buses.move_disks(root, device, 'sata')
            changed.append('IDE %ss %s -> SATA' % (device, ', '.join(moving)))
    for kind, old, new in (('sound', 'ich6', 'ich9'), ('interface', 'e1000', 'e1000e'), ('video', 'cirrus', 'vga')):
        for element in dx.find_devices(root, kind):
            if dx.device_model(element) == old:
                dx.set_device_model(element, new)
                changed.append('%s %s -> %s' % (kind, old, new))
    for element in dx.devices(root):
        address = element.find('address')
        if address is not None and address.get('type') == 'pci':
            element.remove(address)
    dx.append_device(root, dx.new_element('controller', {'type': 'pci', 'index': 0, 'model': 'pcie-root'}))
    for _port in range(Q35_ROOT_PORTS):
        dx.append_device(root, dx.new_element('controller', {'type': 'pci', 'model': 'pcie-root-port'}))
    changed.append('%d PCIe root ports' % Q35_ROOT_PORTS)
    return changed


# Devices that take a PCI slot when libvirt places them (x86 q35): what an unplaced one may need.
def _takes_a_pci_slot(element):
    kind = element.tag
    if kind == 'disk':
        return dx.disk_bus(element) == 'virtio'
    if kind == 'controller':
        return element.get('type') in ('usb', 'scsi', 'virtio-serial') and element.get('model') != 'none'
    if kind == 'input':
        return element.get('bus') == 'virtio'
    return kind in ('interface', 'rng', 'memballoon', 'sound', 'watchdog', 'vsock', 'filesystem', 'hostdev')


def free_root_ports(root):
    """Root ports no device sits behind, less the devices without an address that libvirt will place
    (a new port has no index yet: it is free)."""
    ports = [c.get('index') for c in dx.find_devices(root, 'controller', type='pci') if c.get('model') == 'pcie-root-port']
    used, unplaced = set(), 0
    for element in dx.devices(root):
        address = element.find('address')
        if address is not None and address.get('type') == 'pci' and address.get('bus') is not None:
            used.add(str(int(address.get('bus'), 16)))
        elif address is None and _takes_a_pci_slot(element):
            unplaced += 1
    return sum(1 for index in ports if index is None or index not in used) - unplaced


def add_root_ports(root, wanted):
    """Enough pcie-root-port controllers that wanted stay free; returns how many were added."""
    missing = max(0, wanted - free_root_ports(root))
    for _port in range(missing):
        dx.append_device(root, dx.new_element('controller', {'type': 'pci', 'model': 'pcie-root-port'}))
    return missing


def apply_feature(root, name, capabilities):
    entry = FEATURES[name]
    features = root.find('features')
    if features is None and (entry.get('features') or entry.get('hyperv')):
        features = dx.new_element('features')
        anchor = root.find('os')
        anchor.addnext(features)
    for tag, attributes in entry.get('features', []):
        _ensure_child(features, tag, attributes, FEATURE_ORDER)
    for kind, attributes in entry.get('devices', []):
        if not dx.find_devices(root, kind, **attributes):
            dx.append_device(root, dx.new_element(kind, attributes))
    if entry.get('hyperv'):
        offered = capabilities.hyperv_features() if capabilities is not None else None
        hyperv = _ensure_child(features, 'hyperv', {'mode': 'custom'}, FEATURE_ORDER)
        for tag, attributes in entry['hyperv']:
            if offered is None or tag in offered:
                _ensure_child(hyperv, tag, dict(attributes, state='on'), ())
        if offered is None or 'stimer' in offered:  # the Hyper-V timers need hv-time: KVM, not TCG
            clock = root.find('clock')
            if clock is None:
                clock = dx.new_element('clock', {'offset': 'utc'})
                features.addnext(clock)
            if clock.find("timer[@name='hypervclock']") is None:
                clock.append(dx.new_element('timer', {'name': 'hypervclock', 'present': 'yes'}))


def _ensure_child(parent, tag, attributes, order):
    existing = parent.find(tag)
    if existing is not None:
        for key, value in attributes.items():
            existing.set(key, value)
        return existing
    return dx.insert_in_order(parent, dx.new_element(tag, attributes), order)
