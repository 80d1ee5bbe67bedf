"""Check mode's prediction of hot-plugs and medium changes refused for their storage, against the real libvirtd
and QEMU: an image that is not there, a storage pool or volume libvirt cannot give, an image another disk holds
under QEMU's image locking. No definition check sees these; check mode must say what the run then reports."""

from __future__ import annotations

import itertools
import os

import libvirt
import pytest

import testbed
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _storage
from ansible_collections.virtuned.libvirt.plugins.module_utils._hypervisor import Hypervisor

SCSI = "<controller type='scsi' index='0' model='virtio-scsi'/>"
# How a disk opens its image: read-write, read-only, and each shareable.
FLAVOURS = {'read-write': '', 'read-only': '<readonly/>', 'shareable': '<shareable/>',
            'shareable read-only': '<readonly/><shareable/>'}


def scsi_disk(path, target, flavour):
    return ("<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='%s'/>"
            "<target dev='%s' bus='scsi'/>%s</disk>" % (path, target, FLAVOURS[flavour]))


def _gone(scratch, name, target):
    return "dev='%s'" % target not in scratch.live_xml(name)


def test_qemu_image_locking_refuses_exactly_the_pairs_the_prediction_refuses(scratch):
    """Each way of holding an image open, against each way of opening it again from another running domain."""
    holder = testbed.running_with_acpi(scratch, 'q35', devices=SCSI)
    opener = testbed.running_with_acpi(scratch, 'q35', devices=SCSI)
    seen = {}
    for held, wanted in itertools.product(FLAVOURS, FLAVOURS):
        path = testbed.image(testbed.scratch_name('locked'))
        assert testbed.live_refusal(scratch.dom(holder).attachDeviceFlags, scsi_disk(path, 'sdb', held)) is None
        new = scsi_disk(path, 'sdc', wanted)
        with Hypervisor(testbed.URI) as hypervisor:
            predicted = _storage.OpenImages(hypervisor).refusal(opener, dx.parse(new, root_tag=None))
        refused = testbed.live_refusal(scratch.dom(opener).attachDeviceFlags, new)
        seen[held, wanted] = refused is not None
        assert (predicted is None) == (refused is None), (held, wanted, predicted, refused)
        if refused:
            lock = refused.split("'device_add': ")[1]
            assert lock in predicted, (held, wanted, predicted, refused)
        for name, target in ((holder, 'sdb'), (opener, 'sdc')):
            if not _gone(scratch, name, target):
                scratch.dom(name).detachDeviceFlags(scsi_disk(path, target, 'read-write'),
                                                    libvirt.VIR_DOMAIN_AFFECT_LIVE)
                testbed.wait_for(lambda: _gone(scratch, name, target), timeout=30)  # pylint: disable=cell-var-from-loop
    # Both sides of the rule showed: some pairs refused, others taken.
    assert 0 < sum(seen.values()) < len(seen)


def _live_changes(result, name):
    """(action, alias) of each live change, and the errors of the refused ones."""
    changes = result['domains'][name]['live_changes']
    return [(change['action'], change['device']['alias']) for change in changes], \
        [change['error'] for change in changes if 'error' in change]


def check_then_run(args, names, fragment=None):
    """virt_device in check mode, then for real: both make the same live changes on each domain, and where
    they refuse one, both errors carry fragment. Returns the run's live changes per domain."""
    planned = testbed.run_module('virt_device', args, check=True)
    result = testbed.run_module('virt_device', args)
    assert 'failed' not in result, result
    assert planned['reboot_required'] == result['reboot_required']
    outcomes = {}
    for name in names:
        (predicted, predicted_errors), (done, errors) = _live_changes(planned, name), _live_changes(result, name)
        assert predicted == done, (name, planned['domains'][name], result['domains'][name])
        assert len(predicted_errors) == len(errors)
        for error in predicted_errors + errors:
            assert fragment in error, error
        outcomes[name] = done
    return outcomes


@pytest.mark.parametrize('disk, fragment', [
    ({'source': '/var/lib/libvirt/images/vt-test-not-there.img'}, "Cannot access storage file"),
    ({'type': 'block', 'source': {'dev': '/dev/vt-test-not-there'}}, "Cannot access storage file"),
])
def test_check_mode_knows_a_disk_whose_storage_is_not_there(scratch, disk, fragment):
    name = scratch.create('q35', running=True)
    args = {'name': name, 'devices': [dict(disk, kind='disk', alias='data', bus='virtio')]}
    assert check_then_run(args, [name], fragment)[name] == [('not attached', 'ua-data')]


@pytest.fixture
def pool(scratch):
    """A storage pool over a fresh directory holding one volume, defined and not started."""
    folder = os.path.join(testbed.IMAGES, testbed.scratch_name('pool'))
    os.makedirs(folder)
    with open(os.path.join(folder, 'data.img'), 'wb') as handle:
        handle.truncate(1024 * 1024)
    defined = scratch.conn.storagePoolDefineXML(
        "<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>" % (os.path.basename(folder), folder))
    yield defined
    if defined.isActive():
        defined.destroy()
    defined.undefine()


@pytest.mark.parametrize('running', [True, False])
def test_a_volume_libvirt_cannot_give_is_refused_before_writing(scratch, pool, running):
    """libvirt's QEMU driver resolves a pool's volume when it checks the planned definition: check mode and
    the run fail alike with its reason (the pool not running, then a volume it lacks), nothing written."""
    name = scratch.create('q35', running=running, devices=SCSI)
    before = scratch.inactive_xml(name)
    for volume, reason in (('data.img', 'is not active'), ('missing.img', 'Storage volume not found')):
        spec = {'kind': 'disk', 'alias': 'vol', 'bus': 'scsi', 'type': 'volume',
                'source': {'pool': pool.name(), 'volume': volume}}
        outcomes = [testbed.run_module('virt_device', {'name': name, 'devices': [spec]}, check=check)
                    for check in (True, False)]
        assert [outcome.get('failed') for outcome in outcomes] == [True, True]
        assert outcomes[0]['msg'] == outcomes[1]['msg'] and reason in outcomes[0]['msg']
        assert scratch.inactive_xml(name) == before
        if not pool.isActive():
            pool.create()
    spec['source']['volume'] = 'data.img'
    assert check_then_run({'name': name, 'devices': [spec]}, [name])[name] == ([('attached', 'ua-vol')] if running else [])


def test_check_mode_follows_an_image_through_the_domains_of_one_task(scratch):
    """One image given to two running domains in one task: the first opens it, the second then cannot;
    a shareable one goes to both."""
    first, second = (scratch.create('q35', running=True, tag=tag, devices=SCSI) for tag in ('first', 'second'))
    for flavour, target, second_action in (('read-write', 'sdd', 'not attached'), ('shareable', 'sde', 'attached')):
        path = testbed.image(testbed.scratch_name('data'))
        alias = 'ua-' + target
        snippet = scsi_disk(path, target, flavour).replace('</disk>', "<alias name='%s'/></disk>" % alias)
        args = {'name': [first, second], 'devices': [{'xml': snippet}]}
        outcomes = check_then_run(args, [first, second], 'Failed to get "write" lock')
        assert outcomes == {first: [('attached', alias)], second: [(second_action, alias)]}


def test_check_mode_knows_a_running_drive_cannot_take_a_medium_another_domain_writes_to(scratch):
    writer = scratch.create('q35', running=True)
    iso = testbed.image(testbed.scratch_name('iso'))
    drive = ("<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='%s'/>"
             "<target dev='sda' bus='sata'/><readonly/></disk>" % iso)
    reader = scratch.create('q35', running=True, devices=drive)
    written = dx.parse(scratch.live_xml(writer)).find('devices/disk/source').get('file')
    args = {'name': reader, 'devices': [{'kind': 'disk', 'device': 'cdrom', 'target': 'sda', 'source': written}]}
    assert [action for action, _alias in check_then_run(args, [reader], 'shared "write" lock')[reader]] == \
        ['not updated']
    live = dx.parse(scratch.live_xml(reader)).find("devices/disk[@device='cdrom']/source")
    assert live.get('file') == iso
