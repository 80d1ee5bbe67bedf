"""virt_usb_controller against the real libvirtd: QEMU accepts the result, cold plug, refusals."""

from __future__ import annotations

import pytest

import testbed


@pytest.mark.parametrize('model, added', [
    ('nec-xhci', [('nec-xhci', 1)]),
    ('usb2', [('ich9-ehci1', 1), ('ich9-uhci1', 1), ('ich9-uhci2', 1), ('ich9-uhci3', 1)]),
])
def test_added_to_stopped_domains_that_then_start(scratch, model, added):
    names = [scratch.create('i440fx'), scratch.create('q35')]
    before = {name: testbed.usb_controllers(scratch.inactive_xml(name)) for name in names}
    predicted = testbed.run_module('virt_usb_controller', {'name': names, 'model': model}, check=True)
    assert {name: testbed.usb_controllers(scratch.inactive_xml(name)) for name in names} == before
    result = testbed.run_module('virt_usb_controller', {'name': names, 'model': model}, diff=True)
    assert result.get('failed') is not True, result
    assert predicted['changed'] is True and result['changed'] is True
    assert len(result['diff']) == 2
    for name in names:
        assert testbed.usb_controllers(scratch.inactive_xml(name)) == before[name] + added
        assert [(d['model'], d['index']) for d in result['domains'][name]['devices']] == before[name] + added
        assert result['domains'][name]['reboot_required'] is False
        scratch.start(name)
        assert testbed.usb_controllers(scratch.live_xml(name)) == before[name] + added
        scratch.stop(name)
    assert testbed.run_module('virt_usb_controller', {'name': names, 'model': model})['changed'] is False


def test_count_two_twice_yields_two(scratch):
    name = scratch.create('q35')
    args = {'name': name, 'model': 'nec-xhci', 'count': 2, 'ports': 8}
    assert testbed.run_module('virt_usb_controller', args)['changed'] is True
    assert testbed.run_module('virt_usb_controller', args)['changed'] is False
    assert testbed.usb_controllers(scratch.inactive_xml(name)) == [('qemu-xhci', 0), ('nec-xhci', 1), ('nec-xhci', 2)]
    scratch.start(name)
    assert "ports='8'" in scratch.live_xml(name)


def test_running_domain_changes_config_only(scratch):
    name = scratch.create('q35', running=True)
    live_before = testbed.usb_controllers(scratch.live_xml(name))
    args = {'name': name, 'model': 'usb2'}
    predicted = testbed.run_module('virt_usb_controller', args, check=True)
    result = testbed.run_module('virt_usb_controller', args)
    assert result['changed'] is True and result['reboot_required'] == [name]
    assert result['domains'][name]['reboot_required'] is True
    assert predicted['domains'][name]['reboot_required'] is True and predicted['reboot_required'] == [name]
    assert testbed.usb_controllers(scratch.live_xml(name)) == live_before
    assert ('ich9-ehci1', 1) in testbed.usb_controllers(scratch.inactive_xml(name))
    again = testbed.run_module('virt_usb_controller', args)
    assert again['changed'] is False and again['reboot_required'] == [name]


def test_absent_and_none(scratch):
    name = scratch.create('i440fx')
    assert testbed.run_module('virt_usb_controller', {'name': name, 'model': 'usb2'})['changed'] is True
    removed = testbed.run_module('virt_usb_controller', {'name': name, 'model': 'usb2', 'state': 'absent'})
    assert removed['changed'] is True
    assert testbed.usb_controllers(scratch.inactive_xml(name)) == [('piix3-uhci', 0)]
    disabled = testbed.run_module('virt_usb_controller', {'name': name, 'model': 'none'})
    assert disabled['changed'] is True
    assert testbed.usb_controllers(scratch.inactive_xml(name)) == [('none', 0)]
    scratch.start(name)
    scratch.stop(name)
    assert testbed.run_module('virt_usb_controller', {'name': name, 'model': 'none'})['changed'] is False


TABLET = "<input type='tablet' bus='usb'/>"


@pytest.mark.parametrize('args, devices, fragments', [
    ({'model': 'qusb1'}, '', ['model', 'qusb1', 'qemu-xhci']),
    ({'model': 'vt82c686b-uhci'}, '', ['model', 'vt82c686b-uhci', 'not available']),
    ({'model': 'ich9-uhci1'}, '', ['model', 'ich9-uhci1', 'usb2']),
    ({'model': 'xhci'}, '', ['model', 'xhci', 'qemu-xhci']),
    ({'model': 'ehci', 'index': -2}, '', ['index', '-2', '0 or more']),
    ({'model': 'ehci', 'index': 0}, '', ['index', '0', 'unique']),
    ({'model': 'ehci', 'count': 0}, '', ['count', '0', '1 or more']),
    ({'model': 'ehci', 'ports': 4}, '', ['ports', '4', 'xhci']),
    ({'model': 'qemu-xhci', 'ports': 99}, '', ['ports', '99', '1 to 15']),
    ({'model': 'none'}, TABLET, ['model', 'none', 'input tablet']),
    ({'index': 0, 'state': 'absent'}, TABLET, ['index', 'input tablet']),
    ({'state': 'present'}, '', ['model']),
])
def test_refused_input_leaves_the_xml_byte_identical(scratch, args, devices, fragments):
    names = [scratch.create('q35', devices=devices), scratch.create('i440fx', devices=devices)]
    testbed.assert_refused(scratch, 'virt_usb_controller', args, names, fragments)
