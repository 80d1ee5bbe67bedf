"""virt_device_info against the real libvirtd."""

from __future__ import annotations

import testbed

ABSTRACT_DEVICE_KEYS = {'kind', 'type', 'bus', 'model', 'alias', 'target', 'mac', 'index', 'address'}
PROPERTY_KEYS = {'hw_disk_bus', 'hw_cdrom_bus', 'hw_floppy_bus', 'hw_input_bus', 'hw_pointer_model',
                 'hw_video_model', 'hw_vif_model', 'hw_machine_type'}


def test_running_q35_and_stopped_i440fx_in_one_call(scratch):
    q35 = scratch.create('q35', running=True)
    pc = scratch.create('i440fx')
    result = testbed.run_module('virt_device_info', {'name': [q35, pc]})
    assert result.get('failed') is not True, result
    assert result['changed'] is False
    live = result['domains'][q35]
    stopped = result['domains'][pc]

    assert live['running'] is True and stopped['running'] is False
    assert 'q35' in live['machine'] and 'i440fx' in stopped['machine']
    for report in (live, stopped):
        assert set(report) >= {'devices', 'persistent_devices', 'properties', 'stashed', 'drift'}
        for device in report['devices'] + report['persistent_devices']:
            assert ABSTRACT_DEVICE_KEYS <= set(device)
        assert set(report['properties']) == PROPERTY_KEYS
        assert report['properties']['hw_disk_bus'] == 'virtio'
        assert report['properties']['hw_video_model'] == 'virtio'
        assert report['properties']['hw_vif_model'] == 'virtio'
        assert report['properties']['hw_pointer_model'] is None
        assert report['stashed'] == {} and report['drift'] == []

    # The running domain's devices come from the live XML: QEMU's aliases are there.
    live_disk = next(d for d in live['devices'] if d['kind'] == 'disk')
    assert live_disk['alias'] == 'virtio-disk0' and live_disk['target'] == 'vda'
    assert live_disk['address']['type'] == 'pci'
    assert all(d['alias'] is None for d in live['persistent_devices'])
    usb = [d for d in live['devices'] if d['kind'] == 'controller' and d['type'] == 'usb']
    assert [d['model'] for d in usb] == ['qemu-xhci']
    stopped_usb = [d for d in stopped['devices'] if d['kind'] == 'controller' and d['type'] == 'usb']
    assert [d['model'] for d in stopped_usb] == ['piix3-uhci']
    assert all(d['alias'] is None for d in stopped['devices'])


def test_check_mode_reads_the_same(scratch):
    name = scratch.create('q35')
    normal = testbed.run_module('virt_device_info', {'name': name})
    checked = testbed.run_module('virt_device_info', {'name': name}, check=True)
    assert checked['domains'] == normal['domains']
    assert checked['changed'] is False


def test_unknown_domain_is_a_clear_error(scratch):
    name = scratch.create('q35')
    before = scratch.inactive_xml(name)
    result = testbed.run_module('virt_device_info', {'name': [name, 'vt-test-no-such-domain']})
    assert result['failed'] is True
    assert "'vt-test-no-such-domain'" in result['msg'] and 'no such domain' in result['msg']
    assert scratch.inactive_xml(name) == before


def test_unreachable_uri_is_a_clear_error():
    uri = 'qemu:///system?socket=/nonexistent/libvirt-sock'
    result = testbed.run_module('virt_device_info', {'name': 'any', 'uri': uri})
    assert result['failed'] is True
    assert 'cannot connect to libvirt' in result['msg'] and uri in result['msg']


def test_a_name_pattern_reads_every_matching_domain(scratch):
    tag = 'glob' + testbed.scratch_name()[-4:]
    names = sorted([scratch.create('q35', tag=tag), scratch.create('i440fx', tag=tag)])
    result = testbed.run_module('virt_device_info', {'name': [testbed.PREFIX + tag + '-*', names[0]]})
    assert sorted(result['domains']) == names
    assert testbed.run_module('virt_device_info', {'name': testbed.PREFIX + 'nothing-matches-*'})['domains'] == {}
