# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which hot-plugs a running domain refuses: check mode's prediction of a run's 'not attached'.

libvirt has no dry run for virDomainAttachDeviceFlags, so two questions are answered here:
- whether libvirt's QEMU driver (or QEMU under it) plugs that kind of device live at all: the
  table below, each entry the refusal libvirt 9.0 gives (qemuDomainAttachDeviceLive and the
  functions it calls); tests/integration/test_hot_plug_prediction.py attaches every entry to a
  running domain and expects that refusal;
- whether the running domain has room for it: libvirt's own PCI address allocator answers,
  through virConnectDomainXMLToNative on the live definition with the new devices added. It
  places them as a hot-plug would (free slots on hot-pluggable buses that suit the device) and
  adds a PCI controller (root port, bridge) only when none is free; a hot-plug never adds one.
  On a PC (i440fx) machine without ACPI, a device placed on the PCI root bus is refused too:
  QEMU's PIIX plugs PCI devices through ACPI.
"""

from __future__ import annotations

import re

from ansible_collections.virtuned.libvirt.plugins.module_utils import _device_tables
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx

# Element names libvirt 9.0's QEMU driver never attaches live: "live attach of device '%s' is
# not supported" (qemuDomainAttachDeviceLive's default case).
NEVER_LIVE = ('video', 'sound', 'memballoon', 'panic', 'graphics', 'hub', 'iommu', 'tpm')
# Disk buses whose devices QEMU cannot hot-plug ("Bus 'ide.N' does not support hotplugging" for
# SATA and IDE), and the floppy ("floppy device hotplug isn't supported").
LIVE_DISK_BUSES = ('virtio', 'scsi', 'usb')
# Input buses libvirt hot-plugs ("input device on bus '%s' cannot be hot plugged").
LIVE_INPUT_BUSES = ('usb', 'virtio')
# Controller types libvirt hot-plugs ("'%s' controller cannot be hot plugged.").
LIVE_CONTROLLER_TYPES = ('scsi',)
# Watchdog models libvirt hot-plugs ("hotplug of watchdog of model %s is not supported").
LIVE_WATCHDOG_MODELS = ('i6300esb',)
# Serial port targets on the ISA bus, which QEMU cannot hot-plug ("Bus 'isa.0' does not support
# hotplugging"); a serial port without a target type is one of them on x86.
ISA_SERIAL_TARGETS = (None, 'isa-serial')


def never_live(element):
    """Why libvirt's QEMU driver would refuse to hot-plug this device whatever the domain, or None."""
    kind = element.tag
    if kind in NEVER_LIVE:
        return 'libvirt cannot hot-plug a %s device' % kind
    if kind == 'disk':
        if element.get('device') == 'floppy':
            return 'libvirt cannot hot-plug a floppy drive'
        if (dx.disk_bus(element) or 'virtio') not in LIVE_DISK_BUSES:
            return 'QEMU cannot hot-plug a disk on the %s bus' % dx.disk_bus(element)
    if kind == 'input' and element.get('bus') not in LIVE_INPUT_BUSES:
        return 'libvirt cannot hot-plug an input device on the %s bus' % element.get('bus')
    if kind == 'controller' and element.get('type') not in LIVE_CONTROLLER_TYPES:
        return 'libvirt cannot hot-plug a %s controller' % element.get('type')
    if kind == 'watchdog' and element.get('model') not in LIVE_WATCHDOG_MODELS:
        return 'libvirt cannot hot-plug a %s watchdog' % element.get('model')
    if kind == 'filesystem':
        driver = element.find('driver')
        if driver is None or driver.get('type') != 'virtiofs':
            return 'libvirt hot-plugs only virtiofs filesystems'
    if kind == 'parallel' or (kind == 'serial' and _serial_target(element) in ISA_SERIAL_TARGETS):
        return 'QEMU cannot hot-plug a device on the ISA bus'
    return None


def _serial_target(element):
    target = element.find('target')
    return target.get('type') if target is not None else None


# libvirt names each PCI controller pci.<index> on QEMU's command line.
_PCI_CONTROLLER_ID = re.compile(r'"id":"pci\.(\d+)"|\bid=pci\.(\d+)')


def attach_refusals(hypervisor, live, devices):
    """For each device to hot-plug into the running domain live (an element), in order: why the
    hot-plug would fail, or None. A device that fits takes its room from the ones after it."""
    refusals, fitted = [], []
    current = _as_definition(live) if devices else None
    for device in devices:
        reason = never_live(device) or _no_room(hypervisor, current, fitted + [device])
        refusals.append(reason)
        if reason is None:
            fitted.append(device)
    return refusals


# A device libvirt puts on the PCI root bus of a PC (i440fx) machine.
_ON_PCI_ROOT = '"bus":"pci.0"'


def _no_room(hypervisor, current, devices):
    """Why the running domain (current: its live XML as _as_definition gives it) has no room for the last
    of devices once the others are in, or None."""
    trial = dx.clone(current)
    for device in devices:
        dx.append_device(trial, dx.clone(device))
    argv = hypervisor.qemu_argv(trial)
    if argv is None:
        return None  # the driver could not build the command line: no judgement, the run tries
    running = {c.get('index') for c in dx.find_devices(current, 'controller', type='pci')}
    needed = {first or second for first, second in _PCI_CONTROLLER_ID.findall(argv)}
    if needed - running:
        return 'no free hot-pluggable PCI slot for it in the running domain (libvirt would have to add a PCI controller)'
    if (dx.os_type(current)['arch'] in _device_tables.X86_ARCHES and not dx.is_machine_q35(current)
            and current.find('features/acpi') is None):
        before = hypervisor.qemu_argv(current)
        if before is not None and argv.count(_ON_PCI_ROOT) > before.count(_ON_PCI_ROOT):
            # QEMU: "Bus 'pci.0' does not support hotplugging": PIIX plugs PCI devices through ACPI.
            return "the running domain's PCI bus takes hot-plugged devices only with ACPI (<features><acpi/>)"
    return None


def _as_definition(live):
    """A copy of the live XML without what each running domain has of its own (its id, libvirt's
    aliases, tap names, security labels, pty names, the display ports picked at start), none of which
    places a device: the running domains of one template then ask one question."""
    copy = dx.clone(live)
    copy.attrib.pop('id', None)
    for label in copy.findall('seclabel'):
        copy.remove(label)
    for element in dx.devices(copy):
        alias = element.find('alias')
        if alias is not None and not (alias.get('name') or '').startswith('ua-'):
            element.remove(alias)
        if element.tag == 'interface':
            for target in element.findall('target'):
                element.remove(target)
        element.attrib.pop('tty', None)
        if element.tag == 'graphics' and element.get('autoport') == 'yes':
            for picked in ('port', 'tlsPort', 'websocket'):
                element.attrib.pop(picked, None)
    return copy
