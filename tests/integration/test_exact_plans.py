"""Exact plans against the real libvirtd: libvirt is asked before anything is written, check mode
predicts refusals and diffs exactly, and the edits libvirt used to refuse now do the right thing."""

from __future__ import annotations

import difflib

import pytest

import testbed

TWO_HEAD_QXL = "<video><model type='qxl' heads='2' primary='yes'/></video>"


def test_a_refusal_only_libvirt_sees_fails_check_mode_and_the_run_alike(scratch):
    """vga cannot have two heads: no table here says so, libvirt's QEMU driver does."""
    name = scratch.define(testbed.domain_xml(testbed.scratch_name('heads')).replace(
        "<video><model type='virtio'/></video>", TWO_HEAD_QXL))
    other = scratch.create('q35')
    before = {n: scratch.inactive_xml(n) for n in (name, other)}
    args = {'name': [other, name], 'video_model': 'vga'}
    predicted = testbed.run_module('virt_device_bus', args, check=True)
    result = testbed.run_module('virt_device_bus', args)
    for outcome in (predicted, result):
        assert outcome.get('failed') is True, outcome
        for fragment in ("domain '%s'" % name, 'option video_model', "'vga'", "QEMU driver",
                         "doesn't support multiple 'heads'"):
            assert fragment in outcome['msg'], (fragment, outcome['msg'])
    assert predicted['msg'] == result['msg']
    assert {n: scratch.inactive_xml(n) for n in (name, other)} == before


def test_a_refused_domain_fails_check_mode_with_the_runs_result_not_the_others_predicted_changes(scratch):
    """One domain refused, one that would change, one already as asked: the run writes nothing and reports
    changed false with the unchanged domain only; check mode must say the same, not the change it planned."""
    refused = scratch.define(testbed.domain_xml(testbed.scratch_name('heads')).replace(
        "<video><model type='virtio'/></video>", TWO_HEAD_QXL))
    changing = scratch.create('q35')
    settled = scratch.create('q35')
    assert testbed.run_module('virt_device_bus', {'name': settled, 'video_model': 'vga'})['changed'] is True
    args = {'name': [changing, refused, settled], 'video_model': 'vga'}
    predicted = testbed.run_module('virt_device_bus', args, check=True)
    result = testbed.run_module('virt_device_bus', args)
    assert result['failed'] is True and result['changed'] is False, result
    assert list(result['domains']) == [settled]
    for key in ('failed', 'changed', 'msg', 'domains', 'option', 'value', 'allowed', 'warnings'):
        assert predicted.get(key) == result.get(key), key


def test_the_role_does_not_power_cycle_a_guest_for_a_refused_change(scratch):
    name = scratch.define(testbed.domain_xml(testbed.scratch_name('role-heads')).replace(
        "<video><model type='virtio'/></video>", TWO_HEAD_QXL))
    scratch.start(name)
    started = scratch.dom(name).info()[4]  # cpu time: a restarted guest starts again from zero
    before = scratch.inactive_xml(name)
    failed, results = testbed.run_role({'device_update_domains': [name],
                                        'device_update_buses': {'video_model': 'vga'}})
    assert results == {name: 'refused'}, (failed, results)
    assert scratch.dom(name).isActive() and scratch.dom(name).info()[4] >= started
    assert scratch.inactive_xml(name) == before


@pytest.mark.parametrize('machine', ['q35', 'i440fx'])
def test_transitional_leaves_virtio_input_plain_and_covers_9p_filesystems(scratch, machine):
    devices = ("<input type='tablet' bus='virtio'/><input type='keyboard' bus='virtio'/>"
               "<filesystem type='mount' accessmode='mapped'><source dir='%s'/><target dir='share'/></filesystem>"
               % testbed.IMAGES) + testbed.RNG
    name = scratch.create(machine, devices=devices)
    result = converge(scratch, [name], 'virt_device_bus', {'virtio_model': 'transitional'})
    assert result['domains'][name]['changed'] is True
    xml = scratch.inactive_xml(name)
    root = testbed.parse(xml)
    assert [i.get('model') for i in root.findall("devices/input[@bus='virtio']")] == [None, None]
    assert root.find('devices/filesystem').get('model') == 'virtio-transitional'
    live = testbed.parse(scratch.live_xml_when_started(name))
    assert live.find('devices/filesystem').get('model') == 'virtio-transitional'
    if machine == 'q35':
        assert testbed.slot_controller(xml, 'devices/filesystem') == 'pcie-to-pci-bridge'


SCSI_DISK_WITH_IDENTITY = (
    "<disk type='file' device='disk'><source file='{image}'/><target dev='sdb' bus='scsi' rotation_rate='1'/>"
    "<wwn>5000c50015ea71ac</wwn><vendor>SEAGATE</vendor><product>ST3146707LC</product></disk>"
    "<controller type='scsi' model='virtio-scsi'/>")


def test_a_disk_moved_off_scsi_drops_what_sata_cannot_carry_and_says_so(scratch):
    name = scratch.create('q35', devices=SCSI_DISK_WITH_IDENTITY.format(image=testbed.image(testbed.scratch_name())))
    result = converge(scratch, [name], 'virt_device_bus', {'disk_bus': 'sata'})
    dropped = result['domains'][name]['dropped']
    assert sorted(entry['element'] for entry in dropped) == ['<product>', '<vendor>', '<wwn>']
    assert all(entry['device'] == 'disk sdb (now sdb)' for entry in dropped)
    disk = testbed.parse(scratch.inactive_xml(name)).find("devices/disk/target[@dev='sdb']/..")
    assert disk.find('wwn') is None and disk.find('target').get('rotation_rate') == '1'
    assert testbed.disks(scratch.live_xml_when_started(name)) == [('disk', 'sda', 'sata'), ('disk', 'sdb', 'sata')]


def test_new_scsi_names_avoid_a_scsi_hostdev_drive_address(scratch):
    hostdev = ("<controller type='scsi' index='0' model='virtio-scsi'/>"
               "<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/>"
               "<address bus='0' target='0' unit='0'/></source>"
               "<address type='drive' controller='0' bus='0' target='0' unit='0'/></hostdev>")
    name = scratch.create('q35', devices=hostdev)
    result = testbed.run_module('virt_device_bus', {'name': name, 'disk_bus': 'scsi'})
    assert result.get('failed') is not True, result
    assert testbed.disks(scratch.inactive_xml(name)) == [('disk', 'sdb', 'scsi')]


@pytest.mark.parametrize('devices, args, fragments', [
    ("<disk type='file' device='disk'><source file='/dev/null'/><target dev='vdb' bus='virtio'/><readonly/></disk>",
     {'disk_bus': 'sata'}, ['disk_bus', "'sata'", 'readonly', 'vdb', 'allowed: ', 'scsi']),
    ("<controller type='scsi' model='virtio-scsi'/>"
     "<disk type='file' device='disk'><source file='/dev/null'/><target dev='sdb' bus='scsi'/></disk>",
     {'disk_bus': 'scsi', 'scsi_model': 'vmpvscsi'}, ['scsi_model', "'vmpvscsi'", 'LUN 0', 'sdb', 'lsilogic']),
    ('', {'scsi_model': 'dc390'}, ['scsi_model', "'dc390'", 'allowed: ', 'am53c974']),
])
def test_values_qemu_would_refuse_at_start_are_refused_up_front(scratch, devices, args, fragments):
    names = [scratch.create('q35'), scratch.create('q35', devices=devices)]
    testbed.assert_refused(scratch, 'virt_device_bus', args, names, fragments)


@pytest.mark.parametrize('module, args, devices', [
    ('virt_device_bus', {'disk_bus': 'sata', 'video_model': 'qxl'}, ''),
    ('virt_device_bus', {'virtio_model': 'transitional'}, testbed.RNG),
    ('virt_input', {'pointer_model': 'tablet', 'input_bus': 'virtio'}, ''),
    ('virt_usb_controller', {'model': 'usb2'}, ''),
])
def test_check_mode_diff_is_byte_identical_to_the_real_run(scratch, module, args, devices):
    names = [scratch.create('q35', devices=devices), scratch.create('i440fx', running=True, devices=devices)]
    predicted = testbed.run_module(module, dict(args, name=names), check=True, diff=True)
    result = testbed.run_module(module, dict(args, name=names), diff=True)
    assert result['changed'] is True and len(result['diff']) == 2
    assert predicted['diff'] == result['diff']


def test_the_diff_shows_only_the_lines_that_change(scratch):
    """libvirt writes the definition with its quotes and indentation, the plan with lxml's: both sides of
    the diff are laid out alike, so that only the lines of the change differ (the model, the address
    libvirt places again, the stashed values)."""
    name = scratch.create('q35')
    result = testbed.run_module('virt_device_bus', {'name': name, 'video_model': 'qxl'}, diff=True)
    (diff,) = result['diff']
    changes = [line.strip() for line in difflib.unified_diff(diff['before'].splitlines(), diff['after'].splitlines(),
                                                             lineterm='', n=0) if line[:3] not in ('+++', '---', '@@ ')]
    removed = [line[1:].strip() for line in changes if line.startswith('-')]
    added = [line[1:].strip() for line in changes if line.startswith('+') and 'metadata' not in line
             and 'virtuned' not in line]
    assert removed[:2] == ['<metadata/>', '<model type="virtio" heads="1" primary="yes"/>'], changes
    assert len(removed) == 3 and removed[2].startswith('<address type="pci"'), changes
    assert added == ['<model type="qxl" heads="1" primary="yes"/>'], changes
    assert testbed.parse(diff['before']).find('devices/video/model').get('type') == 'virtio'


def converge(scratch, names, module, args):
    """Check mode, then the real run, then the idempotent one; returns the real result."""
    predicted = testbed.run_module(module, dict(args, name=names), check=True)
    result = testbed.run_module(module, dict(args, name=names))
    assert result.get('failed') is not True, result
    for name in names:
        for key in ('changed', 'reboot_required'):
            assert predicted['domains'][name][key] == result['domains'][name][key]
        assert predicted['domains'][name].get('dropped') == result['domains'][name].get('dropped')
    assert testbed.run_module(module, dict(args, name=names))['changed'] is False
    return result


USB_TOKEN = "<hostdev mode='subsystem' type='usb' managed='yes'><source><vendor id='0x1050'/><product id='0x0407'/></source></hostdev>"


def test_a_usb_device_given_by_vendor_and_product_is_defined_as_libvirt_defines_it(scratch):
    """libvirt defines a USB host device given by vendor and product (a start looks it up on the host); the
    pre-flight asks about it as a start would have found it, and still judges the rest of the definition."""
    name = scratch.create('q35', devices="<controller type='usb' model='qemu-xhci'/>")
    args = {'name': name, 'devices': [{'xml': USB_TOKEN, 'alias': 'token'}]}
    planned = testbed.run_module('virt_device', args, check=True, diff=True)
    result = testbed.run_module('virt_device', args, diff=True)
    assert planned['changed'] is result['changed'] is True, result
    assert planned['diff'] == result['diff']
    hostdev = testbed.parse(scratch.inactive_xml(name)).find("devices/hostdev/source")
    assert hostdev.find('vendor').get('id') == '0x1050' and hostdev.find('address') is None
    # Without USB, libvirt's QEMU driver refuses it: the pre-flight says so before writing.
    bare = scratch.create('q35', devices="<controller type='usb' model='none'/>")
    before = scratch.inactive_xml(bare)
    refused = testbed.run_module('virt_device', dict(args, name=bare))
    assert refused.get('failed') is True and 'USB is disabled' in refused['msg'], refused
    assert scratch.inactive_xml(bare) == before
