# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which buses and models a device can take, where libvirt's domain capabilities do not say.

Disk buses, disk/rng virtio models and video models come from the host's domain capabilities
(_hypervisor.Capabilities); these tables cover the rest. Sources: libvirt's formatdomain
documentation and `qemu-system-x86_64 -device help` (QEMU 7.2), checked by defining and
starting domains with libvirt 9.0.
"""

from __future__ import annotations

# The 32- and 64-bit PC architectures (libvirt's <type arch=…>).
X86_ARCHES = ('x86_64', 'i686')

# The device elements that are character devices: their type and <source> say what they open on the host.
CHARACTER_DEVICES = ('serial', 'parallel', 'channel', 'console')

# libvirt refuses these at define: "Invalid bus type 'fdc' for disk", "... 'sata' for floppy
# disk", "disk type of 'vda' does not support ejectable media" (a virtio cdrom).
BUSES_NOT_FOR = {
    'disk': ('fdc',),
    'cdrom': ('fdc', 'virtio'),
    'floppy': ('ide', 'scsi', 'sata', 'usb', 'virtio', 'xen', 'sd'),
    'lun': ('fdc', 'ide', 'sata', 'usb'),
}

# Fallback when the domain capabilities give no bus enum (old libvirt).
DEFAULT_DISK_BUSES = ('virtio', 'scsi', 'sata', 'ide', 'usb', 'fdc')

# The disk target prefix of each bus (libvirt's virDiskNameToIndex naming).
TARGET_PREFIX = {'virtio': 'vd', 'scsi': 'sd', 'sata': 'sd', 'usb': 'sd', 'ide': 'hd', 'fdc': 'fd',
                 'xen': 'xvd', 'sd': 'mmcblk'}
# How many disks a bus takes on one controller: IDE two channels of two, floppy two drives.
TARGET_LIMIT = {'ide': 4, 'fdc': 2}

# <interface><model type=…>: the PCI network devices of qemu-system-x86_64.
VIF_MODELS = (
    'virtio', 'virtio-transitional', 'virtio-non-transitional', 'e1000', 'e1000-82544gc',
    'e1000-82545em', 'e1000e', 'i82550', 'i82551', 'i82557a', 'i82557b', 'i82557c', 'i82558a',
    'i82558b', 'i82559a', 'i82559b', 'i82559c', 'i82559er', 'i82562', 'i82801', 'ne2k_pci',
    'pcnet', 'rtl8139', 'tulip', 'vmxnet3',
)

# Interfaces vif_model leaves alone: an SR-IOV VF has no emulated model, and libvirt requires virtio on
# vhost-user ("vhostuser requires the virtio-net* frontend") and plain virtio on vDPA ("invalid model
# for interface of type 'vdpa'"), a flavour included.
NICS_WITHOUT_EMULATED_MODEL = ('hostdev', 'vhostuser', 'vdpa')
NICS_PLAIN_VIRTIO_ONLY = ('vdpa',)

# <controller type='scsi' model=…> that QEMU for x86 has (lsilogic = lsi53c895a, lsisas1068 =
# mptsas1068, lsisas1078 = megasas, vmpvscsi = pvscsi); buslogic, ibmvscsi and ncr53c90 are not there,
# and dc390 defines but QEMU 7.2 refuses to start it ("'dc-390' is not a valid device model name").
SCSI_MODELS = ('virtio-scsi', 'virtio-transitional', 'virtio-non-transitional', 'lsilogic', 'lsisas1068',
               'lsisas1078', 'vmpvscsi', 'am53c974')
# QEMU's pvscsi serves LUN 0 of each target only; libvirt puts a disk's drive unit in the LUN, so a
# second disk on one vmpvscsi controller fails at start ("bad scsi device lun: 1", QEMU 7.2).
SCSI_MODELS_LUN0_ONLY = ('vmpvscsi',)

DEFAULT_VIDEO_MODELS = ('vga', 'cirrus', 'vmvga', 'qxl', 'virtio', 'none', 'bochs', 'ramfb')

# virtio_model option value -> the libvirt model of each device family (formatdomain: "Virtio
# transitional devices").
VIRTIO_FLAVOUR = {'virtio': 'virtio', 'transitional': 'virtio-transitional',
                  'non-transitional': 'virtio-non-transitional'}
VIRTIO_MODELS = tuple(VIRTIO_FLAVOUR)
VIRTIO_FLAVOURS = tuple(VIRTIO_FLAVOUR.values())

# What only some disk buses carry: a disk moved to another bus loses it (and the result says so).
# 'element' or 'element@attribute' -> (the buses that carry it, libvirt 9.0's refusal elsewhere).
DISK_BUS_ONLY = {
    'wwn': (('ide', 'scsi'), 'Only ide and scsi disk support wwn'),
    'vendor': (('scsi',), 'Only scsi disk supports vendor and product'),
    'product': (('scsi',), 'Only scsi disk supports vendor and product'),
    'target@rotation_rate': (('scsi', 'ide', 'sata'), 'rotation rate is only valid for SCSI/IDE/SATA bus'),
    'target@removable': (('usb',), 'removable is only valid for usb disks'),
    'geometry@trans': (('ide',), "CHS translation mode can only be set for 'ide' bus"),
    'geometry': (('virtio', 'scsi', 'sata', 'ide', 'fdc', 'xen'), "CHS geometry can not be set for 'usb' bus"),
    # virtio-blk's own tuning (formatdomain, disk <driver>): meaningless, and refused, on other buses.
    'driver@queues': (('virtio',), 'virtio-blk tuning'),
    'driver@queue_size': (('virtio',), 'virtio-blk tuning'),
    'driver@iothread': (('virtio',), 'IOThreads not available for bus scsi (a SCSI controller has its own)'),
    'acpi': (('virtio',), 'ACPI index is only supported for PCI devices'),
    'transient@shareBacking': (('virtio', 'scsi', 'usb'),
                               "disk bus doesn't support transient disk backing image sharing"),
    'driver@ioeventfd': (('virtio',), 'virtio tuning'),
    'driver@event_idx': (('virtio',), 'virtio tuning'),
    'driver@packed': (('virtio',), 'virtio tuning'),
    'driver@page_per_vq': (('virtio',), 'virtio tuning'),
    'driver@ats': (('virtio',), 'virtio tuning'),
    'driver@iommu': (('virtio',), 'virtio tuning'),
}

# Disks that some buses cannot take at all: refused, naming the disk (libvirt 9.0 qemu_validate.c).
READONLY_DISK_BUSES_REFUSED = ('ide', 'sata')  # "readonly sata disks are not supported"
VHOSTUSER_DISK_BUSES = ('virtio',)  # vhost-user-blk is a virtio device only

# How libvirt derives a disk's drive address from its name when it has none
# (virDomainDiskDefAssignAddress): units per controller, and per bus for IDE's two buses.
DRIVE_UNITS_PER_CONTROLLER = {'scsi': 7, 'sata': 6, 'ide': 4, 'fdc': 2}
DRIVE_UNITS_PER_BUS = {'ide': 2}

# Video attributes whose meaning (and valid range) belongs to one model.
MODEL_SPECIFIC_VIDEO_ATTRIBUTES = ('vram', 'vram64', 'ram', 'vgamem')

# What a virtio RNG is fed from when nothing says: virt-install's default (virtinst Guest._add_default_rng,
# a random backend on /dev/urandom); libvirt's schema requires a backend and has no default for it.
DEFAULT_RNG_SOURCE = '/dev/urandom'

# policy (and recommendation) key -> the module and option that apply it
APPLIED_BY = {
    'hw_disk_bus': ('virt_device_bus', 'disk_bus'),
    'hw_cdrom_bus': ('virt_device_bus', 'cdrom_bus'),
    'hw_floppy_bus': ('virt_device_bus', 'floppy_bus'),
    'hw_video_model': ('virt_device_bus', 'video_model'),
    'hw_vif_model': ('virt_device_bus', 'vif_model'),
    'hw_scsi_model': ('virt_device_bus', 'scsi_model'),
    'virtio_model': ('virt_device_bus', 'virtio_model'),
    'hw_pointer_model': ('virt_input', 'pointer_model'),
    'hw_input_bus': ('virt_input', 'input_bus'),
    'usb_model': ('virt_usb_controller', 'model'),
    'hw_machine_type': ('virt_machine', 'machine_type'),
    'pcie_free_ports': ('virt_machine', 'pcie_free_ports'),
    'features': ('virt_machine', 'features'),
}
