"""The bus and model edits, on XML alone: names, drive addresses, what a bus cannot carry."""

from __future__ import annotations

import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _buses
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption


@pytest.mark.parametrize('name, index', [('vda', 0), ('sdb', 1), ('hdz', 25), ('sdaa', 26), ('xvdc', 2),
                                         ('vd', None), ('sd1', None), ('nvme0n1', None)])
def test_target_index_reads_names_as_libvirt_does(name, index):
    assert _buses.target_index(name) == index
    if index is not None:
        prefix = next(p for p in ('xvd', 'vd', 'sd', 'hd') if name.startswith(p))
        assert _buses.target_name(prefix, index) == name


@pytest.mark.parametrize('bus, name, address', [
    ('scsi', 'sda', ('scsi', 0, 0, 0, 0)), ('scsi', 'sdh', ('scsi', 1, 0, 0, 0)),
    ('sata', 'sdg', ('sata', 1, 0, 0, 0)), ('ide', 'hdc', ('ide', 0, 1, 0, 0)), ('ide', 'hdd', ('ide', 0, 1, 0, 1)),
    ('fdc', 'fdb', ('fdc', 0, 0, 0, 1)), ('virtio', 'vdb', None), ('usb', 'sdb', None),
])
def test_drive_address_follows_libvirt(bus, name, address):
    assert _buses.drive_address(bus, name) == address


def domain(devices):
    return dx.parse("<domain type='qemu'><name>d</name><os><type arch='x86_64' machine='q35'>hvm</type></os>"
                    "<devices>%s</devices></domain>" % devices)


def test_a_moved_disk_loses_only_what_its_new_bus_cannot_carry():
    root = domain("<disk type='file' device='disk'><driver name='qemu' queues='2' iothread='1'/>"
                  "<target dev='vda' bus='virtio' rotation_rate='1'/><wwn>5000c50015ea71ac</wwn>"
                  "<geometry cyls='16383' heads='16' secs='63' trans='lba'/></disk>")
    dropped = _buses.move_disks(root, 'disk', 'scsi')
    assert sorted(d['element'] for d in dropped) == ['<driver> iothread=', '<driver> queues=', '<geometry> trans=']
    disk = dx.disks(root)[0]
    assert disk.find('driver').attrib == {'name': 'qemu'} and disk.find('wwn') is not None
    assert disk.find('target').attrib == {'dev': 'sda', 'bus': 'scsi', 'rotation_rate': '1'}
    dropped = _buses.move_disks(root, 'disk', 'usb')
    assert sorted(d['element'] for d in dropped) == ['<geometry>', '<target> rotation_rate=', '<wwn>']


def test_a_scsi_hostdev_keeps_its_address_and_the_disk_takes_the_next_name():
    root = domain("<disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk>"
                  "<hostdev mode='subsystem' type='scsi'><address type='drive' controller='0' bus='0' target='0' "
                  "unit='0'/></hostdev><hostdev mode='subsystem' type='scsi'><address type='drive' controller='0' "
                  "bus='0' target='0' unit='1'/></hostdev>")
    _buses.move_disks(root, 'disk', 'scsi')
    assert dx.disk_target(dx.disks(root)[0]) == 'sdc'


@pytest.mark.parametrize('disk, bus, fragment', [
    ("<disk type='file' device='disk'><target dev='vda' bus='virtio'/><readonly/></disk>", 'sata', 'readonly'),
    ("<disk type='file' device='disk'><target dev='vda' bus='virtio'/><readonly/></disk>", 'ide', 'readonly'),
    ("<disk type='vhostuser' device='disk'><target dev='vda' bus='virtio'/></disk>", 'scsi', 'vhost-user'),
])
def test_disks_a_bus_cannot_take_are_refused_by_name(disk, bus, fragment):
    with pytest.raises(InvalidOption) as refused:
        _buses.move_disks(domain(disk), 'disk', bus, allowed=['virtio', 'scsi', 'sata', 'ide'])
    assert fragment in refused.value.msg and 'vda' in refused.value.msg


def test_a_readonly_disk_may_go_on_scsi():
    root = domain("<disk type='file' device='disk'><target dev='vda' bus='virtio'/><readonly/></disk>")
    _buses.move_disks(root, 'disk', 'scsi')
    assert dx.disk_bus(dx.disks(root)[0]) == 'scsi'


def test_every_device_with_a_virtio_flavour_gets_it_and_inputs_stay_plain():
    root = domain(
        "<disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk>"
        "<disk type='vhostuser' device='disk'><target dev='vdb' bus='virtio'/></disk>"
        "<interface type='user'><model type='virtio'/></interface>"
        "<filesystem type='mount'><source dir='/tmp'/><target dir='a'/></filesystem>"
        "<filesystem type='mount'><driver type='virtiofs'/><source dir='/tmp'/><target dir='b'/></filesystem>"
        "<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' wwpn='naa.5001405df3e54061'/></hostdev>"
        "<controller type='scsi' model='virtio-scsi'/><controller type='virtio-serial'/>"
        "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
        "<memballoon model='virtio'/><vsock model='virtio'/>"
        "<input type='tablet' bus='virtio'/><input type='passthrough' bus='virtio'/>"
        "<rng model='virtio'><backend model='random'>/dev/urandom</backend><address type='virtio-mmio'/></rng>")
    _buses.set_virtio_model(root, 'virtio-transitional')
    models = [(e.tag, e.get('model') or (e.find('model').get('type') if e.find('model') is not None else None))
              for e in dx.devices(root)]
    assert models == [('disk', 'virtio-transitional'), ('disk', 'virtio-transitional'),
                      ('interface', 'virtio-transitional'), ('filesystem', 'virtio-transitional'),
                      ('filesystem', None), ('hostdev', 'virtio-transitional'), ('controller', 'virtio-transitional'),
                      ('controller', 'virtio-transitional'), ('rng', 'virtio-transitional'),
                      ('memballoon', 'virtio-transitional'), ('vsock', 'virtio-transitional'),
                      ('input', None), ('input', None), ('rng', 'virtio')]


def test_a_bus_without_drive_addresses_names_disks_by_name_alone():
    root = domain("<disk type='file' device='disk'><target dev='sda' bus='usb'/></disk>"
                  "<disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk>")
    _buses.move_disks(root, 'disk', 'usb')
    assert [dx.disk_target(d) for d in dx.disks(root)] == ['sda', 'sdb']


def test_nics_libvirt_keeps_on_virtio_are_left_alone():
    root = domain("<interface type='vdpa'><source dev='/dev/vhost-vdpa-0'/><model type='virtio'/></interface>"
                  "<interface type='vhostuser'><model type='virtio'/></interface>"
                  "<interface type='network'><model type='virtio'/><teaming type='persistent'/></interface>"
                  "<interface type='user'><model type='virtio'/></interface>")
    _buses.set_vif_model(root, 'e1000')
    assert [i.find('model').get('type') for i in dx.find_devices(root, 'interface')] == ['virtio'] * 3 + ['e1000']
    _buses.set_vif_model(root, 'virtio')
    _buses.set_virtio_model(root, 'virtio-transitional')
    assert dx.find_devices(root, 'interface')[0].find('model').get('type') == 'virtio'
