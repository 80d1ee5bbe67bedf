"""OS-aware recommendations from Debian's osinfo-db, applied to real domains."""

from __future__ import annotations

import testbed

RHEL6 = testbed.libosinfo('http://redhat.com/rhel/6.0')
RHEL9 = testbed.libosinfo('http://redhat.com/rhel/9.0')


def test_rhel6_on_q35_gets_transitional_devices_behind_a_bridge(scratch):
    name = scratch.create('q35', metadata=RHEL6, devices=testbed.RNG)
    info = testbed.run_module('virt_device_info', {'name': name})['domains'][name]
    assert info['os_id'] == 'http://redhat.com/rhel/6.0'
    assert info['recommended']['virtio_model'] == {
        'value': 'transitional', 'reason': 'rhel6.0 has no virtio 1.0 drivers and the machine is q35: transitional'}
    result = testbed.run_module('virt_device_bus', {'name': name, 'recommended': True})
    assert result['changed'] is True
    assert result['domains'][name]['recommended']['virtio_model']['value'] == 'transitional'
    xml = scratch.inactive_xml(name)
    scratch.start(name)
    for xpath in ('devices/disk', 'devices/interface', 'devices/rng'):
        assert testbed.slot_controller(xml, xpath) == 'pcie-to-pci-bridge', xpath
    assert testbed.run_module('virt_device_bus', {'name': name, 'recommended': True})['changed'] is False


def test_rhel9_gets_virtio_input_xhci_and_plain_virtio_with_explicit_options_winning(scratch):
    name = scratch.create('q35', metadata=RHEL9)
    info = testbed.run_module('virt_device_info', {'name': name})['domains'][name]
    values = {key: item['value'] for key, item in info['recommended'].items()}
    assert values['hw_input_bus'] == 'virtio' and values['hw_pointer_model'] == 'tablet'
    assert values['usb_model'] == 'qemu-xhci' and values['virtio_model'] == 'virtio'
    assert all(item['reason'].startswith('rhel9.0 ') for item in info['recommended'].values())
    result = testbed.run_module('virt_device_bus', {'name': name, 'recommended': True, 'video_model': 'qxl',
                                                    'cdrom_bus': 'scsi'})
    assert result.get('failed') is not True, result
    props = testbed.run_module('virt_device_info', {'name': name})['domains'][name]['properties']
    assert props['hw_video_model'] == 'qxl' and props['hw_disk_bus'] == 'virtio'


def test_an_os_option_overrides_and_an_unknown_os_is_refused(scratch):
    name = scratch.create('i440fx')
    before = scratch.inactive_xml(name)
    refused = testbed.run_module('virt_device_bus', {'name': name, 'recommended': True, 'os': 'rhel99.9'})
    assert refused['failed'] is True
    assert "option os: value 'rhel99.9'" in refused['msg'] and 'rhel' in refused['msg'].split('allowed:')[1]
    assert scratch.inactive_xml(name) == before
    without = testbed.run_module('virt_device_bus', {'name': name, 'os': 'rhel9.0'})
    assert without['failed'] is True and 'recommended=true' in without['msg']
    applied = testbed.run_module('virt_device_bus', {'name': name, 'recommended': True, 'os': 'win10'})
    assert applied['changed'] is True
    assert testbed.disks(scratch.inactive_xml(name)) == [('disk', 'hda', 'ide')]
    assert "<model type='e1000'/>" in scratch.inactive_xml(name)  # e1000e only on q35 (PCIe)


def test_no_metadata_no_os_means_no_recommendation_and_no_guess(scratch):
    name = scratch.create('q35')
    before = scratch.inactive_xml(name)
    info = testbed.run_module('virt_device_info', {'name': name})['domains'][name]
    assert info['recommended'] == {} and 'no libosinfo metadata' in info['recommended_message']
    result = testbed.run_module('virt_device_bus', {'name': name, 'recommended': True})
    assert result['changed'] is False and scratch.inactive_xml(name) == before
    assert any('no libosinfo metadata' in warning for warning in result['warnings'])
