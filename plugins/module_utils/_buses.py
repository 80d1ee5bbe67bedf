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
# stashed hw_* key -> the option of this module that applies it
STASHED_BY = {key: option for key, (module, option) in tables.APPLIED_BY.items()
              if module == 'virt_device_bus' and key in dx.PROPERTY_KEYS}
KINDS = ('disk', 'interface', 'video', 'controller', 'rng', 'memballoon', 'input', 'vsock', 'filesystem',
         'hostdev')


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
        return [name for name, flavour in tables.VIRTIO_FLAVOUR.items() if flavour in disk_models or name == 'virtio']
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
        empty = [dx.disk_target(d) for d in dx.disks(root, 'cdrom') if dx.without_medium(d)]
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
    """Edit root so that its buses and models match params, and stash the effective values.

    Returns what the moved devices lost because their new bus cannot carry it: a list of
    {device, element, reason}.
    """
    validate(params, root, capabilities)
    dropped = []
    if params.get('pin'):
        dx.stash_properties(root, dx.properties_to_stash(root))
    for option, device in DISK_OPTIONS:
        if params.get(option):
            dropped += move_disks(root, device, params[option], params.get('scsi_model'), option=option,
                                  allowed=allowed_values(option, root, capabilities))
    if params.get('video_model'):
        set_video_model(root, params['video_model'])
    if params.get('vif_model'):
        set_vif_model(root, params['vif_model'])
    if params.get('scsi_model'):
        set_scsi_model(root, params['scsi_model'])
    if params.get('virtio_model'):
        set_virtio_model(root, tables.VIRTIO_FLAVOUR[params['virtio_model']])
    _check_lun0_only_controllers(root, params)
    if params.get('pin') or any(params.get(option) for option in OPTIONS):
        applied = {key: params[option] for key, option in STASHED_BY.items() if params.get(option)}
        dx.stash_properties(root, dx.properties_to_stash(root, applied))
    return dropped


# --- disks -----------------------------------------------------------------------------


def target_name(prefix, number):
    """libvirt's disk names: vda … vdz, vdaa … (virDiskNameToIndex read backwards)."""
    letters = ''
    number += 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord('a') + remainder) + letters
    return prefix + letters


def drive_address(bus, name):
    """The drive address libvirt gives a disk named name on bus when it has none, or None
    for buses without drive addresses (virDomainDiskDefAssignAddress, narrow SCSI as QEMU's)."""
    units = tables.DRIVE_UNITS_PER_CONTROLLER.get(bus)
    index = target_index(name)
    if units is None or index is None:
        return None
    per_bus = tables.DRIVE_UNITS_PER_BUS.get(bus, units)
    return (bus, index // units, (index % units) // per_bus, 0, index % per_bus)


def target_index(name):
    """virDiskNameToIndex: vda -> 0, sdb -> 1, hdaa -> 26; None for a name it cannot read."""
    for prefix in sorted(set(tables.TARGET_PREFIX.values()), key=len, reverse=True):
        letters = (name or '')[len(prefix):]
        if name and name.startswith(prefix) and letters.isascii() and letters.isalpha() and letters.islower():
            index = 0
            for letter in letters:
                index = index * 26 + (ord(letter) - ord('a') + 1)
            return index - 1
    return None


def _drive_address_of(element, bus):
    """Where a disk or SCSI host device sits: its own drive address, else the one libvirt derives."""
    address = element.find("address[@type='drive']")
    if address is not None:
        return (bus,) + tuple(int(address.get(key, '0')) for key in ('controller', 'bus', 'target', 'unit'))
    return drive_address(bus, dx.disk_target(element)) if element.tag == 'disk' else None


def _drive_addresses_in_use(root, bus, leaving):
    """The drive addresses on bus of the disks that keep theirs, and of SCSI host devices."""
    holders = [d for d in dx.disks(root) if d not in leaving and dx.disk_bus(d) == bus]
    if bus == 'scsi':
        holders += dx.find_devices(root, 'hostdev', type='scsi')
    return {address for address in (_drive_address_of(e, bus) for e in holders) if address is not None}


def _free_target(bus, used_names, used_addresses):
    prefix = tables.TARGET_PREFIX[bus]
    number = 0
    while True:
        name = target_name(prefix, number)
        address = drive_address(bus, name)
        if name not in used_names and (address is None or address not in used_addresses):
            return name
        number += 1


def _refuse_disks_the_bus_cannot_take(moving, bus, option, allowed):
    readonly = [dx.disk_target(d) for d in moving
                if d.get('device', 'disk') == 'disk' and d.find('readonly') is not None]
    if readonly and bus in tables.READONLY_DISK_BUSES_REFUSED:
        raise InvalidOption(option, bus, [b for b in allowed if b not in tables.READONLY_DISK_BUSES_REFUSED],
                            reason='libvirt takes no readonly %s disk, and %s %s readonly'
                                   % (bus, ', '.join(readonly), 'is' if len(readonly) == 1 else 'are'))
    vhostuser = [dx.disk_target(d) for d in moving if d.get('type') == 'vhostuser']
    if vhostuser and bus not in tables.VHOSTUSER_DISK_BUSES:
        raise InvalidOption(option, bus, list(tables.VHOSTUSER_DISK_BUSES),
                            reason='a vhost-user disk is a virtio device only: %s' % ', '.join(vhostuser))


def _drop_what_the_bus_cannot_carry(disk, bus, label):
    """Remove what only other buses carry (tables.DISK_BUS_ONLY); returns what went."""
    dropped = []
    for path, (buses, reason) in tables.DISK_BUS_ONLY.items():
        if bus in buses:
            continue
        tag, _sep, attribute = path.partition('@')
        for element in disk.findall(tag):
            if attribute and attribute in element.attrib:
                del element.attrib[attribute]
            elif not attribute:
                disk.remove(element)
            else:
                continue
            dropped.append({'device': label, 'element': '<%s>' % tag + (' %s=' % attribute if attribute else ''),
                            'reason': reason})
    return dropped


def move_disks(root, device, bus, scsi_model=None, option='disk_bus', allowed=()):
    """Move every disk of this device type to bus; returns what they lost (see plan)."""
    moving = [disk for disk in dx.disks(root, device) if dx.disk_bus(disk) != bus]
    if not moving:
        return []
    _refuse_disks_the_bus_cannot_take(moving, bus, option, allowed)
    used_names = {dx.disk_target(disk) for disk in dx.disks(root) if disk not in moving}
    used_addresses = _drive_addresses_in_use(root, bus, moving)
    dropped = []
    for disk in moving:
        target = disk.find('target')
        old_name = target.get('dev')
        name = _free_target(bus, used_names, used_addresses)
        used_names.add(name)
        target.set('dev', name)
        target.set('bus', bus)
        if bus != 'virtio':
            disk.attrib.pop('model', None)
        dropped += _drop_what_the_bus_cannot_carry(disk, bus, '%s %s (now %s)' % (device, old_name, name))
        dx.remove_address(disk)
    if bus == 'scsi':
        ensure_scsi_controller(root, scsi_model)
    return dropped


def ensure_scsi_controller(root, model=None):
    """A SCSI disk needs a SCSI controller: add one (model, else virtio-scsi) when the domain has none."""
    return ensure_controller(root, 'scsi', model or 'virtio-scsi')


def ensure_controller(root, kind, model=None):
    """Add a controller of that type (index 0) when the domain has none; True when it was added. Written
    in the plan rather than left to libvirt, so that the diff, check mode and a hot-plug all see it."""
    if dx.find_devices(root, 'controller', type=kind):
        return False
    controller = {'type': kind, 'index': 0}
    if model:
        controller['model'] = model
    dx.append_device(root, dx.new_element('controller', controller))
    return True


def free_target(root, bus):
    """The first target name on bus that no disk uses and whose drive address is free."""
    return _free_target(bus, {dx.disk_target(disk) for disk in dx.disks(root)}, _drive_addresses_in_use(root, bus, ()))


def _check_lun0_only_controllers(root, params):
    """Refuse a plan that puts a disk on a LUN other than 0 of a controller QEMU serves LUN 0 of only."""
    options = [o for o in ('scsi_model',) + tuple(o for o, _d in DISK_OPTIONS)
               if params.get(o) in tables.SCSI_MODELS_LUN0_ONLY or params.get(o) == 'scsi']
    if not options:
        return  # a domain that had this before keeps it: this run did not ask for it
    for controller in dx.find_devices(root, 'controller', type='scsi'):
        if controller.get('model') not in tables.SCSI_MODELS_LUN0_ONLY:
            continue
        index = int(controller.get('index', '0'))
        crowded = []
        for element in dx.disks(root) + dx.find_devices(root, 'hostdev', type='scsi'):
            if element.tag == 'disk' and dx.disk_bus(element) != 'scsi':
                continue
            address = _drive_address_of(element, 'scsi')  # (bus, controller, drive bus, target, unit)
            if address is not None and address[1] == index and address[4] != 0:
                crowded.append(dx.disk_target(element) if element.tag == 'disk' else 'a SCSI hostdev')
        if crowded:
            option = options[0]
            models = [m for m in tables.SCSI_MODELS if m not in tables.SCSI_MODELS_LUN0_ONLY]
            raise InvalidOption(option, params.get(option),
                                models if option == 'scsi_model' else ['scsi with scsi_model %s' % '|'.join(models)],
                                reason="QEMU's %s serves LUN 0 only, and %s would sit on another LUN of "
                                       "controller %d" % (controller.get('model'), ', '.join(crowded), index))


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
        if interface.get('type') in tables.NICS_WITHOUT_EMULATED_MODEL or interface.find('teaming') is not None:
            continue  # libvirt: "virtio-net teaming persistent interface must be <model type='virtio'/>"
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
    """(element, attribute holder, attribute name, plain name) for every device that takes a virtio
    flavour: the kinds libvirt's "Virtio transitional devices" documentation lists (disk, interface,
    filesystem, rng, memballoon, vsock, SCSI and virtio-serial controllers, vhost-scsi host devices).

    Input devices are left out: virtio-input exists in virtio 1.0 only and libvirt refuses both
    flavours on every input type. Devices on virtio-mmio or CCW addresses have no PCI flavour.
    """
    found = []
    for element in dx.devices(root):
        holder = virtio_holder(element)
        if holder is not None:
            found.append((element,) + holder)
    return found


def virtio_holder(element):
    """(attribute holder, attribute name, plain name) of a device that takes a virtio flavour, else None."""
    address = element.find('address')
    if address is not None and address.get('type') not in (None, 'pci'):
        return None
    kind = element.tag
    model = element.find('model')
    if kind == 'disk' and dx.disk_bus(element) == 'virtio':
        return element, 'model', None
    if kind == 'interface' and model is not None and model.get('type') in tables.VIRTIO_FLAVOURS and (
            element.get('type') not in tables.NICS_PLAIN_VIRTIO_ONLY):
        return model, 'type', 'virtio'
    if kind in ('rng', 'memballoon') and element.get('model') in tables.VIRTIO_FLAVOURS:
        return element, 'model', 'virtio'
    if kind == 'vsock' or (kind == 'filesystem' and _is_9p(element)) or (
            kind == 'hostdev' and element.get('type') == 'scsi_host') or (
            kind == 'controller' and element.get('type') == 'virtio-serial'):
        return element, 'model', None
    if kind == 'controller' and element.get('type') == 'scsi' and (
            element.get('model') in ('virtio-scsi',) + tables.VIRTIO_FLAVOURS):
        return element, 'model', 'virtio-scsi'
    return None


def domain_flavour(root):
    """The virtio flavour the domain's devices have: transitional when any of them is."""
    flavours = {holder.get(attribute) for _element, holder, attribute, _plain in _virtio_devices(root)}
    for flavour in tables.VIRTIO_FLAVOURS[1:]:
        if flavour in flavours:
            return flavour
    return 'virtio'


def _is_9p(filesystem):
    """virtio-9p has flavours; virtiofs (vhost-user-fs) has none in QEMU."""
    driver = filesystem.find('driver')
    return filesystem.get('type', 'mount') == 'mount' and (driver is None or driver.get('type') in (None, 'path',
                                                                                                    'handle'))


def set_virtio_model(root, flavour):
    """Give every virtio device with a model the flavour; plain virtio is the bare name."""
    for element, _holder, _attribute, _plain in _virtio_devices(root):
        set_flavour(element, flavour)


def set_flavour(element, flavour):
    """Give one device the virtio flavour (when it takes one); a changed device loses its address."""
    found = virtio_holder(element)
    if found is None:
        return
    holder, attribute, plain = found
    current = holder.get(attribute) or 'virtio'
    if current == plain:
        current = 'virtio'
    if current == flavour:
        return
    if flavour == 'virtio':
        if plain is None:
            holder.attrib.pop(attribute, None)
        else:
            holder.set(attribute, plain)
    else:
        holder.set(attribute, flavour)
    dx.remove_address(element)
