# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Device buses and models: validate against what the domain can take, then move the devices.

Moving a device drops its <address>, so that libvirt places it afresh in a slot of the right
kind: a virtio-transitional device on q35 lands behind a pcie-to-pci-bridge that libvirt adds.
"""

from __future__ import annotations

from ansible_collections.virtuned.libvirt.plugins.module_utils import _device_tables as tables
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption

DISK_OPTIONS = (('disk_bus', 'disk'), ('cdrom_bus', 'cdrom'), ('floppy_bus', 'floppy'))
OPTIONS = ('disk_bus', 'cdrom_bus', 'floppy_bus', 'video_model', 'vif_model', 'scsi_model', 'virtio_model')
KINDS = ('disk', 'interface', 'video', 'controller', 'rng', 'memballoon', 'input', 'vsock')

VIRTIO_FLAVOUR = {'virtio': 'virtio', 'transitional': 'virtio-transitional',
                  'non-transitional': 'virtio-non-transitional'}


def _machine_words(root):
    os_type = dx.os_type(root)
    return '%s machine %s on %s' % (dx.virt_type(root), os_type['machine'], os_type['arch'])


def allowed_values(option, root, capabilities):
    """What this domain (its emulator, arch, machine and virt type) takes for option."""
    if option in dict(DISK_OPTIONS):
        buses = capabilities.values('disk', 'bus') or list(tables.DEFAULT_DISK_BUSES)
        refused = tables.BUSES_NOT_FOR[dict(DISK_OPTIONS)[option]]
        return [bus for bus in buses if bus not in refused]
    if option == 'video_model':
        return capabilities.values('video', 'modelType') or list(tables.DEFAULT_VIDEO_MODELS)
    if option == 'vif_model':
        return list(tables.VIF_MODELS)
    if option == 'scsi_model':
        return list(tables.SCSI_MODELS)
    if option == 'virtio_model':
        disk_models = capabilities.values('disk', 'model')
        if disk_models is None:
            return list(tables.VIRTIO_MODELS)
        return [name for name, flavour in VIRTIO_FLAVOUR.items() if flavour in disk_models or name == 'virtio']
    raise KeyError(option)


def validate(params, root, capabilities):
    for option in OPTIONS:
        value = params.get(option)
        if value is None:
            continue
        allowed = allowed_values(option, root, capabilities)
        if value not in allowed:
            raise InvalidOption(option, value, allowed, reason='not available to this %s' % _machine_words(root))
    for option, device in DISK_OPTIONS:
        bus = params.get(option)
        if bus is None:
            continue
        if bus == 'usb' and any(c.get('model') == 'none' for c in dx.find_devices(root, 'controller', type='usb')):
            raise InvalidOption(option, bus, [b for b in allowed_values(option, root, capabilities) if b != 'usb'],
                                reason="the domain's USB controller is model='none'")
    _check_bus_capacity(params, root, capabilities)
    _check_start_refusals(params, root, capabilities)


def _check_start_refusals(params, root, capabilities):
    """What libvirt defines but QEMU 7.2 refuses at start (measured), refused before any write."""
    if params.get('cdrom_bus') == 'usb':
        empty = [dx.disk_target(d) for d in dx.disks(root, 'cdrom') if d.find('source') is None]
        if empty:
            # qemu: "usb-storage ...: drive property not set"
            raise InvalidOption('cdrom_bus', 'usb', [b for b in allowed_values('cdrom_bus', root, capabilities)
                                                     if b != 'usb'],
                                reason='QEMU cannot start a USB cdrom without media, and %s %s empty'
                                       % (', '.join(empty), 'is' if len(empty) == 1 else 'are'))
    if params.get('virtio_model') == 'transitional':
        iommu = [dx.device_identity(element) for element, _holder, _attribute, _plain in _virtio_devices(root)
                 if element.find("driver[@iommu='on']") is not None]
        if iommu:
            # qemu: "VIRTIO_F_IOMMU_PLATFORM was supported by neither legacy nor transitional device"
            raise InvalidOption('virtio_model', 'transitional', ['virtio', 'non-transitional'],
                                reason="a transitional device cannot have <driver iommu='on'>: %s"
                                       % ', '.join('/'.join(str(p) for p in i) for i in iommu))


def _check_bus_capacity(params, root, capabilities):
    """IDE takes four disks and fdc two: count every disk where it would end up."""
    option_of = {device: option for option, device in DISK_OPTIONS}
    final = {}
    for disk in dx.disks(root):
        option = option_of.get(disk.get('device', 'disk'))
        bus = (params.get(option) if option else None) or dx.disk_bus(disk)
        final[bus] = final.get(bus, 0) + 1
    for option, _device in DISK_OPTIONS:
        bus = params.get(option)
        limit = tables.TARGET_LIMIT.get(bus)
        if limit is not None and final.get(bus, 0) > limit:
            raise InvalidOption(option, bus, [b for b in allowed_values(option, root, capabilities) if b != bus],
                                reason='the %s bus takes %d disks and this domain would put %d on it'
                                       % (bus, limit, final[bus]))


def plan(root, params, capabilities):
    """Edit root so that its buses and models match params, and stash the effective values."""
    validate(params, root, capabilities)
    if params.get('pin'):
        dx.stash_properties(root, dx.effective_properties(root))
    for option, device in DISK_OPTIONS:
        if params.get(option):
            move_disks(root, device, params[option], params.get('scsi_model'))
    if params.get('video_model'):
        set_video_model(root, params['video_model'])
    if params.get('vif_model'):
        set_vif_model(root, params['vif_model'])
    if params.get('scsi_model'):
        set_scsi_model(root, params['scsi_model'])
    if params.get('virtio_model'):
        set_virtio_model(root, VIRTIO_FLAVOUR[params['virtio_model']])
    if params.get('pin') or any(params.get(option) for option in OPTIONS):
        dx.stash_properties(root, dx.effective_properties(root))


# --- disks -----------------------------------------------------------------------------


def target_name(prefix, number):
    """libvirt's disk names: vda … vdz, vdaa … (virDiskNameToIndex read backwards)."""
    letters = ''
    number += 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord('a') + remainder) + letters
    return prefix + letters


def _free_target(prefix, used):
    number = 0
    while target_name(prefix, number) in used:
        number += 1
    return target_name(prefix, number)


def move_disks(root, device, bus, scsi_model=None):
    moving = [disk for disk in dx.disks(root, device) if dx.disk_bus(disk) != bus]
    if not moving:
        return
    used = {dx.disk_target(disk) for disk in dx.disks(root) if disk not in moving}
    for disk in moving:
        target = disk.find('target')
        name = _free_target(tables.TARGET_PREFIX[bus], used)
        used.add(name)
        target.set('dev', name)
        target.set('bus', bus)
        if bus not in ('usb', 'scsi'):
            target.attrib.pop('removable', None)
        if bus != 'virtio':
            disk.attrib.pop('model', None)
            driver = disk.find('driver')
            for attribute in tables.VIRTIO_ONLY_DISK_DRIVER_ATTRIBUTES:
                if driver is not None:
                    driver.attrib.pop(attribute, None)
        dx.remove_address(disk)
    if bus == 'scsi' and not dx.find_devices(root, 'controller', type='scsi'):
        controller = {'type': 'scsi', 'index': 0, 'model': scsi_model or 'virtio-scsi'}
        dx.append_device(root, dx.new_element('controller', controller))


# --- video, NIC and SCSI controller models ---------------------------------------------


def _same_family(current, wanted):
    """virtio-transitional is a virtio NIC as far as vif_model=virtio is concerned."""
    return current == wanted or (wanted in ('virtio', 'virtio-scsi') and current in tables.VIRTIO_FLAVOURS)


def _model_element(device):
    model = device.find('model')
    if model is None:
        model = dx.new_element('model')
        device.append(model)
    return model


def set_video_model(root, model):
    videos = dx.find_devices(root, 'video')
    if not videos:
        dx.append_device(root, dx.new_element('video', children=[dx.new_element('model', {'type': model})]))
        return
    primary = next((v for v in videos if v.find('model') is not None and v.find('model').get('primary') == 'yes'),
                   videos[0])
    if model == 'none':
        for video in videos:
            if video is not primary:
                dx.remove_device(video)  # libvirt: a 'none' video must be the only one
    element = _model_element(primary)
    if element.get('type') == model:
        return
    element.set('type', model)
    for attribute in tables.MODEL_SPECIFIC_VIDEO_ATTRIBUTES:
        element.attrib.pop(attribute, None)
    if model == 'none':
        for attribute in ('heads', 'primary'):
            element.attrib.pop(attribute, None)
    for child in list(element):
        element.remove(child)  # <acceleration>, <resolution>: model-specific
    dx.remove_address(primary)


def set_vif_model(root, model):
    for interface in dx.find_devices(root, 'interface'):
        if interface.get('type') == 'hostdev':
            continue  # an SR-IOV VF has no emulated model
        element = _model_element(interface)
        if _same_family(element.get('type'), model):
            continue
        element.set('type', model)
        if model not in tables.VIRTIO_FLAVOURS:
            for driver in interface.findall('driver'):
                interface.remove(driver)  # vhost, queues: virtio-net's own tuning
        dx.remove_address(interface)


def set_scsi_model(root, model):
    for controller in dx.find_devices(root, 'controller', type='scsi'):
        if _same_family(controller.get('model'), model):
            continue
        controller.set('model', model)
        if model not in ('virtio-scsi',) + tables.VIRTIO_FLAVOURS:
            for driver in controller.findall('driver'):
                controller.remove(driver)
        dx.remove_address(controller)


# --- virtio (non-)transitional ---------------------------------------------------------


def _virtio_devices(root):
    """(element, attribute holder, attribute name, plain name) for every virtio device with a model."""
    found = []
    for element in dx.devices(root):
        kind = element.tag
        if kind == 'disk' and dx.disk_bus(element) == 'virtio':
            found.append((element, element, 'model', None))
        elif kind == 'input' and element.get('bus') == 'virtio':
            found.append((element, element, 'model', None))
        elif kind == 'interface' and (element.find('model') is not None
                                      and element.find('model').get('type') in tables.VIRTIO_FLAVOURS):
            found.append((element, element.find('model'), 'type', 'virtio'))
        elif kind in ('rng', 'memballoon') and element.get('model') in tables.VIRTIO_FLAVOURS:
            found.append((element, element, 'model', 'virtio'))
        elif kind == 'vsock':
            found.append((element, element, 'model', None))
        elif kind == 'controller' and element.get('type') == 'scsi' and (
                element.get('model') in ('virtio-scsi',) + tables.VIRTIO_FLAVOURS):
            found.append((element, element, 'model', 'virtio-scsi'))
        elif kind == 'controller' and element.get('type') == 'virtio-serial':
            found.append((element, element, 'model', None))
    return found


def set_virtio_model(root, flavour):
    """Give every virtio device with a model the flavour; plain virtio is the bare name."""
    for element, holder, attribute, plain in _virtio_devices(root):
        current = holder.get(attribute) or 'virtio'
        if current == plain:
            current = 'virtio'
        if current == flavour:
            continue
        if flavour == 'virtio':
            if plain is None:
                holder.attrib.pop(attribute, None)
            else:
                holder.set(attribute, plain)
        else:
            holder.set(attribute, flavour)
        dx.remove_address(element)
