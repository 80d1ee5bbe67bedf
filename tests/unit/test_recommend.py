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
    (tmp_path / 'os' / 'example.org' / 'old.d').mkdir()
    files = {
        'old1': ('', device('virtio-block') + device('virtio-net') + device('usb-tablet')),
        'new1': ('old1', device('virtio1.0-block') + device('virtio1.0-input') + device('qemu-xhci')),
        'new2': ('new1', device('usb-tablet', supported=False)),
    }
    for name, (parent, devices) in files.items():
        parent_xml = '<derives-from id="http://example.org/%s"/>' % parent if parent else ''
        (folder / (name + '.xml')).write_text(OS_FILE % {'name': name, 'parent': parent_xml, 'devices': devices})
    (folder / 'old.d' / 'drivers.xml').write_text(OS_FILE % {'name': 'old1', 'parent': '', 'devices': ''})
    return _osinfo.OsinfoDb([str(tmp_path)])


def test_devices_are_inherited_and_can_be_taken_away(small_db):
    assert _osinfo.DEVICES['virtio-block'] in small_db.devices('http://example.org/new2')
    assert _osinfo.DEVICES['usb-tablet'] in small_db.devices('http://example.org/new1')
    assert _osinfo.DEVICES['usb-tablet'] not in small_db.devices('http://example.org/new2')
    assert small_db.resolve('new1') == 'http://example.org/new1'
    with pytest.raises(InvalidOption, match="'nope'"):
        small_db.resolve('nope')


@pytest.mark.parametrize('name, q35, expected', [
    ('old1', True, {'virtio_model': 'transitional', 'hw_pointer_model': 'usbtablet', 'hw_disk_bus': 'virtio'}),
    ('old1', False, {'virtio_model': 'virtio', 'hw_cdrom_bus': 'ide'}),
    ('new1', True, {'virtio_model': 'virtio', 'hw_input_bus': 'virtio', 'usb_model': 'qemu-xhci'}),
])
def test_recommend(small_db, name, q35, expected):
    found = _recommend.recommend(name, small_db.devices(small_db.resolve(name)), q35)
    for key, value in expected.items():
        assert found[key]['value'] == value
        assert found[key]['reason'].startswith(name + ' ')


def test_the_reason_of_a_legacy_guest_on_q35(small_db):
    found = _recommend.recommend('old1', small_db.devices(small_db.resolve('old1')), True)
    assert found['virtio_model']['reason'] == 'old1 has no virtio 1.0 drivers and the machine is q35: transitional'


needs_osinfo = pytest.mark.skipif(not os.path.isdir('/usr/share/osinfo/os'), reason='osinfo-db is not installed')


@needs_osinfo
@pytest.mark.parametrize('short_id, q35, expected', [
    ('rhel6.0', True, {'virtio_model': 'transitional', 'hw_disk_bus': 'virtio'}),
    ('rhel9.0', True, {'virtio_model': 'virtio', 'hw_input_bus': 'virtio', 'usb_model': 'qemu-xhci'}),
    ('win10', True, {'hw_disk_bus': 'sata', 'hw_vif_model': 'e1000e', 'usb_model': 'qemu-xhci'}),
])
def test_debian_osinfo_db(short_id, q35, expected):
    db = _osinfo.database()
    found = _recommend.recommend(short_id, db.devices(db.resolve(short_id)), q35)
    assert {key: found[key]['value'] for key in expected} == expected


@needs_osinfo
def test_for_domain_without_metadata_says_why():
    root = dx.parse("<domain><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os><devices/></domain>")
    assert _recommend.for_domain(root)[0] == {}
    assert 'no libosinfo metadata' in _recommend.for_domain(root)[1]
    assert _recommend.for_domain(root, 'rhel9.0')[0]['hw_input_bus']['value'] == 'virtio'
    with pytest.raises(InvalidOption):
        _recommend.for_domain(root, 'rhel99')
