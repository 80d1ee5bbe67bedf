"""Recommendations from osinfo data: a small database of our own, and Debian's osinfo-db."""

from __future__ import annotations

import os

import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _osinfo, _recommend
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption

OS_FILE = """<libosinfo version="0.0.1"><os id="http://example.org/%(name)s">
  <short-id>%(name)s</short-id>%(parent)s
  <devices>%(devices)s</devices></os></libosinfo>"""


def device(name, supported=True):
    return '<device id="%s"%s/>' % (_osinfo.DEVICES[name], '' if supported else ' supported="false"')


@pytest.fixture
def small_db(tmp_path):
    folder = tmp_path / 'os' / 'example.org'
    folder.mkdir(parents=True)
    (tmp_path / 'os' / 'example.org' / 'old1.d').mkdir()
    files = {
        'old1': ('', device('virtio-block') + device('virtio-net') + device('usb-tablet')),
        'new1': ('old1', device('virtio1.0-block') + device('virtio1.0-input') + device('qemu-xhci')),
        'new2': ('new1', device('usb-tablet', supported=False)),
    }
    for name, (parent, devices) in files.items():
        parent_xml = '<derives-from id="http://example.org/%s"/>' % parent if parent else ''
        (folder / (name + '.xml')).write_text(OS_FILE % {'name': name, 'parent': parent_xml, 'devices': devices})
    (folder / 'old1.d' / 'drivers.xml').write_text(
        '<libosinfo version="0.0.1"><os id="http://example.org/old1"><short-id>oldie</short-id></os></libosinfo>')
    return _osinfo.OsinfoDb([str(tmp_path)])


def domain(machine='pc-q35-7.2', arch='x86_64', graphics=('vnc',), spice_agent=False, firmware=None):
    devices = ''.join('<graphics type="%s"/>' % g for g in graphics)
    if spice_agent:
        devices += '<channel type="spicevmc"><target type="virtio" name="com.redhat.spice.0"/></channel>'
    return dx.parse('<domain type="qemu"><os%s><type arch="%s" machine="%s">hvm</type></os><devices>%s</devices>'
                    '</domain>' % (' firmware="%s"' % firmware if firmware else '', arch, machine, devices))


def values(db, name, root):
    found = _recommend.recommend(db, db.resolve(name), _recommend.Guest(root))
    return {key: item['value'] for key, item in found.items()}, found


def test_devices_are_inherited_and_can_be_taken_away(small_db):
    assert _osinfo.DEVICES['virtio-block'] in small_db.devices('http://example.org/new2')
    assert _osinfo.DEVICES['usb-tablet'] in small_db.devices('http://example.org/new1')
    assert _osinfo.DEVICES['usb-tablet'] not in small_db.devices('http://example.org/new2')
    assert small_db.resolve('new1') == 'http://example.org/new1'
    assert small_db.resolve('oldie') == 'http://example.org/old1'  # a short id from a .d/ fragment
    with pytest.raises(InvalidOption, match="'nope'"):
        small_db.resolve('nope')


@pytest.mark.parametrize('name, machine, expected', [
    ('old1', 'pc-q35-7.2', {'virtio_model': 'transitional', 'hw_pointer_model': 'usbtablet', 'hw_disk_bus': 'virtio',
                            'usb_model': 'usb2', 'hw_machine_type': 'pc'}),
    ('old1', 'pc', {'virtio_model': 'virtio', 'hw_cdrom_bus': 'ide', 'hw_vif_model': 'virtio'}),
    ('new1', 'pc-q35-7.2', {'virtio_model': 'virtio', 'hw_input_bus': 'virtio', 'usb_model': 'qemu-xhci'}),
])
def test_recommend(small_db, name, machine, expected):
    found, items = values(small_db, name, domain(machine))
    assert {key: found.get(key) for key in expected} == expected
    assert all(item['reason'].startswith(name + ' ') for item in items.values())


def test_the_reason_names_the_osinfo_evidence_and_where_it_is_inherited_from(small_db):
    _values, found = values(small_db, 'new2', domain())
    assert found['hw_disk_bus']['reason'] == 'new2 lists virtio1.0-block (osinfo pcisig.com/pci/1af4/1042, from new1)'
    _values, found = values(small_db, 'old1', domain())
    assert found['virtio_model']['reason'].startswith('old1 lists virtio-block (osinfo pcisig.com/pci/1af4/1001) '
                                                      'but no virtio 1.0 device and the machine is q35: transitional')


def test_the_domain_decides_video_and_pointer(small_db):
    assert values(small_db, 'old1', domain(graphics=()))[0]['hw_video_model'] == 'none'
    assert values(small_db, 'old1', domain(graphics=()))[0]['hw_pointer_model'] is None
    assert values(small_db, 'old1', domain(graphics=('vnc',)))[0]['hw_video_model'] == 'vga'
    assert values(small_db, 'old1', domain(graphics=('spice',)))[0]['hw_video_model'] == 'qxl'
    assert values(small_db, 'old1', domain(graphics=('spice',), spice_agent=True))[0]['hw_pointer_model'] is None
    assert values(small_db, 'old1', domain(graphics=('spice', 'vnc'), spice_agent=True))[0]['hw_pointer_model'] == \
        'usbtablet'


def test_other_architectures_put_cdroms_on_scsi(small_db):
    found, _items = values(small_db, 'new1', domain(machine='virt', arch='aarch64'))
    assert found['hw_cdrom_bus'] == 'scsi' and found['usb_model'] == 'qemu-xhci' and 'hw_machine_type' not in found


needs_osinfo = pytest.mark.skipif(not os.path.isdir('/usr/share/osinfo/os'), reason='osinfo-db is not installed')


@needs_osinfo
@pytest.mark.parametrize('short_id, machine, expected', [
    ('rhel6.0', 'pc-q35-7.2', {'virtio_model': 'transitional', 'hw_disk_bus': 'virtio', 'usb_model': 'usb2'}),
    ('rhel9.0', 'pc-q35-7.2', {'virtio_model': 'virtio', 'hw_input_bus': 'virtio', 'usb_model': 'qemu-xhci',
                               'rng': 'virtio', 'memballoon': 'virtio', 'guest_agent': 'virtio'}),
    # clones: Rocky, Alma and CentOS drive what RHEL drives
    ('rocky9', 'pc-q35-7.2', {'hw_disk_bus': 'virtio', 'hw_vif_model': 'virtio', 'usb_model': 'qemu-xhci'}),
    ('almalinux8', 'pc', {'hw_disk_bus': 'virtio', 'hw_vif_model': 'virtio', 'hw_machine_type': 'q35'}),
    ('win7', 'pc-q35-7.2', {'hw_disk_bus': 'sata', 'hw_vif_model': 'e1000e', 'usb_model': 'usb2',
                            'features': ['hyperv']}),
    ('win10', 'pc-q35-7.2', {'hw_disk_bus': 'sata', 'hw_vif_model': 'e1000e', 'usb_model': 'qemu-xhci'}),
    ('win11', 'pc-q35-7.2', {'firmware': 'efi', 'features': ['hyperv']}),
    ('ubuntu16.04', 'pc-q35-7.2', {'usb_model': 'usb2'}),
])
def test_debian_osinfo_db(short_id, machine, expected):
    db = _osinfo.database()
    found, _items = values(db, short_id, domain(machine))
    assert {key: found.get(key) for key in expected} == expected


@needs_osinfo
def test_a_nic_reason_says_what_osinfo_lists():
    db = _osinfo.database()
    _found, items = values(db, 'win2k', domain('pc'))
    assert items['hw_vif_model']['value'] == 'rtl8139' or 'lists no NIC at all' in items['hw_vif_model']['reason']
    assert 'best NIC' not in items['hw_vif_model']['reason']


@needs_osinfo
@pytest.mark.parametrize('alias, short_id', [
    ('ubuntujammy', 'ubuntu22.04'), ('debianbullseye', 'debian11'), ('centos7', 'centos7.0'),
    ('ubuntu-lts-latest', 'ubuntu22.04'),
])
def test_every_short_id_of_an_os_names_it(alias, short_id):
    db = _osinfo.database()
    assert db.resolve(alias) == db.resolve(short_id)


@needs_osinfo
def test_for_domain_without_metadata_says_why():
    root = dx.parse("<domain><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os><devices/></domain>")
    assert _recommend.for_domain(root)[0] == {}
    assert 'no libosinfo metadata' in _recommend.for_domain(root)[1]
    assert _recommend.for_domain(root, 'rhel9.0')[0]['hw_disk_bus']['value'] == 'virtio'
    with pytest.raises(InvalidOption) as refused:
        _recommend.for_domain(root, 'rhel99')
    assert 'rhel9.0' in refused.value.msg
