"""Every refused input: a message naming the option, the value and what is allowed, and every
domain's persistent XML byte for byte as it was. Modules, filters and the role, in one table."""

from __future__ import annotations

import pytest

import testbed

HUGE = 'x' * 100000
XML_SPECIAL = "vt-test-<&'\"]]>"

# (what runs, its arguments, fragments the message must hold). 'name' defaults to the q35 and i440fx pair.
CASES = [
    # virt_input
    ('virt_input', {'pointer_model': 'ps2mouse'}, ['pointer_model', 'ps2mouse', 'usbtablet, tablet, mouse']),
    ('virt_input', {'pointer_model': 'Tablet'}, ['pointer_model', 'Tablet', 'tablet']),
    ('virt_input', {'input_bus': 'ps2'}, ['input_bus', 'ps2', 'usb, virtio']),
    ('virt_input', {'pointer_model': 'usbtablet', 'input_bus': 'virtio'}, ['input_bus', "'virtio'", "'usbtablet'"]),
    ('virt_input', {'devices': [{'type': 'tablet', 'bus': 'ps2'}]}, ['devices.bus', "'ps2'", 'usb, virtio']),
    ('virt_input', {'devices': [{'type': 'joystick', 'bus': 'usb'}]}, ['devices.type', 'joystick', 'tablet, mouse, keyboard']),
    ('virt_input', {'devices': 'tablet'}, ['devices', 'tablet', '{type: tablet|mouse|keyboard, bus: ps2|usb|virtio}']),
    ('virt_input', {'devices': [{'type': 'mouse'}]}, ['devices.bus', 'None', 'ps2, usb, virtio']),
    ('virt_input', {'devices': [{'type': 'tablet', 'bus': 'usb'}], 'pointer_model': 'tablet'},
     ['mutually exclusive', 'devices', 'pointer_model']),
    ('virt_input', {'pointer_model': 'tablet', 'state': 'absent', 'exclusive': True}, ['exclusive', 'state=absent']),
    ('virt_input', {'pointer_model': 'tablet', 'state': 'gone'}, ['state', 'gone', 'present, absent']),
    ('virt_input', {'pointer_model': 'tablet', 'exclusive': 'perhaps'}, ['exclusive', 'perhaps']),
    # virt_usb_controller
    ('virt_usb_controller', {'model': 'qusb1'}, ['model', "'qusb1'", 'qemu-xhci']),
    ('virt_usb_controller', {'model': 'vt82c686b-uhci'}, ['model', "'vt82c686b-uhci'", 'not available']),
    ('virt_usb_controller', {'model': 'ich9-uhci1'}, ['model', 'got: ich9-uhci1', 'usb2']),
    ('virt_usb_controller', {'model': 'xhci'}, ['model', 'xhci', 'qemu-xhci']),
    ('virt_usb_controller', {'model': 'ehci', 'index': -1}, ['index', '-1', '0 or more']),
    ('virt_usb_controller', {'model': 'ehci', 'index': 0}, ['index', '0', 'unique']),
    ('virt_usb_controller', {'model': 'ehci', 'count': 0}, ['count', '0', '1 or more']),
    ('virt_usb_controller', {'model': 'ehci', 'count': 'two'}, ['count', 'two', 'int']),
    ('virt_usb_controller', {'model': 'ehci', 'ports': 4}, ['ports', '4', 'xhci']),
    ('virt_usb_controller', {'model': 'qemu-xhci', 'ports': 99}, ['ports', '99', '1 to 15']),
    ('virt_usb_controller', {'model': 'none'}, ['model', "'none'", 'input tablet']),
    ('virt_usb_controller', {'index': 0, 'state': 'absent'}, ['index', 'input tablet']),
    ('virt_usb_controller', {'state': 'present'}, ['model']),
    # virt_device_bus
    ('virt_device_bus', {'disk_bus': 'ide'}, ['disk_bus', "'ide'", 'pc-q35', 'sata']),
    ('virt_device_bus', {'cdrom_bus': 'virtio'}, ['cdrom_bus', "'virtio'", 'sata']),
    ('virt_device_bus', {'floppy_bus': 'sata'}, ['floppy_bus', "'sata'", 'allowed: fdc']),
    ('virt_device_bus', {'disk_bus': 'fdc'}, ['disk_bus', "'fdc'", 'virtio']),
    ('virt_device_bus', {'video_model': 'matrox'}, ['video_model', "'matrox'", 'qxl']),
    ('virt_device_bus', {'vif_model': 'virtio-net'}, ['vif_model', "'virtio-net'", 'e1000e']),
    ('virt_device_bus', {'scsi_model': 'buslogic'}, ['scsi_model', "'buslogic'", 'virtio-scsi']),
    ('virt_device_bus', {'virtio_model': 'legacy'}, ['virtio_model', 'legacy', 'transitional']),
    ('virt_device_bus', {'os': 'rhel9.0'}, ['os', 'rhel9.0', 'recommended=true']),
    ('virt_device_bus', {'recommended': True, 'os': 'rhel99.9'}, ['os', "'rhel99.9'", 'rhel']),
    ('virt_device_bus', {'pin': 'sometimes'}, ['pin', 'sometimes']),
    ('virt_device_bus', {'disk_bus': HUGE}, ['disk_bus', 'allowed: ', 'sata']),
    ('virt_device_bus', {'video_model': 'qxl', 'name': ['PAIR', 'vt-test-missing']},
     ["'vt-test-missing'", 'no such domain']),
    # recommendations in virt_device and virt_machine
    ('virt_device', {'os': 'rhel9.0', 'devices': [{'kind': 'rng'}]}, ['option os', 'rhel9.0', 'recommended=true']),
    ('virt_device', {}, ['option devices', 'recommended=true']),
    ('virt_device', {'recommended': True, 'state': 'absent'}, ['option recommended', 'state=absent']),
    ('virt_device', {'recommended': True, 'os': 'ubuntujamy'}, ['option os', "'ubuntujamy'", 'ubuntujammy']),
    ('virt_device', {'devices': [{'kind': 'disk', 'target': 'vda', 'source': ''}]},
     ['option devices[0].source', "value ''", "'' (no medium) on a cdrom or floppy"]),
    ('virt_machine', {'os': 'win11'}, ['option os', 'win11', 'recommended=true']),
    ('virt_machine', {'recommended': True, 'os': 'win1l'}, ['option os', "'win1l'", 'win11']),
    # any module: names, connection
    ('virt_device_info', {'name': XML_SPECIAL}, [XML_SPECIAL, 'no such domain']),
    ('virt_input', {'pointer_model': 'tablet', 'name': ['PAIR', XML_SPECIAL]}, ['no such domain']),
    ('virt_device_info', {'name': 'a' * 5000}, ['no such domain']),
    ('virt_device_bus', {'video_model': 'qxl', 'name': ''}, ['name', 'cannot be empty']),
    ('virt_device_info', {'uri': 'qemu:///system?socket=/nonexistent/sock'}, ['cannot connect', '/nonexistent/sock']),
    ('virt_usb_controller', {'model': 'usb3', 'uri': 'bogus+unix:///x'}, ['cannot connect', 'bogus+unix:///x']),
    # virt_domain
    ('virt_domain', {'state': 'shutoff', 'shutdown_timeout': -1}, ['shutdown_timeout', '-1', '0 or more']),
    ('virt_domain', {'state': 'paused'}, ['state', 'paused', 'running, shutoff, undefined']),
    ('virt_domain', {'name': 'PAIR0', 'xml': '<domain><name>someone-else</name></domain>'},
     ['option xml', 'someone-else', 'must name the domain']),
    ('virt_domain', {'name': 'PAIR0', 'xml': '<domain><name>'}, ['cannot parse']),
    ('virt_domain', {'xml': '<domain/>'}, ['option xml', 'one domain']),
    # filters
    ('filter', "{'hw_pointer_model': 'usbtablet', 'hw_input_bus': 'virtio'} | virtuned.libvirt.input_devices",
     ["'usbtablet'", "'virtio'"]),
    ('filter', "'tablet' | virtuned.libvirt.input_devices", ['must be a dict']),
    ('filter', "{'hw_pointer_model': 'ps2mouse'} | virtuned.libvirt.input_devices(arch='aarch64')",
     ["'ps2mouse'", 'usbtablet, tablet, mouse']),
    ('filter', "['modrn'] | virtuned.libvirt.device_policy", ["'modrn'", 'legacy-guest, modern, windows']),
    ('filter', "[{'hw_disk': 'virtio'}] | virtuned.libvirt.device_policy", ["'hw_disk'", 'hw_disk_bus']),
    # the role
    ('role', {'device_update_batch_size': 0}, ['device_update_batch_size', '0', '1 or more']),
    ('role', {'device_update_policy': ['modrn']}, ["'modrn'"]),
    ('role', {'device_update_buses': {'disk_bus': 'matrox'}}, ["option disk_bus: value 'matrox'"]),
    ('role', {'device_update_shutdown_timeout': 'soon'}, ['device_update_shutdown_timeout']),
    ('role', {'device_update_uri': 'qemu:///system?socket=/nonexistent/sock'}, ['cannot connect', '/nonexistent/sock']),
]


@pytest.fixture(scope='module')
def pair():
    bed = testbed.Scratch()
    tablet = "<input type='tablet' bus='usb'/>"
    bed.create('q35', running=True, devices=tablet)
    bed.create('i440fx', devices=tablet)
    try:
        yield bed
    finally:
        bed.cleanup()


def _names(value, pair):
    if value == 'PAIR0':
        return pair.names[0]
    if isinstance(value, list):
        return [n for v in value for n in (pair.names if v == 'PAIR' else [v])]
    return value


def _run(kind, args, pair):
    if kind == 'filter':
        output = testbed.run_playbook([{'name': 'filter', 'ansible.builtin.debug': {'msg': '{{ %s }}' % args}}])
        return output['tasks'][0]['result']
    if kind == 'role':
        failed = testbed.run_role(dict(args, device_update_domains=pair.names))[0]
        return failed[-1]['result'] if failed else {}
    return testbed.run_module(kind, dict(args, name=_names(args.get('name', ['PAIR']), pair)))


def test_the_table_is_big_enough():
    assert len(CASES) >= 40
    assert {case[0] for case in CASES} >= {'virt_input', 'virt_usb_controller', 'virt_device_bus', 'virt_device',
                                           'virt_machine', 'virt_device_info', 'virt_domain', 'filter', 'role'}


@pytest.mark.parametrize('kind, args, fragments', CASES, ids=['%02d-%s' % (i, c[0]) for i, c in enumerate(CASES)])
def test_refused_input(pair, kind, args, fragments):
    before = {name: pair.inactive_xml(name) for name in pair.names}
    running = pair.dom(pair.names[0]).ID()
    result = _run(kind, args, pair)
    assert result.get('failed') is True, result
    for fragment in fragments:
        assert fragment in result['msg'], (fragment, result['msg'][:2000])
    assert {name: pair.inactive_xml(name) for name in pair.names} == before
    assert pair.dom(pair.names[0]).ID() == running  # the running domain was not restarted either
