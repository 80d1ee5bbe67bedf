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

# <controller type='scsi' model=…> that QEMU for x86 has (lsilogic = lsi53c895a, lsisas1068 =
# mptsas1068, lsisas1078 = megasas, vmpvscsi = pvscsi); buslogic, ibmvscsi and ncr53c90 are not there.
SCSI_MODELS = ('virtio-scsi', 'virtio-transitional', 'virtio-non-transitional', 'lsilogic', 'lsisas1068',
               'lsisas1078', 'vmpvscsi', 'am53c974', 'dc390')

DEFAULT_VIDEO_MODELS = ('vga', 'cirrus', 'vmvga', 'qxl', 'virtio', 'none', 'bochs', 'ramfb')

# virtio_model option value -> the libvirt model of each device family.
VIRTIO_MODELS = ('virtio', 'transitional', 'non-transitional')
VIRTIO_FLAVOURS = ('virtio', 'virtio-transitional', 'virtio-non-transitional')

# Driver attributes that only virtio-blk / virtio-net take; dropped when a device leaves virtio.
VIRTIO_ONLY_DISK_DRIVER_ATTRIBUTES = ('queues', 'queue_size', 'iothread', 'ioeventfd', 'event_idx',
                                      'packed', 'page_per_vq', 'ats', 'iommu')

# Video attributes whose meaning (and valid range) belongs to one model.
MODEL_SPECIFIC_VIDEO_ATTRIBUTES = ('vram', 'vram64', 'ram', 'vgamem')
