"""Every module's RETURN documentation against what it returns, both ways: each returned key is
documented with its type, and each documented key is returned by some run (success, check mode,
diff, refusals) on real domains."""

from __future__ import annotations

import pytest

import returndocs
import testbed

SCSI_DISK_WITH_IDENTITY = (
    "<disk type='file' device='disk'><source file='{image}'/><target dev='sdb' bus='scsi'/>"
    "<wwn>5000c50015ea71ac</wwn></disk><controller type='scsi' model='virtio-scsi'/>")
NO_MATCH = 'vt-test-nomatch-*'

CHANGING = ('virt_device', 'virt_device_bus', 'virt_input', 'virt_machine', 'virt_usb_controller')
# Failure keys of the one code path every changing module shares: one module returning it proves it.
SHARED_FAILURE_KEYS = ('refused_domains', 'kept_new_definition', 'defined_then_restored')
# Of those, the ones only a broken connection or another client's write produces: the named test
# provokes them and checks them against the docs.
PROVOKED_ELSEWHERE = {
    'kept_new_definition': 'test_faults.py (libvirtd stopped mid-batch)',
    'defined_then_restored': 'test_concurrency.py (a domain redefined between plan and apply)',
}


def scenarios(run, stop, pc):
    """module -> tasks (name placeholders RUN, STOP, PC) that together return every documented key."""
    both = [run, stop]
    return {
        'virt_device_bus': [
            ({'name': both, 'disk_bus': 'sata', 'video_model': 'qxl'}, {'diff': True}),
            ({'name': [stop], 'recommended': True, 'os': 'rhel9.0'}, {'check_mode': True}),
            ({'name': [NO_MATCH], 'video_model': 'qxl'}, {}),
            ({'name': both, 'disk_bus': 'no-such-bus'}, {}),
        ],
        'virt_usb_controller': [
            ({'name': both, 'model': 'usb3', 'count': 2}, {'diff': True}),
            ({'name': both, 'model': 'ehci', 'index': 0}, {}),
            ({'name': [NO_MATCH], 'model': 'usb3'}, {}),
        ],
        'virt_input': [
            # The running domain has one free slot: the virtio keyboard is 'not attached', with an error.
            ({'name': both, 'pointer_model': 'tablet', 'input_bus': 'virtio', 'exclusive': True}, {'diff': True}),
            ({'name': both, 'pointer_model': 'tablet', 'unplug_timeout': -1}, {}),
            ({'name': [NO_MATCH], 'pointer_model': 'tablet'}, {}),
        ],
        'virt_device': [
            ({'name': both, 'devices': [{'kind': 'disk', 'alias': 'data', 'source': testbed.image(
                testbed.scratch_name('data'))}]}, {'diff': True}),
            ({'name': [stop], 'recommended': True, 'os': 'rhel9.0'}, {'check_mode': True}),
            ({'name': [NO_MATCH], 'devices': [{'kind': 'rng', 'alias': 'rng'}]}, {}),
            ({'name': both, 'devices': [{'kind': 'rng', 'alias': 'rng', 'model': 'no-such-model'}]}, {}),
        ],
        'virt_machine': [
            ({'name': [pc], 'machine_type': 'q35', 'allow_family_change': True}, {'check_mode': True, 'diff': True}),
            ({'name': [run], 'pcie_free_ports': 3}, {}),
            ({'name': [stop], 'recommended': True, 'os': 'rhel9.0'}, {'check_mode': True}),
            ({'name': [NO_MATCH], 'machine_type': 'q35'}, {}),
            ({'name': [pc], 'machine_type': 'no-such-machine'}, {}),
        ],
        'virt_device_info': [
            ({'name': both + [NO_MATCH]}, {}),
            ({'name': ''}, {}),
        ],
        'virt_domain': [
            ({'name': [stop], 'state': 'running', 'return_xml': True}, {'check_mode': True}),
            ({'name': [stop], 'xml': '{{ lookup("file", "%s") }}'}, {'check_mode': True, 'diff': True}),
            ({'name': [NO_MATCH]}, {}),
            ({'name': [NO_MATCH], 'state': 'undefined'}, {}),
        ],
    }


@pytest.fixture(scope='module')
def results(tmp_path_factory):
    bed = testbed.Scratch()
    try:
        run = bed.create('q35', running=True, devices="<input type='tablet' bus='usb'/>")
        stop = bed.create('q35', devices=SCSI_DISK_WITH_IDENTITY.format(image=testbed.image(testbed.scratch_name())))
        pc = bed.create('i440fx')
        # virt_domain redefines stop with its own XML plus a description: a change, shown as a diff.
        redefined = tmp_path_factory.mktemp('xml') / 'stop.xml'
        redefined.write_text(bed.inactive_xml(stop).replace('</name>', '</name><description>returned</description>', 1))
        tasks, modules = [], []
        for module, runs in scenarios(run, stop, pc).items():
            for args, keywords in runs:
                if 'xml' in args:
                    args = dict(args, xml=args['xml'] % redefined)
                tasks.append(dict({'name': '%s %d' % (module, len(tasks)), 'virtuned.libvirt.' + module: args,
                                   'ignore_errors': True}, **keywords))
                modules.append(module)
        output = testbed.run_playbook(tasks)
        yield [(module, task['result']) for module, task in zip(modules, output['tasks'])]
    finally:
        bed.cleanup()


@pytest.mark.parametrize('module', sorted(scenarios('', '', '')))
def test_every_returned_key_is_documented_with_its_type(results, module):
    wrong = sorted({problem for name, result in results if name == module
                    for problem in returndocs.undocumented(module, result)})
    assert not wrong, '\n'.join(wrong)


@pytest.mark.parametrize('module', sorted(scenarios('', '', '')))
def test_every_documented_key_is_returned(results, module):
    seen = {path for name, result in results if name == module for path in returndocs.returned_paths(result, module)}
    if module in CHANGING:
        seen.update(key for name, result in results if name in CHANGING for key in SHARED_FAILURE_KEYS if key in result)
        seen.update(PROVOKED_ELSEWHERE)
    never = [path for path in returndocs.documented(module) if path not in seen
             and not any(path.startswith(free + '.') for free in returndocs.FREE_FORM)]
    assert not never, 'documented, never returned:\n' + '\n'.join(never)
