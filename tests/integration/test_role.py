"""The device_update role against the real libvirtd: cold boots, rollback, refusals."""

from __future__ import annotations

import pytest

import testbed

FAST = {'device_update_shutdown_timeout': 1}


def test_cold_boot_only_where_needed_and_nothing_when_nothing_changes(scratch):
    needs_boot = scratch.create('q35', running=True, devices=testbed.SPARE_ROOT_PORTS)
    stopped = scratch.create('i440fx')
    ids = {needs_boot: scratch.dom(needs_boot).ID()}
    failed, results = testbed.run_role(dict(FAST, device_update_force_off=True, device_update_domains=[
        needs_boot, stopped], device_update_buses={'disk_bus': 'sata'}))
    assert failed == [] and results == {needs_boot: 'updated with a cold boot', stopped: 'updated'}
    assert scratch.dom(needs_boot).isActive() and scratch.dom(needs_boot).ID() != ids[needs_boot]
    assert testbed.disks(scratch.live_xml(needs_boot)) == [('disk', 'sda', 'sata')]
    assert not scratch.dom(stopped).isActive()
    assert testbed.disks(scratch.inactive_xml(stopped)) == [('disk', 'sda', 'sata')]

    # Input devices hot-plug: applied live, no reboot. A second run touches nothing.
    ids[needs_boot] = scratch.dom(needs_boot).ID()
    inputs = {'pointer_model': 'tablet', 'input_bus': 'virtio'}
    failed, results = testbed.run_role(dict(FAST, device_update_domains=[needs_boot],
                                            device_update_buses={'disk_bus': 'sata'},
                                            device_update_inputs=inputs))
    assert failed == [] and results == {needs_boot: 'updated'}
    assert scratch.dom(needs_boot).ID() == ids[needs_boot]
    assert ('tablet', 'virtio') in testbed.explicit_inputs(scratch.live_xml(needs_boot))
    before = scratch.inactive_xml(needs_boot)
    failed, results = testbed.run_role(dict(FAST, device_update_domains=[needs_boot],
                                            device_update_buses={'disk_bus': 'sata'},
                                            device_update_inputs=inputs))
    assert failed == [] and results == {needs_boot: 'unchanged'}
    assert scratch.dom(needs_boot).ID() == ids[needs_boot] and scratch.inactive_xml(needs_boot) == before


def test_check_mode_predicts_the_tasks_a_cold_boot_changes(scratch):
    """Check mode shuts nothing down, yet says what the run does: the same tasks change, the shutdown and
    the start among them, and the same report; the domain keeps running untouched."""
    name = scratch.create('q35', running=True, devices=testbed.SPARE_ROOT_PORTS)
    domain_id, before = scratch.dom(name).ID(), scratch.inactive_xml(name)
    tasks = testbed.role_tasks(dict(FAST, device_update_force_off=True, device_update_domains=[name],
                                    device_update_buses={'disk_bus': 'sata'}))
    changed, reports = [], []
    for check in (True, False):
        output = testbed.run_playbook(tasks, check=check)
        changed.append([task['name'] for task in output['tasks'] if task['result'].get('changed')])
        reports.append([task for task in output['tasks'] if task['name'] == 'report'][-1]['result']['device_update_results'])
        assert (scratch.dom(name).ID() == domain_id and scratch.inactive_xml(name) == before) is check
    assert changed[0] == changed[1], changed
    assert 'virtuned.libvirt.device_update : Start again the domains that were shut down' in changed[1]
    assert reports[0] == reports[1] == {name: 'updated with a cold boot'}


def test_a_guest_that_ignores_acpi_is_left_running_and_unchanged_without_force_off(scratch):
    name = scratch.create('q35', running=True)
    other = scratch.create('i440fx')
    before = {n: scratch.inactive_xml(n) for n in (name, other)}
    domain_id = scratch.dom(name).ID()
    failed, results = testbed.run_role(dict(FAST, device_update_domains=[name, other],
                                            device_update_buses={'video_model': 'qxl'}))
    assert results[name] == 'rolled back' and results[other] == 'updated'
    assert failed and name in failed[-1]['result']['msg'] and 'did not shut down within 1 seconds' in failed[-1]['result']['msg']
    assert scratch.inactive_xml(name) == before[name]
    assert scratch.dom(name).isActive() and scratch.dom(name).ID() == domain_id
    assert scratch.inactive_xml(other) != before[other]


def test_a_change_refused_at_start_is_rolled_back_and_the_domain_runs_again(scratch):
    # scripts/libvirt-test-hook refuses to start vt-test-refuse-* domains with an e1000e NIC.
    name = scratch.create('q35', running=True, tag='refuse')
    before = scratch.inactive_xml(name)
    failed, results = testbed.run_role(dict(FAST, device_update_force_off=True, device_update_domains=[name],
                                            device_update_buses={'vif_model': 'e1000e'}))
    assert results == {name: 'rolled back'}
    message = failed[-1]['result']['msg']
    assert 'Start again the domains that were shut down failed' in message and 'e1000e' in message
    assert 'previous definitions and power states restored' in message
    assert scratch.inactive_xml(name) == before
    assert scratch.dom(name).isActive()


def test_a_batch_of_two(scratch):
    names = [scratch.create('q35', running=True), scratch.create('q35', running=True)]
    failed, results = testbed.run_role({'device_update_domains': names, 'device_update_batch_size': 2,
                                        'device_update_shutdown_timeout': 1, 'device_update_force_off': True,
                                        'device_update_buses': {'video_model': 'vga'}})
    assert failed == [] and results == {name: 'updated with a cold boot' for name in names}
    assert all(scratch.dom(n).isActive() for n in names)
    assert all("<model type='vga'" in scratch.live_xml(n) for n in names)


@pytest.mark.parametrize('role_vars, fragment', [
    ({}, 'device_update_domains'),
    ({'device_update_domains': 'NAME', 'device_update_batch_size': 'two'}, 'device_update_batch_size'),
    ({'device_update_domains': 'NAME', 'device_update_batch_size': 0}, 'device_update_batch_size: value 0'),
    ({'device_update_domains': 'NAME', 'device_update_policy': ['modrn']}, "'modrn'"),
    ({'device_update_domains': 'NAME', 'device_update_buses': {'disk_bus': 'ide'}}, "option disk_bus: value 'ide'"),
    ({'device_update_domains': 'NAME', 'device_update_force_off': 'maybe'}, 'device_update_force_off'),
    # The dicts take the modules' own options: a typo or a wrong value is refused up front.
    ({'device_update_domains': 'NAME', 'device_update_buses': {'disk_buss': 'virtio'}}, 'disk_buss'),
    ({'device_update_domains': 'NAME', 'device_update_inputs': {'pointer': 'tablet'}}, 'pointer'),
    ({'device_update_domains': 'NAME', 'device_update_inputs': {'pointer_model': 'pen'}}, 'pen'),
    ({'device_update_domains': 'NAME', 'device_update_usb_controllers': [{'model': 'qemu-xhci'}, {'modle': 'ehci'}]},
     'modle'),
    ({'device_update_domains': 'NAME', 'device_update_usb_controllers': [{'model': 'qemu-xhc'}]}, 'qemu-xhc'),
    ({'device_update_domains': 'NAME', 'device_update_usb_controllers': [{'model': 'qemu-xhci', 'ports': 'many'}]},
     'ports'),
])
def test_bad_role_input_fails_before_any_domain_is_touched(scratch, role_vars, fragment):
    name = scratch.create('q35', running=True)
    before, domain_id = scratch.inactive_xml(name), scratch.dom(name).ID()
    role_vars = {k: ([name] if v == 'NAME' else v) for k, v in role_vars.items()}
    failed = testbed.run_role(role_vars)[0]
    assert failed and fragment in failed[-1]['result']['msg'], failed[-1]['result']['msg']
    assert scratch.inactive_xml(name) == before and scratch.dom(name).ID() == domain_id


def test_a_pattern_expands_to_real_domains_before_it_is_batched(scratch):
    names = sorted([scratch.create('q35', running=True, tag='web', devices=testbed.SPARE_ROOT_PORTS),
                    scratch.create('q35', running=True, tag='web', devices=testbed.SPARE_ROOT_PORTS)])
    pattern = testbed.PREFIX + 'web-*'
    tasks = [{'name': 'role under test', 'ansible.builtin.include_role': {'name': 'virtuned.libvirt.device_update'},
              'vars': dict(FAST, device_update_force_off=True, device_update_domains=[pattern],
                           device_update_batch_size=1, device_update_buses={'disk_bus': 'sata'})},
             {'name': 'report', 'ansible.builtin.debug': {'var': 'device_update_results'}}]
    output = testbed.run_playbook(tasks)
    results = output['tasks'][-1]['result']['device_update_results']
    assert results == {name: 'updated with a cold boot' for name in names}
    shutdowns = [task for task in output['tasks'] if task['name'].endswith('Shut them down gracefully')
                 and not task['result'].get('skipped')]
    assert [sorted(task['result']['domains']) for task in shutdowns] == [[names[0]], [names[1]]]


def test_a_failing_usb_item_is_named_by_its_own_message(scratch):
    name = scratch.create('q35', running=True, devices="<input type='tablet' bus='usb'/>")
    before = scratch.inactive_xml(name)
    failed, results = testbed.run_role(dict(FAST, device_update_domains=[name],
                                            device_update_usb_controllers=[{'model': 'qemu-xhci'}, {'model': 'none'}]))
    assert results == {name: 'refused'}
    message = failed[-1]['result']['msg']
    assert "option model: value 'none'" in message and 'input tablet' in message, message
    assert 'One or more items failed' not in message
    assert scratch.inactive_xml(name) == before


def test_a_hot_plug_the_plan_sees_refused_gets_a_cold_boot(scratch):
    # One free root port: check mode already says the second virtio device cannot be hot-plugged, so the
    # role cold-boots the domain and the keyboard runs.
    name = scratch.create('q35', running=True)
    domain_id = scratch.dom(name).ID()
    failed, results = testbed.run_role(dict(FAST, device_update_force_off=True, device_update_domains=[name],
                                            device_update_inputs={'pointer_model': 'tablet', 'input_bus': 'virtio'}))
    assert failed == [] and results == {name: 'updated with a cold boot'}
    assert scratch.dom(name).isActive() and scratch.dom(name).ID() != domain_id
    assert ('keyboard', 'virtio') in testbed.explicit_inputs(scratch.live_xml(name))


def test_an_unplug_the_guest_does_not_finish_is_reported_as_waiting_for_a_cold_boot(scratch):
    # The plan expects the virtio tablet to leave; a guest without an OS never releases a PCI device, so the
    # run finds it still there: updated without a power cycle, the change waits for a cold boot.
    name = scratch.create('q35', running=True, devices="<input type='tablet' bus='virtio'/>" + testbed.SPARE_ROOT_PORTS)
    domain_id = scratch.dom(name).ID()
    failed, results = testbed.run_role(dict(FAST, device_update_domains=[name], device_update_inputs={
        'pointer_model': 'usbtablet', 'exclusive': True, 'unplug_timeout': 1}))
    assert failed == [] and results == {name: 'updated, waiting for a cold boot'}
    assert scratch.dom(name).ID() == domain_id  # the role did not power-cycle it
    assert testbed.explicit_inputs(scratch.inactive_xml(name)) == [('tablet', 'usb')]
    assert ('tablet', 'virtio') in testbed.explicit_inputs(scratch.live_xml(name))


def test_a_value_qemu_refuses_only_at_start_is_rolled_back(scratch):
    # A disk at unit 9 is fine on virtio-scsi; QEMU 7.2's lsilogic refuses it when the domain starts
    # ("bad scsi device id: 9"), which no pre-flight sees: the role must roll back by itself.
    devices = ("<controller type='scsi' index='0' model='virtio-scsi'/><disk type='file' device='disk'>"
               "<source file='%s'/><target dev='sdb' bus='scsi'/>"
               "<address type='drive' controller='0' bus='0' target='0' unit='9'/></disk>"
               % testbed.image(testbed.scratch_name('unit9')))
    name = scratch.create('q35', running=True, devices=devices)
    other = scratch.create('q35', running=True, devices="<controller type='scsi' index='0' model='virtio-scsi'/>")
    before = {n: scratch.inactive_xml(n) for n in (name, other)}
    failed, results = testbed.run_role(dict(FAST, device_update_force_off=True, device_update_domains=[name, other],
                                            device_update_buses={'scsi_model': 'lsilogic'}))
    assert results == {name: 'rolled back', other: 'updated with a cold boot'}, results
    message = failed[-1]['result']['msg']
    assert testbed.qemu_refused_start(message.split(';')[0], 'bad scsi device id: 9'), message
    assert 'previous definitions and power states restored' in message, message
    assert scratch.inactive_xml(name) == before[name]
    assert scratch.dom(name).isActive()
    assert "model='virtio-scsi'" in scratch.live_xml(name)
    assert "model='lsilogic'" in scratch.live_xml(other) and scratch.dom(other).isActive()


def test_a_platform_policy_cold_boots_only_the_domains_whose_machine_changes(scratch):
    capabilities = testbed.parse(scratch.conn.getCapabilities())
    q35 = sorted({m.text for m in capabilities.findall("guest/arch[@name='x86_64']/machine")
                  if m.text.startswith('pc-q35-') and m.get('deprecated') != 'yes'},
                 key=lambda n: tuple(int(p) for p in n[len('pc-q35-'):].split('.')))
    old = scratch.create(q35[0], running=True)
    current = scratch.create(q35[-1], running=True)
    ids = {name: scratch.dom(name).ID() for name in (old, current)}
    failed, results = testbed.run_role(dict(FAST, device_update_force_off=True, device_update_domains=[old, current],
                                            device_update_policy=[{'hw_machine_type': 'q35'}]))
    assert failed == [] and results == {old: 'updated with a cold boot', current: 'unchanged'}, results
    assert "machine='%s'" % q35[-1] in scratch.live_xml(old)
    assert scratch.dom(old).ID() != ids[old] and scratch.dom(current).ID() == ids[current]
