# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which hot-(un)plugs and live updates a running domain refuses: check mode's prediction of a run's
'not attached', 'not detached' and 'not updated'.

libvirt has no dry run for virDomainAttachDeviceFlags or virDomainDetachDeviceAlias, so these
questions are answered here:
- whether libvirt's QEMU driver (or QEMU under it) plugs and unplugs that kind of device live at
  all: the table below, each entry the refusals libvirt 9.0 gives (qemuDomainAttachDeviceLive,
  qemuDomainDetachDeviceLive and the functions they call); tests/integration/
  test_hot_plug_prediction.py attaches and detaches every entry on a running domain and expects them
  (a TPM is only attached: running one needs swtpm);
- whether the running domain has room for a new device: libvirt's own PCI and USB address
  allocators answer, through virConnectDomainXMLToNative on the live definition with the new devices
  added. They place them as a hot-plug would (free slots on hot-pluggable buses that suit the device,
  free USB ports) and add a PCI controller (root port, bridge) or a USB hub only when none is free; a
  hot-plug never adds one ("No free USB ports");
- whether the host has what the device opens (its image, network, socket, …): see _host_resources;
- whether a device to unplug is held where it sits: its PCI address in the live XML says (the PCI
  Express root bus, a controller with hot-plug turned off, a slot shared by several functions), and
  a SCSI controller is held by the devices still on it.
- whether a running domain takes a memory device: libvirt's validation of the domain with it answers
  (maxMemory, its slots, NUMA), and QEMU plugs a DIMM through ACPI only.
On a PC (i440fx) machine without ACPI, nothing is (un)plugged on the PCI root bus either: QEMU's
PIIX plugs PCI devices through ACPI.
"""

from __future__ import annotations

import re

from ansible_collections.virtuned.libvirt.plugins.module_utils import _device_tables
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx

# Element names libvirt 9.0's QEMU driver never attaches or detaches live: "live attach (detach) of
# device '%s' is not supported" (the default cases of qemuDomainAttachDeviceLive and
# qemuDomainDetachDeviceLive; a smartcard's attach is refused before it, "this QEMU binary lacks
# multiple smartcard support"; its device API does not know a redirfilter: "unknown device type").
NEVER_LIVE = ('video', 'sound', 'memballoon', 'panic', 'graphics', 'hub', 'iommu', 'tpm', 'smartcard', 'audio',
              'redirfilter')
# Disk buses whose devices can be hot-(un)plugged: QEMU refuses a plug on SATA and IDE ("Bus 'ide.N'
# does not support hotplugging"), libvirt an unplug ("This type of disk cannot be hot unplugged",
# "disk device type 'cdrom' cannot be detached"); the floppy neither ("floppy device hotplug isn't
# supported", "disk device type 'floppy' cannot be detached").
LIVE_DISK_BUSES = ('virtio', 'scsi', 'usb')
# Input buses libvirt hot-(un)plugs ("input device on bus '%s' cannot be hot plugged" / "detached").
LIVE_INPUT_BUSES = ('usb', 'virtio')
# Controller types libvirt hot-(un)plugs ("'%s' controller cannot be hot plugged." / "unplugged.").
LIVE_CONTROLLER_TYPES = ('scsi',)
# Watchdog models libvirt hot-(un)plugs ("hot(un)plug of watchdog of model %s is not supported").
LIVE_WATCHDOG_MODELS = ('i6300esb',)
# Character device types libvirt 9.0 never hot-plugs ("Hotplug unsupported for char device type '%s'");
# a running one still unplugs.
NEVER_PLUGGED_CHARACTER_TYPES = ('pipe', 'stdio')
# Interface types libvirt 9.0 never hot-plugs ("hotplug of interface type of %s is not implemented yet",
# qemuDomainAttachNetDevice); a running one still unplugs.
NEVER_PLUGGED_INTERFACE_TYPES = ('server', 'client', 'mcast', 'udp')
# Serial port targets on the ISA bus, which QEMU cannot hot-(un)plug ("Bus 'isa.0' does not support
# hotplugging"); a serial port without a target type is one of them on x86.
ISA_SERIAL_TARGETS = (None, 'isa-serial')


def never_live(element):
    """Why libvirt's QEMU driver would refuse to hot-plug or hot-unplug this device whatever the
    domain, or None."""
    kind = element.tag
    if kind in NEVER_LIVE:
        return 'libvirt does not hot-(un)plug a %s device' % kind
    if kind == 'disk':
        if element.get('device') == 'floppy':
            return 'libvirt does not hot-(un)plug a floppy drive'
        if (dx.disk_bus(element) or 'virtio') not in LIVE_DISK_BUSES:
            return 'a disk on the %s bus cannot be hot-(un)plugged' % dx.disk_bus(element)
    if kind == 'input' and element.get('bus') not in LIVE_INPUT_BUSES:
        return 'libvirt does not hot-(un)plug an input device on the %s bus' % element.get('bus')
    if kind == 'controller' and element.get('type') not in LIVE_CONTROLLER_TYPES:
        return 'libvirt does not hot-(un)plug a %s controller' % element.get('type')
    if kind == 'watchdog' and element.get('model') not in LIVE_WATCHDOG_MODELS:
        return 'libvirt does not hot-(un)plug a %s watchdog' % element.get('model')
    if kind == 'filesystem':
        driver = element.find('driver')
        if driver is None or driver.get('type') != 'virtiofs':
            return 'libvirt hot-(un)plugs only virtiofs filesystems'
    if kind == 'parallel' or (kind == 'serial' and _serial_target(element) in ISA_SERIAL_TARGETS):
        return 'QEMU cannot hot-(un)plug a device on the ISA bus'
    return None


def _never_plugged(element):
    """Why libvirt would refuse to hot-plug this device, though it unplugs it, or None."""
    if element.tag == 'disk' and dx.without_medium(element):
        # libvirt 9.0 hands QEMU a drive without a file: "argument key 'filename' must not have null value"
        return 'libvirt does not hot-plug a drive without a medium'
    if element.tag in _device_tables.CHARACTER_DEVICES and element.get('type') in NEVER_PLUGGED_CHARACTER_TYPES:
        return "libvirt does not hot-plug a character device of type '%s'" % element.get('type')
    if element.tag == 'interface' and element.get('type') in NEVER_PLUGGED_INTERFACE_TYPES:
        return "libvirt does not hot-plug an interface of type '%s'" % element.get('type')
    return None


def _serial_target(element):
    target = element.find('target')
    return target.get('type') if target is not None else None


# libvirt names each PCI controller pci.<index> on QEMU's command line.
_PCI_CONTROLLER_ID = re.compile(r'"id":"pci\.(\d+)"|\bid=pci\.(\d+)')


def attach_refusals(hypervisor, live, devices):
    """For each device to hot-plug into the running domain live (an element), in order (a controller
    before the devices it takes, see with_controllers): why the hot-plug would fail, or None. A device
    that fits takes its room from the ones after it."""
    refusals, fitted, refused_controllers = [], [], set()
    current = _as_definition(live) if devices else None
    name = dx.domain_name(live) if devices else None
    for device in devices:
        needed = controller_of(device)
        reason = never_live(device) or _never_plugged(device) or (
            needed in refused_controllers and 'its %s controller could not be hot-plugged first' % needed[0]
        ) or hypervisor.host_resources.refusal(name, device) or _memory_refusal(
            hypervisor, current, fitted + [device]) or _no_room(hypervisor, current, fitted + [device])
        refusals.append(reason)
        if reason is None:
            fitted.append(device)
            hypervisor.host_resources.opened(name, device)
        elif device.tag == 'controller':
            refused_controllers.add((device.get('type'), device.get('index')))
    return refusals


def update_refusal(device):
    """Why libvirt would refuse to update this running device (an element: the device as it should run),
    whatever the host, or None. A USB cdrom's medium changes only if its target is removable='on': QEMU
    makes the others fixed ("blockdev-remove-medium: Device ... is not removable")."""
    target = device.find('target')
    removable = target.get('removable') if target is not None else None
    if device.tag == 'disk' and device.get('device') == 'cdrom' and dx.disk_bus(device) == 'usb' and removable != 'on':
        return "QEMU cannot change the medium of a USB cdrom that is not removable='on'"
    return None


def with_controllers(devices, definition, live):
    """The devices to hot-plug (elements), each as definition has it and preceded by the controller of
    definition it hangs on when the running domain (live) lacks it, so that the controller is plugged first
    (a SCSI controller for a SCSI disk, a virtio-serial one for a virtio channel). What libvirt filled in
    when it defined a device goes live with it (a new interface's MAC address: the running one must be the
    same), but not an address the device was not given: the running domain places it."""
    if not devices:
        return []  # live is None on a domain that does not run
    running = {(c.get('type'), c.get('index')) for c in dx.find_devices(live, 'controller')}
    controllers = {(c.get('type'), c.get('index')): c for c in dx.find_devices(definition, 'controller')}
    placed = []
    for device in devices:
        alias = dx.device_alias(device)
        twin = next((e for e in dx.devices(definition) if alias and dx.device_alias(e) == alias), device)
        needed = controller_of(twin)
        if needed is not None and needed not in running and needed in controllers:
            controller = dx.clone(controllers[needed])
            dx.remove_address(controller)
            placed.append(controller)
            running.add(needed)
        placed.append(device if twin is device else _as_defined(twin, device))
    return placed


def _as_defined(defined, planned):
    plugged = dx.clone(defined)
    if planned.find('address') is None:
        dx.remove_address(plugged)
    return plugged


# address type -> the controller type it hangs on (drive addresses: the disk's bus)
CONTROLLER_OF_ADDRESS = {'virtio-serial': 'virtio-serial', 'usb': 'usb', 'ccid': 'ccid'}


def controller_of(element):
    """(type, index) of the controller a device hangs on: its address says, or for a device without one
    yet, the controller libvirt would give it (index 0); None for a device on no such controller."""
    address = element.find('address')
    if address is None:
        kind = dx.controller_needed(element)
        return (kind, '0') if kind else None
    kind = CONTROLLER_OF_ADDRESS.get(address.get('type'))
    if address.get('type') == 'drive':
        kind = dx.disk_bus(element) if element.tag == 'disk' else 'scsi'
    return (kind, address.get('controller') or address.get('bus') or '0') if kind else None


# QEMU: "Bus 'pci.0' does not support hotplugging": PIIX plugs PCI devices through ACPI.
NEEDS_ACPI = "the running domain's PCI bus hot-(un)plugs devices only with ACPI (<features><acpi/>)"


def _pc_without_acpi(root):
    return (dx.os_type(root)['arch'] in _device_tables.X86_ARCHES and not dx.is_machine_q35(root)
            and root.find('features/acpi') is None)


# The USB hub libvirt adds when a USB controller's ports run out.
_USB_HUB = 'usb-hub'
# A device libvirt puts on the PCI root bus of a PC (i440fx) machine.
_ON_PCI_ROOT = '"bus":"pci.0"'


def _no_room(hypervisor, current, devices):
    """Why the running domain (current: its live XML as _as_definition gives it) has no room for the last
    of devices once the others are in, or None."""
    argv = hypervisor.qemu_argv(_with_devices(current, devices))
    if argv is None:
        return None  # the driver could not build the command line: no judgement, the run tries
    running = {c.get('index') for c in dx.find_devices(current, 'controller', type='pci')}
    needed = {first or second for first, second in _PCI_CONTROLLER_ID.findall(argv)}
    if needed - running:
        return 'no free hot-pluggable PCI slot for it in the running domain (libvirt would have to add a PCI controller)'
    if argv.count(_USB_HUB) > len(dx.find_devices(current, 'hub')):
        return 'no free USB port for it in the running domain (libvirt would have to add a USB hub)'
    if _pc_without_acpi(current):
        before = hypervisor.qemu_argv(current)
        if before is not None and argv.count(_ON_PCI_ROOT) > before.count(_ON_PCI_ROOT):
            return NEEDS_ACPI
    return None


def _memory_refusal(hypervisor, current, devices):
    """Why the running domain (current, as _as_definition gives it) cannot take the last of devices, a memory
    device, once the others are in, or None. QEMU plugs a DIMM on x86 only through ACPI ("memory hotplug is
    not enabled"); libvirt's validation of the domain with the device answers the rest, as its hot-plug does
    (no <maxMemory>, no free slot, more memory than maxMemory, no NUMA node)."""
    device = devices[-1]
    if device.tag != 'memory':
        return None
    if dx.memory_hotplug_without_acpi(current, [device]):
        return 'QEMU plugs a DIMM only through ACPI: memory hotplug is not enabled (no <features><acpi/>)'
    refused = hypervisor.refusal(_with_devices(current, devices))
    return refused if refused and not hypervisor.refusal(current) else None


def _with_devices(current, devices):
    """A copy of current with devices (copies) added: the running domain once they are plugged."""
    trial = dx.clone(current)
    for device in devices:
        dx.append_device(trial, dx.clone(device))
    return trial


def detach_refusals(live, devices):
    """For each device of the running domain to hot-unplug (an element of its live XML), in order: why
    the hot-unplug would fail, or None. A device that leaves no longer holds its controller."""
    refusals, leaving = [], []
    for device in devices:
        reason = never_live(device) or _held_in_place(live, device) or _holding(live, device, leaving)
        refusals.append(reason)
        if reason is None:
            leaving.append(device)
    return refusals


def _held_in_place(live, device):
    """Why the device's PCI address keeps it in the running domain, or None."""
    address = _pci_address(device)
    if address is None:
        return None
    controller = next((c for c in dx.find_devices(live, 'controller', type='pci')
                       if int(c.get('index', '0')) == address[1]), None)
    model = controller.get('model') if controller is not None else None
    if model == 'pcie-root':
        # QEMU: "Bus 'pcie.0' does not support hotplugging".
        return 'it sits on the PCI Express root bus, which QEMU does not hot-(un)plug'
    if model == 'pci-root' and _pc_without_acpi(live):
        return NEEDS_ACPI
    if controller is not None and controller.find("target[@hotplug='off']") is not None:
        # libvirt: "cannot hot unplug … - not allowed by controller".
        return "its PCI controller has hot-plug turned off (<target hotplug='off'/>)"
    functions = {_pci_address(other) for other in dx.devices(live)} - {None}
    if any(other[:3] == address[:3] and other[3] != address[3] for other in functions):
        # libvirt: "cannot hot unplug … device with multifunction PCI guest address".
        return 'it is one function of a multifunction PCI slot'
    return None


def _pci_address(element):
    """(domain, bus, slot, function) of a device's PCI address, or None."""
    address = element.find('address')
    if address is None or address.get('type') != 'pci':
        return None
    return tuple(int(address.get(part, '0'), 16) for part in ('domain', 'bus', 'slot', 'function'))


def _holding(live, device, leaving):
    """Why a SCSI controller stays: the devices still on it (libvirt: "device is busy"), or None."""
    if device.tag != 'controller' or device.get('type') != 'scsi':
        return None
    index = device.get('index', '0')
    held = [dx.device_label(e) for e in dx.devices(live)
            if e not in leaving and e.tag in ('disk', 'hostdev') and controller_of(e) == ('scsi', index)]
    if held:
        return 'libvirt does not unplug a controller that devices are on (%s)' % ', '.join(held)
    return None


def _as_definition(live):
    """A copy of the live XML without what each running domain has of its own (its id, libvirt's
    aliases, tap names, disk image indexes, security labels, pty names, the display ports picked at
    start), none of which places a device: the running domains of one template then ask one question."""
    copy = dx.clone(live)
    copy.attrib.pop('id', None)
    for label in copy.findall('seclabel'):
        copy.remove(label)
    for element in dx.devices(copy):
        dx.without_runtime_names(element)
        if element.tag == 'interface':  # a tap name given in the definition too
            for target in element.findall('target'):
                element.remove(target)
        if element.tag == 'graphics' and element.get('autoport') == 'yes':
            element.attrib.pop('websocket', None)  # picked at start too
    return copy
