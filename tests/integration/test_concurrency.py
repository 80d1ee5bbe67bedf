"""Other writers: a domain redefined between plan and apply is never overwritten, and module runs
at once on one domain end with every change applied or a clear failure."""

from __future__ import annotations

import returndocs
import testbed

MANY = 200


def test_a_domain_redefined_between_plan_and_apply_is_not_overwritten(scratch):
    names = [scratch.create('i440fx', tag='cw%03d' % i, disk=False) for i in range(MANY)]
    originals = {name: scratch.inactive_xml(name) for name in names}
    pending = testbed.in_background(testbed.run_module, 'virt_device_bus', {'name': names, 'video_model': 'qxl'})
    # The module plans all domains, then defines them in order: once the first is defined, another
    # client redefines the last one, which the module read (planned) before that.
    assert testbed.wait_for(lambda: "type='qxl'" in scratch.inactive_xml(names[0]))
    other_client = originals[names[-1]].replace('<vcpu placement=\'static\'>1</vcpu>',
                                                "<vcpu placement='static'>2</vcpu>")
    scratch.conn.defineXML(other_client)
    result = pending()
    assert result['failed'] is True, 'the module finished before the other client wrote; make MANY bigger'
    assert 'changed since it was read' in result['msg'] and names[-1] in result['msg']
    assert 'were restored' in result['msg'] and names[0] in result['defined_then_restored']
    returndocs.assert_documented('virt_device_bus', result)
    assert "<vcpu placement='static'>2</vcpu>" in scratch.inactive_xml(names[-1])
    assert "type='qxl'" not in scratch.inactive_xml(names[-1])
    # The domains defined before the conflict were put back: the call as a whole changed nothing.
    assert [n for n in names[:-1] if scratch.inactive_xml(n) != originals[n]] == []
    # Run again: it plans on the fresh XML and keeps the other client's change.
    again = testbed.run_module('virt_device_bus', {'name': names, 'video_model': 'qxl'})
    assert again['changed'] is True
    assert "<vcpu placement='static'>2</vcpu>" in scratch.inactive_xml(names[-1])
    assert all("type='qxl'" in scratch.inactive_xml(n) for n in names)


RUNS = [
    ('virt_input', {'pointer_model': 'tablet', 'input_bus': 'virtio'}, "<input type='tablet' bus='virtio'>"),
    ('virt_usb_controller', {'model': 'nec-xhci'}, "model='nec-xhci'"),
    ('virt_device_bus', {'video_model': 'qxl'}, "<model type='qxl'"),
    ('virt_device_bus', {'vif_model': 'e1000e'}, "<model type='e1000e'/>"),
]


def test_runs_at_once_on_one_domain_apply_everything_or_fail_clearly(scratch):
    name = scratch.create('q35')
    for round_ in range(3):
        pending = [testbed.in_background(testbed.run_module, module, dict(args, name=name))
                   for module, args, _marker in RUNS]
        results = [wait() for wait in pending]
        xml = scratch.inactive_xml(name)
        for (module, _args, marker), result in zip(RUNS, results):
            if result.get('failed'):
                assert 'changed since it was read' in result['msg'], (module, result['msg'])
            else:
                # A run that says it applied its change did: no lost update.
                assert marker in xml, (round_, module)
        if all(not r.get('failed') for r in results):
            break
    for module, _args, marker in RUNS:
        assert marker in scratch.inactive_xml(name), module
