"""virt_input against the real libvirtd: every vector defined and started, hot-plug, exclusive, refusals."""

from __future__ import annotations

import pytest

import testbed

MATRIX = testbed.load_yaml('input-matrix.yaml')
X86_VECTORS = [v for v in MATRIX['x86_64'] if not v.get('error')]


def _args(names, vector, **extra):
    args = {'name': names}
    if vector['pointer'] is not None:
        args['pointer_model'] = vector['pointer']
    if vector['bus'] is not None:
        args['input_bus'] = vector['bus']
    args.update(extra)
    return args


@pytest.mark.parametrize('vector', X86_VECTORS, ids=lambda v: '%s-%s' % (v['pointer'], v['bus']))
def test_vector_is_defined_on_q35_and_i440fx_and_qemu_starts_it(scratch, vector):
    names = [scratch.create('q35'), scratch.create('i440fx')]
    expected = sorted((d['type'], d['bus']) for d in vector['expect'])
    predicted = testbed.run_module('virt_input', _args(names, vector), check=True)
    result = testbed.run_module('virt_input', _args(names, vector))
    assert result.get('failed') is not True, result
    assert result['changed'] is bool(expected) and predicted['changed'] is bool(expected)
    for name in names:
        assert testbed.explicit_inputs(scratch.inactive_xml(name)) == expected
        assert result['domains'][name]['reboot_required'] is False
        scratch.start(name)
        assert testbed.explicit_inputs(scratch.live_xml(name)) == expected
        scratch.stop(name)
    again = testbed.run_module('virt_input', _args(names, vector))
    assert again['changed'] is False


def test_running_domain_gets_the_devices_hot_plugged(scratch):
    name = scratch.create('q35', running=True, devices=testbed.SPARE_ROOT_PORTS)
    args = {'name': name, 'pointer_model': 'tablet', 'input_bus': 'virtio'}
    predicted = testbed.run_module('virt_input', args, check=True)
    assert testbed.explicit_inputs(scratch.live_xml(name)) == []
    result = testbed.run_module('virt_input', args, diff=True)
    assert predicted['changed'] is True, predicted
    assert result['changed'] is True
    domain = result['domains'][name]
    assert domain['reboot_required'] is False and result['reboot_required'] == []
    assert predicted['domains'][name]['reboot_required'] is False
    assert predicted['domains'][name]['live_changes'] == domain['live_changes']  # check mode foretold the plugs
    assert sorted((c['action'], c['device']['type'], c['device']['bus']) for c in domain['live_changes']) == [
        ('attached', 'keyboard', 'virtio'), ('attached', 'tablet', 'virtio')]
    expected = [('keyboard', 'virtio'), ('tablet', 'virtio')]
    assert testbed.explicit_inputs(scratch.live_xml(name)) == expected
    assert testbed.explicit_inputs(scratch.inactive_xml(name)) == expected
    live_aliases = [d['alias'] for d in domain['live_devices'] if d['bus'] == 'virtio']
    assert all(live_aliases) and len(live_aliases) == 2
    diff = result['diff'][0]
    assert name in diff['before_header']
    assert 'type="tablet" bus="virtio"' in diff['after'] and 'type="tablet" bus="virtio"' not in diff['before']
    assert testbed.run_module('virt_input', args)['changed'] is False


def test_no_free_slot_keeps_the_persistent_change_and_asks_for_a_cold_boot(scratch):
    name = scratch.create('q35', running=True)  # no spare root port: one virtio device fits, not two
    result = testbed.run_module('virt_input', {'name': name, 'pointer_model': 'tablet', 'input_bus': 'virtio'})
    assert result.get('failed') is not True and result['changed'] is True
    expected = [('keyboard', 'virtio'), ('tablet', 'virtio')]
    assert testbed.explicit_inputs(scratch.inactive_xml(name)) == expected
    assert testbed.explicit_inputs(scratch.live_xml(name)) != expected
    assert result['domains'][name]['reboot_required'] is True and result['reboot_required'] == [name]
    failed = [c for c in result['domains'][name]['live_changes'] if c['action'] == 'not attached']
    assert failed and 'No more available PCI slots' in failed[0]['error']
    assert any('cold boot' in warning for warning in result['warnings'])
    again = testbed.run_module('virt_input', {'name': name, 'pointer_model': 'tablet', 'input_bus': 'virtio'})
    assert again['changed'] is False and again['domains'][name]['reboot_required'] is True


def test_exclusive_switches_usb_to_virtio_and_back(scratch):
    stopped = scratch.create('i440fx', devices="<input type='tablet' bus='usb'/>")
    running = scratch.create('q35', running=True, devices="<input type='tablet' bus='usb'/>" + testbed.SPARE_ROOT_PORTS)
    names = [stopped, running]
    to_virtio = {'name': names, 'pointer_model': 'tablet', 'input_bus': 'virtio', 'exclusive': True}
    result = testbed.run_module('virt_input', to_virtio)
    assert result['changed'] is True
    for name in names:
        assert testbed.explicit_inputs(scratch.inactive_xml(name)) == [('keyboard', 'virtio'), ('tablet', 'virtio')]
    # USB devices unplug at once; the live domain has the virtio pair now.
    assert ('tablet', 'usb') not in testbed.explicit_inputs(scratch.live_xml(running))
    assert ('tablet', 'virtio') in testbed.explicit_inputs(scratch.live_xml(running))
    assert testbed.run_module('virt_input', to_virtio)['changed'] is False

    back = {'name': names, 'pointer_model': 'usbtablet', 'exclusive': True}
    predicted = testbed.run_module('virt_input', back, check=True)
    assert scratch.inactive_xml(stopped) and predicted['changed'] is True
    result = testbed.run_module('virt_input', back)
    assert result['changed'] is True
    for name in names:
        assert testbed.explicit_inputs(scratch.inactive_xml(name)) == [('tablet', 'usb')]
    live = testbed.explicit_inputs(scratch.live_xml(running))
    assert ('tablet', 'usb') in live
    # A virtio (PCI) device leaves the live domain only when the guest agrees; a guest without an OS does not,
    # and the result says a cold boot is still needed.
    assert result['domains'][running]['reboot_required'] is (live != [('tablet', 'usb')])
    assert result['domains'][stopped]['reboot_required'] is False
    assert testbed.run_module('virt_input', back)['changed'] is False


def test_absent_removes_listed_devices(scratch):
    name = scratch.create('q35', devices="<input type='mouse' bus='usb'/><input type='keyboard' bus='usb'/>")
    args = {'name': name, 'devices': [{'type': 'mouse', 'bus': 'usb'}], 'state': 'absent'}
    assert testbed.run_module('virt_input', args)['changed'] is True
    assert testbed.explicit_inputs(scratch.inactive_xml(name)) == [('keyboard', 'usb')]
    assert testbed.run_module('virt_input', args)['changed'] is False


@pytest.mark.parametrize('args, option, value', [
    ({'pointer_model': 'usbtablet', 'input_bus': 'virtio'}, 'input_bus', 'virtio'),
    ({'pointer_model': 'ps2mouse'}, 'pointer_model', 'ps2mouse'),
    ({'pointer_model': 'Tablet'}, 'pointer_model', 'Tablet'),
    ({'input_bus': 'ps2'}, 'input_bus', 'ps2'),
    ({'devices': [{'type': 'tablet', 'bus': 'ps2'}]}, 'devices.bus', 'ps2'),
    ({'devices': [{'type': 'tablet', 'bus': 'usb'}], 'pointer_model': 'tablet'}, 'devices', 'pointer_model'),
    ({'pointer_model': 'tablet', 'state': 'absent', 'exclusive': True}, 'exclusive', 'True'),
    ({'pointer_model': 'tablet', 'input_bus': 'usb', '_usb_none': True}, 'input_bus', "model='none'"),
])
def test_refused_input_leaves_the_xml_byte_identical(scratch, args, option, value):
    usb_none = args.pop('_usb_none', False)
    devices = "<controller type='usb' model='none'/>" if usb_none else ''
    names = [scratch.create('q35', devices=devices), scratch.create('i440fx', devices=devices)]
    testbed.assert_refused(scratch, 'virt_input', args, names, [option, value])
