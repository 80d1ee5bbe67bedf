"""The allowed lists are what really starts: every value each option offers, on q35 and i440fx.

For each option, the module is asked what it allows on a domain with representative devices (a
value it cannot take gets the refusal that lists them); then each allowed value is applied to a
domain of its own, and the domain must start with the value in its live XML, or the module must
have refused the value up front, naming it and saying why.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

import testbed

MODULE_OF = {'virt_usb_controller': ('model',)}


def representative_devices(machine):
    cdrom_bus = 'sata' if machine == 'q35' else 'ide'
    cdrom_target = 'sda' if machine == 'q35' else 'hdc'
    return (
        "<disk type='file' device='cdrom'><source file='{cdrom}'/><target dev='{cdrom_target}' bus='{cdrom_bus}'/>"
        "<readonly/></disk>"
        "<disk type='file' device='floppy'><source file='{floppy}'/><target dev='fda' bus='fdc'/></disk>"
        "<controller type='scsi' index='0' model='virtio-scsi'/>"
        "<disk type='file' device='disk'><source file='{scsi}'/><target dev='sdb' bus='scsi'/></disk>"
        "<input type='tablet' bus='usb'/>" + testbed.RNG + "<memballoon model='virtio'/>"
    ).format(cdrom=testbed.image(testbed.scratch_name('cd')), floppy=testbed.image(testbed.scratch_name('fd')),
             scsi=testbed.image(testbed.scratch_name('sd')), cdrom_bus=cdrom_bus, cdrom_target=cdrom_target)


OPTIONS = [
    ('virt_device_bus', 'disk_bus', "devices/disk[@device='disk']/target", 'bus'),
    ('virt_device_bus', 'cdrom_bus', "devices/disk[@device='cdrom']/target", 'bus'),
    ('virt_device_bus', 'floppy_bus', "devices/disk[@device='floppy']/target", 'bus'),
    ('virt_device_bus', 'video_model', 'devices/video/model', 'type'),
    ('virt_device_bus', 'vif_model', 'devices/interface/model', 'type'),
    ('virt_device_bus', 'scsi_model', "devices/controller[@type='scsi']", 'model'),
    ('virt_device_bus', 'virtio_model', "devices/rng", 'model'),
    ('virt_usb_controller', 'model', "devices/controller[@type='usb']", 'model'),
]

SHOWN_AS = {
    ('virtio_model', 'transitional'): 'virtio-transitional',
    ('virtio_model', 'non-transitional'): 'virtio-non-transitional',
    ('model', 'usb2'): 'ich9-ehci1',
    ('model', 'usb3'): 'qemu-xhci',
}


def offered(scratch, machine, module, option):
    """What the module allows for option on this machine: the allowed list of its refusal."""
    name = scratch.create(machine, devices=representative_devices(machine))
    result = testbed.run_module(module, {'name': name, option: 'no-such-value'})
    assert result.get('failed') is True, result
    if 'allowed' in result:
        return result['allowed']
    # ansible's own choices check: "value of model must be one of: a, b, ..., got: no-such-value"
    listed = result['msg'].split('must be one of: ')[1].split(', got:')[0]
    return [value.strip() for value in listed.split(',')]


def start_and_read(scratch, name):
    """Start the domain and read its live XML; it is left running for the second pass."""
    try:
        scratch.start(name)
        return scratch.live_xml(name), None
    except Exception as exc:  # noqa: BLE001 - the start's own error is the finding
        return None, str(exc)


@pytest.mark.parametrize('machine', ['q35', 'i440fx'])
@pytest.mark.parametrize('module, option, xpath, attribute', OPTIONS, ids=[o[1] for o in OPTIONS])
def test_every_offered_value_starts_or_is_refused_up_front(scratch, machine, module, option, xpath, attribute):
    values = [v for v in offered(scratch, machine, module, option) if v not in ('none',)]
    assert values, 'nothing offered for %s' % option
    names = {value: scratch.create(machine, devices=representative_devices(machine)) for value in values}
    tasks = [{'name': value, 'virtuned.libvirt.' + module: {'name': names[value], option: value},
              'ignore_errors': True} for value in values]
    results = {task['name']: task['result'] for task in testbed.run_playbook(tasks)['tasks']}
    started = {}
    # Four starts at once: one connection past five calls in flight is dropped by libvirtd.
    with ThreadPoolExecutor(max_workers=4) as pool:
        for value, outcome in zip(values, pool.map(lambda v: start_and_read(scratch, names[v]), values)):
            started[value] = outcome
    report, wrong = [], []
    for value in values:
        result = results[value]
        if result.get('failed'):
            report.append('%s: refused up front: %s' % (value, result['msg']))
            if option not in result['msg'] or repr(value) not in result['msg']:
                wrong.append('%s: refused without naming the option and value: %s' % (value, result['msg']))
            continue
        live, error = started[value]
        if error:
            wrong.append('%s: accepted, then QEMU refused to start: %s' % (value, error))
            continue
        shown = SHOWN_AS.get((option, value), value)
        found = [element.get(attribute) for element in testbed.parse(live).findall(xpath)]
        if shown not in found:
            wrong.append('%s: the live domain has %s instead' % (value, found))
        report.append('%s: starts' % value)
    # The same task on the freshly started domains: nothing to do, nothing waits for a cold boot.
    running = [task for task in tasks if started[task['name']][1] is None and not results[task['name']].get('failed')]
    for task in testbed.run_playbook(running)['tasks'] if running else []:
        name = names[task['name']]
        if task['result'].get('changed') or task['result']['domains'][name]['reboot_required']:
            wrong.append('%s: once started, the same task still changes %s or wants a cold boot: %s'
                         % (task['name'], name, task['result']))
    for name in names.values():
        scratch.stop(name)
    # xdist keeps workers quiet: the matrix goes to a file as well (build/start-matrix/).
    text = '%s %s on %s:\n  %s\n' % (module, option, machine, '\n  '.join(report))
    os.makedirs(os.path.join(testbed.BUILD, 'start-matrix'), exist_ok=True)
    with open(os.path.join(testbed.BUILD, 'start-matrix', '%s-%s.txt' % (option, machine)), 'w') as handle:
        handle.write(text)
    print(text)
    assert not wrong, '\n'.join(wrong)
