"""virt_domain against the real libvirtd: define, restore, start, shut down, force off, remove."""

from __future__ import annotations

import os
import re
import socket
import time

import pytest

import testbed


def test_define_is_idempotent_and_restore_is_exact(scratch):
    name = testbed.scratch_name('life')
    xml = testbed.domain_xml(name, machine='i440fx')
    scratch.names.append(name)
    args = {'name': name, 'xml': xml, 'redefine': False}
    predicted = testbed.run_module('virt_domain', args, check=True)
    assert predicted['changed'] is True and predicted['domains'][name]['actions'] == ['defined']
    assert predicted['domains'][name]['previous_state'] == 'undefined'
    first = testbed.run_module('virt_domain', args)
    assert first['changed'] is True and first['domains'][name]['state'] == 'shutoff'
    assert testbed.run_module('virt_domain', args)['changed'] is False

    saved = testbed.run_module('virt_domain', {'name': name, 'return_xml': True})
    assert saved['changed'] is False
    original = saved['domains'][name]['previous_xml']
    assert original == scratch.inactive_xml(name)
    # Another client changes the definition; restoring the saved XML undoes it exactly.
    two_vcpus = scratch.inactive_xml(name).replace("<vcpu placement='static'>1</vcpu>",
                                                   "<vcpu placement='static'>2</vcpu>")
    scratch.conn.defineXML(two_vcpus)
    restore = {'name': name, 'xml': original}
    assert testbed.run_module('virt_domain', restore, check=True)['changed'] is True
    assert testbed.run_module('virt_domain', restore)['changed'] is True
    assert scratch.inactive_xml(name) == original
    assert testbed.run_module('virt_domain', restore)['changed'] is False


def test_start_and_a_guest_that_ignores_acpi(scratch):
    name = scratch.create('q35')
    started = testbed.run_module('virt_domain', {'name': name, 'state': 'running'})
    assert started['domains'][name]['actions'] == ['started'] and scratch.dom(name).isActive()
    assert testbed.run_module('virt_domain', {'name': name, 'state': 'running'})['changed'] is False

    # No guest OS answers the ACPI power button: without force_off the task fails and the domain runs on.
    refused = testbed.run_module('virt_domain', {'name': name, 'state': 'shutoff', 'shutdown_timeout': 1})
    assert refused['failed'] is True
    assert 'did not shut down within 1 seconds' in refused['msg'] and 'force_off' in refused['msg']
    assert scratch.dom(name).isActive()

    forced = testbed.run_module('virt_domain', {'name': name, 'state': 'shutoff', 'shutdown_timeout': 1,
                                                'force_off': True})
    assert forced['domains'][name]['actions'] == ['forced off after 1 seconds']
    assert forced['domains'][name]['state'] == 'shutoff' and not scratch.dom(name).isActive()


def test_undefine_and_bad_input(scratch):
    name = scratch.create('q35', running=True)
    other = scratch.create('q35')
    before = scratch.inactive_xml(other)
    wrong_name = testbed.run_module('virt_domain', {'name': other, 'xml': testbed.domain_xml('vt-test-else')})
    assert wrong_name['failed'] is True and 'option xml' in wrong_name['msg'] and other in wrong_name['msg']
    assert scratch.inactive_xml(other) == before
    negative = testbed.run_module('virt_domain', {'name': other, 'state': 'shutoff', 'shutdown_timeout': -1})
    assert negative['failed'] is True and 'shutdown_timeout' in negative['msg'] and '-1' in negative['msg']
    bad_state = testbed.run_module('virt_domain', {'name': other, 'state': 'paused'})
    assert bad_state['failed'] is True and 'paused' in bad_state['msg'] and 'running' in bad_state['msg']

    removed = testbed.run_module('virt_domain', {'name': name, 'state': 'undefined'})
    assert removed['domains'][name]['actions'] == ['forced off', 'undefined']
    assert name not in scratch.conn.listDefinedDomains() and testbed.run_module(
        'virt_domain', {'name': name, 'state': 'undefined'})['changed'] is False


def test_a_batch_shares_one_shutdown_timeout(scratch):
    names = [scratch.create('q35', running=True, tag='batch%d' % i) for i in range(3)]
    started = time.monotonic()
    result = testbed.run_module('virt_domain', {'name': names, 'state': 'shutoff', 'shutdown_timeout': 5,
                                                'force_off': True})
    elapsed = time.monotonic() - started
    assert [result['domains'][n]['actions'] for n in names] == [['forced off after 5 seconds']] * 3
    # One wait for all three: three waits in turn would take 15 s of timeouts alone.
    assert elapsed < 14, elapsed
    assert not any(scratch.dom(n).isActive() for n in names)


def test_a_batch_reports_each_domain_that_would_not_stop(scratch):
    running = [scratch.create('q35', running=True), scratch.create('i440fx', running=True)]
    stopped = scratch.create('q35')
    result = testbed.run_module('virt_domain', {'name': running + [stopped], 'state': 'shutoff',
                                                'shutdown_timeout': 1})
    assert result['failed'] is True
    assert all(n in result['msg'] for n in running) and stopped not in result['msg']
    assert all(result['domains'][n]['failed'] for n in running)
    assert result['domains'][stopped]['changed'] is False and 'failed' not in result['domains'][stopped]
    assert all(scratch.dom(n).isActive() for n in running)


def uefi_domain(scratch):
    """A domain with its own UEFI variables file (never started: the loader is a stand-in)."""
    name = testbed.scratch_name('uefi')
    loader, nvram = testbed.image(name + '-code'), testbed.image(name + '-vars')
    xml = testbed.domain_xml(name).replace(
        "<type arch='x86_64' machine='q35'>hvm</type>",
        "<type arch='x86_64' machine='q35'>hvm</type><loader readonly='yes' type='pflash'>%s</loader>"
        "<nvram>%s</nvram>" % (loader, nvram)).replace('<devices>', '<features><acpi/></features><devices>', 1)
    return scratch.define(xml), nvram


def test_undefine_keeps_the_uefi_variables_unless_asked(scratch):
    kept, kept_vars = uefi_domain(scratch)
    removed, removed_vars = uefi_domain(scratch)
    assert testbed.run_module('virt_domain', {'name': kept, 'state': 'undefined'})['changed'] is True
    assert kept not in scratch.conn.listDefinedDomains() and os.path.exists(kept_vars)
    result = testbed.run_module('virt_domain', {'name': removed, 'state': 'undefined', 'nvram': 'remove'})
    assert result['domains'][removed]['actions'] == ['undefined']
    assert not os.path.exists(removed_vars)


def test_a_pattern_may_stop_or_remove_domains_only_when_allowed(scratch):
    names = [scratch.create('q35', running=True, tag='pattern'), scratch.create('q35', tag='pattern')]
    pattern = testbed.PREFIX + 'pattern-*'
    before = {name: scratch.inactive_xml(name) for name in names}
    for state in ('shutoff', 'undefined'):
        refused = testbed.run_module('virt_domain', {'name': pattern, 'state': state})
        assert refused.get('failed') is True and 'allow_pattern' in refused['msg'] and pattern in refused['msg']
        assert {name: scratch.inactive_xml(name) for name in names} == before
        assert scratch.dom(names[0]).isActive()
    allowed = testbed.run_module('virt_domain', {'name': pattern, 'state': 'undefined', 'allow_pattern': True})
    assert sorted(allowed['domains']) == sorted(names)
    assert not set(names) & set(scratch.conn.listDefinedDomains())


def test_a_start_qemu_refuses_is_not_reported_as_started(scratch):
    """vmpvscsi serves LUN 0 only: QEMU 7.2 refuses a second disk on it when the domain starts."""
    disks = ''.join("<disk type='file' device='disk'><source file='%s'/><target dev='sd%s' bus='scsi'/></disk>"
                    % (testbed.image(testbed.scratch_name()), letter) for letter in 'ab')
    name = scratch.create('q35', devices="<controller type='scsi' index='0' model='vmpvscsi'/>" + disks)
    result = testbed.run_module('virt_domain', {'name': name, 'state': 'running'})
    assert result.get('failed') is True and testbed.qemu_refused_start(result['msg'], 'bad scsi device lun'), result
    assert result['domains'][name]['actions'] == [] and result['domains'][name]['state'] == 'shutoff'


def _start_both_ways(names):
    """virt_domain state=running in check mode, then for real: (check mode's result, the run's)."""
    args = {'name': names, 'state': 'running'}
    return testbed.run_module('virt_domain', args, check=True), testbed.run_module('virt_domain', args)


@pytest.mark.parametrize('devices, fragment', [
    ("<disk type='file' device='disk'><source file='{gone}'/><target dev='sdb' bus='sata'/></disk>",
     'Cannot access storage file'),
    ("<disk type='file' device='cdrom'><source file='{gone}' startupPolicy='optional'/><target dev='sdb' bus='sata'/>"
     "<readonly/></disk>", None),  # an optional medium that is not there is left out
    ("<disk type='file' device='cdrom'><source file='{gone}' startupPolicy='requisite'/><target dev='sdb' bus='sata'/>"
     "<readonly/></disk>", 'Cannot access storage file'),
    ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{raw}'/>"
     "<target dev='sdb' bus='sata'/></disk>", 'Image is not in qcow2 format'),
    ("<disk type='file' device='disk'><source file='{raw}'/><target dev='sdb' bus='sata'/></disk>"
     "<disk type='file' device='disk'><source file='{raw}'/><target dev='sdc' bus='sata'/></disk>", 'write" lock'),
    ("<interface type='network'><source network='vt-test-no-such-network'/></interface>", 'vt-test-no-such-network'),
    ("<serial type='file'><source path='{gone}/serial.log'/><target port='1'/></serial>", 'Unable to open file'),
])
def test_check_mode_predicts_a_start_that_fails_for_what_the_domain_opens_on_the_host(scratch, devices, fragment):
    gone = os.path.join(testbed.IMAGES, 'vt-test-not-there')
    name = scratch.create('q35', devices=devices.format(gone=gone, raw=testbed.image(testbed.scratch_name('raw'))))
    predicted, result = _start_both_ways([name])
    for outcome in (predicted, result):
        assert outcome['domains'][name]['actions'] == ([] if fragment else ['started']), outcome
        assert outcome.get('failed', False) is bool(fragment), outcome
    if fragment:
        assert "starting would fail" in predicted['msg'] and fragment in predicted['msg'], predicted
        assert 'starting failed' in result['msg'] and testbed.qemu_refused_start(result['msg'], fragment), result


# libvirt defines these and refuses them only when they start.
DRIVER_START_REFUSALS = [
    ("<cpu mode='host-passthrough'/>", "CPU mode 'host-passthrough' for x86_64 qemu domain"),
    ("<memoryBacking><hugepages/></memoryBacking>", 'hugetlbfs filesystem is not mounted'),
    ("<numatune><memory mode='strict' nodeset='3'/></numatune>", 'NUMA node 3 is unavailable'),
]


@pytest.mark.parametrize('platform, words', DRIVER_START_REFUSALS)
def test_check_mode_predicts_a_start_libvirts_qemu_driver_refuses(scratch, platform, words):
    name = testbed.scratch_name('platform')
    scratch.define(testbed.domain_xml(name).replace('<vcpu>1</vcpu>', '<vcpu>1</vcpu>' + platform))
    predicted, result = _start_both_ways([name])
    for outcome in (predicted, result):
        assert outcome.get('failed') is True and outcome['domains'][name]['actions'] == [], outcome
    assert "starting would fail: libvirt's QEMU driver" in predicted['msg'] and words in predicted['msg'], predicted
    assert 'starting failed' in result['msg'] and words in result['msg'], result


def test_check_mode_predicts_a_start_qemu_refuses_for_two_virtio_ports_of_one_name(scratch):
    """libvirt defines two guest agent channels, and builds their command line; QEMU refuses the second."""
    agent = "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
    name = scratch.create('q35', devices=agent + agent.replace('/>', "/><alias name='ua-agent'/>", 1))
    predicted, result = _start_both_ways([name])
    for outcome in (predicted, result):
        assert outcome.get('failed') is True and outcome['domains'][name]['actions'] == [], outcome
        assert 'A port already exists by name org.qemu.guest_agent.0' in outcome['msg'], outcome['msg']
    assert 'starting would fail: QEMU: virtio-serial-bus' in predicted['msg']


def test_check_mode_predicts_a_start_qemu_refuses_for_an_empty_usb_cdrom(scratch):
    name = scratch.create('q35', devices="<disk type='file' device='cdrom'><target dev='sdb' bus='usb'/><readonly/></disk>")
    predicted, result = _start_both_ways([name])
    for outcome in (predicted, result):
        assert outcome.get('failed') is True and outcome['domains'][name]['actions'] == [], outcome
        assert 'drive property not set' in outcome['msg'], outcome['msg']
    assert 'starting would fail: QEMU: usb-storage' in predicted['msg'] and 'sdb has no medium' in predicted['msg']


def test_check_mode_predicts_a_start_qemu_refuses_for_a_dimm_without_acpi(scratch):
    """libvirt defines a DIMM on a domain without ACPI and builds its command line; QEMU plugs DIMMs through
    ACPI, at start as at a hot-plug."""
    name = testbed.scratch_name('dimm')
    scratch.define(testbed.domain_xml(name, devices=(
        "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target></memory>")).replace(
        '<vcpu>1</vcpu>', "<maxMemory slots='2' unit='MiB'>1024</maxMemory><vcpu>1</vcpu>"
        "<cpu><numa><cell id='0' cpus='0' memory='64' unit='MiB'/></numa></cpu>"))
    predicted, result = _start_both_ways([name])
    for outcome in (predicted, result):
        assert outcome.get('failed') is True and outcome['domains'][name]['actions'] == [], outcome
        assert 'memory hotplug is not enabled' in outcome['msg'], outcome['msg']
    assert 'starting would fail: QEMU: memory hotplug' in predicted['msg']


def _ram_and_swap_kib():
    """What the kernel's heuristic overcommit grants one allocation at most: the host's RAM and swap."""
    with open('/proc/sys/vm/overcommit_memory') as handle:
        assert handle.read().strip() == '0', 'the test host must overcommit by the heuristic (the default)'
    with open('/proc/meminfo') as handle:
        meminfo = dict(re.findall(r'(\w+):\s+(\d+)', handle.read()))
    return int(meminfo['MemTotal']) + int(meminfo['SwapTotal'])


def _numa(*cells_kib):
    return '<cpu><numa>%s</numa></cpu>' % ''.join("<cell id='%d' cpus='%d' memory='%d' unit='KiB'/>" % (i, i, size)
                                                  for i, size in enumerate(cells_kib))


# (memory in KiB, NUMA cells in KiB) from the most the kernel grants one allocation (limit, rounded down
# to libvirt's 1 MiB): the RAM at it, one KiB above it (libvirt rounds it up to the next MiB), three cells
# whose sum is above it (each its own allocation), one cell above it.
@pytest.mark.parametrize('sizes, starts', [
    (lambda limit: (limit, ()), True),
    (lambda limit: (limit + 1, ()), False),
    (lambda limit: (limit // 2048 * 1024 * 3, (limit // 2048 * 1024,) * 3), True),
    (lambda limit: (limit + 1024 + 65536, (limit + 1024, 65536)), False),
], ids=['at the limit', 'a KiB above', 'cells each under it', 'a cell above'])
def test_check_mode_predicts_a_start_whose_guest_memory_the_kernel_refuses(scratch, sizes, starts):
    memory, cells = sizes(_ram_and_swap_kib() // 1024 * 1024)
    name = testbed.scratch_name('memory')
    xml = testbed.domain_xml(name).replace("<memory unit='MiB'>64</memory>", "<memory unit='KiB'>%d</memory>" % memory)
    scratch.define(xml.replace('<vcpu>1</vcpu>', '<vcpu>%d</vcpu>%s' % (max(len(cells), 1), _numa(*cells) if cells else '')))
    predicted, result = _start_both_ways([name])
    for outcome in (predicted, result):
        assert outcome['domains'][name]['actions'] == (['started'] if starts else []), outcome
    if not starts:
        assert 'starting would fail: cannot set up guest memory: Cannot allocate memory' in predicted['msg'], predicted
        assert testbed.qemu_refused_start(result['msg'], 'Cannot allocate memory'), result


def _free_port():
    """A TCP port nothing on this host listens on, as the kernel picks one (above VNC's 5900)."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def _vnc(port, listen='127.0.0.1'):
    return "<graphics type='vnc' port='%d' autoport='no' listen='%s'/>" % (port, listen)


def test_check_mode_predicts_a_start_whose_fixed_graphics_port_a_domain_takes(scratch):
    """One running domain whose port libvirt picked, two stopped ones that fix that port and another one
    between them, started in one task: libvirt reserves each, and refuses a port taken."""
    running = scratch.create('q35', running=True, tag='auto')
    taken = int(re.search(r"<graphics type='vnc' port='(\d+)'", scratch.dom(running).XMLDesc(0)).group(1))
    port = _free_port()
    names = sorted([scratch.create('q35', tag='a-taken', graphics=_vnc(taken)),
                    scratch.create('q35', tag='b-first', graphics=_vnc(port)),
                    scratch.create('q35', tag='c-second', graphics=_vnc(port, '0.0.0.0'))])
    predicted, result = _start_both_ways(names)
    for outcome in (predicted, result):
        assert [outcome['domains'][name]['actions'] for name in names] == [[], ['started'], []], outcome
    for name, held in zip((names[0], names[2]), (taken, port)):
        assert 'starting would fail: Failed to reserve port %d' % held in predicted['domains'][name]['msg'], predicted
        assert 'Failed to reserve port %d' % held in result['domains'][name]['msg'], result


@pytest.mark.parametrize('listener, starts', [(('::', socket.AF_INET6), False), (('127.0.0.1', socket.AF_INET), False),
                                              (('127.0.0.2', socket.AF_INET), True)])
def test_check_mode_predicts_a_start_whose_fixed_graphics_port_another_program_listens_on(scratch, listener, starts):
    """A program listening on the port: on every address ([::], dual-stack) or the domain's own, QEMU cannot
    bind it; on another address it can."""
    port = _free_port()
    address, family = listener
    with socket.socket(family) as program:
        program.bind((address, port))
        program.listen()
        name = scratch.create('q35', graphics=_vnc(port))
        predicted, result = _start_both_ways([name])
    for outcome in (predicted, result):
        assert outcome['domains'][name]['actions'] == (['started'] if starts else []), outcome
    if not starts:
        assert 'starting would fail: port %d at 127.0.0.1: Address already in use' % port in predicted['msg'], predicted
        assert testbed.qemu_refused_start(result['msg'], 'Address already in use'), result


def test_check_mode_counts_the_images_each_domain_of_the_task_opens_as_it_starts(scratch):
    """Two stopped domains over one image, started in one task: the first takes it, the second cannot."""
    shared = testbed.image(testbed.scratch_name('shared'))
    disk = "<disk type='file' device='disk'><source file='%s'/><target dev='sdb' bus='sata'/></disk>" % shared
    names = sorted(scratch.create('q35', tag=tag, devices=disk) for tag in ('first', 'second'))
    predicted, result = _start_both_ways(names)
    for outcome in (predicted, result):
        assert [outcome['domains'][name]['actions'] for name in names] == [['started'], []], outcome
    assert 'write" lock' in predicted['domains'][names[1]]['msg'], predicted
    assert testbed.qemu_refused_start(result['domains'][names[1]]['msg'], 'write" lock'), result
