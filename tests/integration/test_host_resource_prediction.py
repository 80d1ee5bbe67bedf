"""Check mode's prediction of hot-plugs and live updates refused for what they open on the host, against the real
libvirtd and QEMU: an image that is not there or that another disk holds under QEMU's image locking, a network
that is not there or not running, a bridge or host interface that is not there, a character device's file,
socket or device node. No definition check sees these; check mode must say what the run then reports."""

from __future__ import annotations

import itertools
import os
import subprocess
import uuid

import libvirt
import pytest

import testbed
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _host_resources
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
            predicted = _host_resources.HostResources(hypervisor).refusal(opener, dx.parse(new, root_tag=None))
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
    they refuse one, both errors carry fragment (what is missing, named alike by both). Returns the run's live
    changes per domain."""
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
    # QEMU opens a file disk's path only when it is a regular file, a block disk's when it is a device.
    ({'source': '{folder}'}, "'file' driver requires"),
    ({'type': 'block', 'source': {'dev': '{image}'}}, "'host_device' driver requires"),
])
def test_check_mode_knows_a_disk_whose_storage_is_not_there_or_not_what_it_opens(scratch, disk, fragment):
    name = scratch.create('q35', running=True)
    paths = {'folder': testbed.IMAGES, 'image': testbed.image(testbed.scratch_name('plain'))}
    source = disk['source']
    disk = dict(disk, source={'dev': source['dev'].format(**paths)} if isinstance(source, dict) else source.format(**paths))
    args = {'name': name, 'devices': [dict(disk, kind='disk', alias='data', bus='virtio')]}
    assert check_then_run(args, [name], fragment)[name] == [('not attached', 'ua-data')]


def test_check_mode_knows_qemus_account_opens_an_image_as_its_owner_bits_allow(scratch):
    """libvirt gives a hot-plugged image to the account QEMU runs as (its live DAC label), keeping the mode:
    a read-only file opens for a read-only disk, not for one that writes."""
    name = scratch.create('q35', running=True, devices=SCSI)
    images = {alias: testbed.image(testbed.scratch_name(alias)) for alias in ('writes', 'reads')}
    for path in images.values():
        os.chmod(path, 0o444)
    devices = [{'kind': 'disk', 'alias': 'writes', 'bus': 'scsi', 'source': images['writes']},
               {'kind': 'disk', 'alias': 'reads', 'bus': 'scsi', 'source': images['reads'], 'readonly': True}]
    outcomes = check_then_run({'name': name, 'devices': devices}, [name], 'Permission denied')
    assert outcomes[name] == [('not attached', 'ua-writes'), ('attached', 'ua-reads')]


def made_image(image_format, backing=None):
    """A fresh 1 MiB image: a plain file for 'raw', otherwise made by qemu-img, over backing (a qcow2 path that
    need not be there) when given."""
    if image_format == 'raw':
        return testbed.image(testbed.scratch_name('raw'))
    path = os.path.join(testbed.IMAGES, testbed.scratch_name(image_format) + '.' + image_format)
    over = ['-b', backing, '-F', 'qcow2', '-u'] if backing else []
    subprocess.run(['qemu-img', 'create', '-q', '-f', image_format] + over + [path, '1M'], check=True)
    return path


def run_command(argv):
    """module.run_command's answer, for HostResources outside a module."""
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


NOT_THERE = os.path.join(testbed.IMAGES, 'vt-test-not-there.qcow2')


@pytest.mark.parametrize('made, declared, backing', [
    ('raw', 'qcow2', None), ('raw', 'qed', None), ('raw', 'vmdk', None), ('raw', 'vdi', None), ('raw', 'vpc', None),
    ('raw', 'raw', None), ('qcow2', 'raw', None), ('qcow2', 'vmdk', None), ('vmdk', 'qcow2', None),
    ('qcow2', 'qcow2', None), ('qed', 'qed', None), ('vmdk', 'vmdk', None), ('vdi', 'vdi', None), ('vpc', 'vpc', None),
    ('qcow2', 'qcow2', NOT_THERE), ('qcow2', 'qcow2', 'made'),
])
def test_qemu_opens_an_image_as_its_declared_format_exactly_when_the_prediction_says(scratch, made, declared, backing):
    """An image made as one format, hot-plugged as another (or the same), over a backing file that is there or
    not: QEMU refuses it exactly when qemu-img does, for the same reason."""
    name = scratch.create('q35', running=True, devices=SCSI)
    path = made_image(made, made_image('qcow2') if backing == 'made' else backing)
    new = ("<disk type='file' device='disk'><driver name='qemu' type='%s'/><source file='%s'/>"
           "<target dev='sdb' bus='scsi'/></disk>" % (declared, path))
    with Hypervisor(testbed.URI) as hypervisor:
        predicted = _host_resources.HostResources(hypervisor, run_command).refusal(name, dx.parse(new, root_tag=None))
    refused = testbed.live_refusal(scratch.dom(name).attachDeviceFlags, new)
    assert (predicted is None) == (refused is None), (predicted, refused)
    assert (refused is None) == ((made == declared or declared == 'raw') and backing != NOT_THERE)
    if refused:  # QEMU's reason, or the backing file libvirt did not find
        assert (NOT_THERE if backing else refused.split("'blockdev-add': ")[1]) in predicted, (predicted, refused)


def test_check_mode_knows_qemu_would_not_open_a_running_disk_image(scratch):
    """virt_device: a raw file given as qcow2, a qcow2 image over a backing file that is not there, and a sound
    qcow2 image, hot-plugged in one task; check mode makes the run's live changes."""
    name = scratch.create('q35', running=True, devices=SCSI)
    sources = {'wrong-format': made_image('raw'), 'no-backing': made_image('qcow2', NOT_THERE),
               'sound': made_image('qcow2')}
    args = {'name': name, 'devices': [{'kind': 'disk', 'alias': alias, 'bus': 'scsi', 'source': source,
                                       'driver': {'name': 'qemu', 'type': 'qcow2'}}
                                      for alias, source in sources.items()]}
    planned = testbed.run_module('virt_device', args, check=True)
    result = testbed.run_module('virt_device', args)
    changes = [_live_changes(outcome, name) for outcome in (planned, result)]
    assert changes[0][0] == changes[1][0] == [
        ('not attached', 'ua-wrong-format'), ('not attached', 'ua-no-backing'), ('attached', 'ua-sound')]
    for errors in (changes[0][1], changes[1][1]):
        assert 'Image is not in qcow2 format' in errors[0] and NOT_THERE in errors[1], errors


def test_check_mode_asks_libvirt_for_the_usb_device_a_running_domain_would_take(scratch):
    """A USB host device libvirt's node devices do not list (the test host has none) is not plugged into a
    running domain; check mode says so, and both keep it in the definition for a cold boot."""
    assert not scratch.conn.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_DEV)
    name = scratch.create('q35', running=True, devices="<controller type='usb' model='qemu-xhci'/>")
    args = {'name': name, 'devices': [{'alias': 'token', 'xml': "<hostdev mode='subsystem' type='usb' managed='yes'>"
                                       "<source><vendor id='0x1050'/><product id='0x0407'/></source></hostdev>"}]}
    planned = testbed.run_module('virt_device', args, check=True)
    result = testbed.run_module('virt_device', args)
    assert _live_changes(planned, name)[0] == _live_changes(result, name)[0] == [('not attached', 'ua-token')]
    # What libvirt says depends on whether the host has USB at all (this one has not).
    said = 'Did not find USB device' if os.path.exists('/sys/bus/usb/devices') else "cannot open directory '/sys/bus/usb/devices'"
    assert said in _live_changes(planned, name)[1][0] and said in _live_changes(result, name)[1][0]
    assert planned['reboot_required'] == result['reboot_required'] == [name]
    assert "<vendor id='0x1050'/>" in scratch.inactive_xml(name)


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


@pytest.fixture
def bridge():
    """A bridge on the host, there for the test only."""
    name = 'vtbr' + uuid.uuid4().hex[:8]
    subprocess.run(['ip', 'link', 'add', name, 'type', 'bridge'], check=True)
    yield name
    subprocess.run(['ip', 'link', 'del', name], check=True)


@pytest.fixture
def network(scratch):
    """An isolated libvirt network (no addresses, so no DHCP server), defined and running."""
    name = testbed.scratch_name('net')
    defined = scratch.conn.networkDefineXML("<network><name>%s</name><bridge name='vtnb%s'/></network>"
                                            % (name, uuid.uuid4().hex[:8]))
    defined.create()
    yield defined
    if defined.isActive():
        defined.destroy()
    defined.undefine()


def test_check_mode_asks_libvirt_for_the_network_and_the_host_interface_of_an_interface(scratch, bridge, network):
    name = testbed.running_with_acpi(scratch, 'q35', devices=testbed.SPARE_ROOT_PORTS)

    def outcome(alias, kind, source, fragment):
        spec = {'kind': 'interface', 'alias': alias, 'type': kind, 'source': source, 'model': 'virtio'}
        return check_then_run({'name': name, 'devices': [spec]}, [name], fragment)[name]

    assert outcome('br', 'bridge', {'bridge': bridge}, None) == [('attached', 'ua-br')]
    assert outcome('net', 'network', {'network': network.name()}, None) == [('attached', 'ua-net')]
    network.destroy()
    assert outcome('down', 'network', {'network': network.name()}, 'is not active') == [('not attached', 'ua-down')]
    assert outcome('nonet', 'network', {'network': 'vt-test-no-such-network'}, "'vt-test-no-such-network'") == [
        ('not attached', 'ua-nonet')]
    assert outcome('nobr', 'bridge', {'bridge': 'vtbr-missing'}, 'vtbr-missing') == [('not attached', 'ua-nobr')]
    assert outcome('nodev', 'direct', {'dev': 'vtdev-missing', 'mode': 'bridge'}, 'vtdev-missing') == [
        ('not attached', 'ua-nodev')]


def test_check_mode_knows_a_running_interface_cannot_be_updated_without_its_network_or_bridge(
        scratch, bridge, network):
    """libvirt resolves a running interface's network on every live update (a link state change too), and a
    bridge it moves to must be there."""
    interfaces = ("<interface type='bridge'><mac address='52:54:00:00:10:01'/><source bridge='%s'/>"
                  "<model type='virtio'/><alias name='ua-br'/></interface>"
                  "<interface type='network'><mac address='52:54:00:00:10:02'/><source network='%s'/>"
                  "<model type='virtio'/><alias name='ua-net'/></interface>" % (bridge, network.name()))
    name = testbed.running_with_acpi(scratch, 'q35', devices=testbed.SPARE_ROOT_PORTS + interfaces)
    moved = {'kind': 'interface', 'alias': 'br', 'type': 'bridge', 'source': {'bridge': 'vtbr-missing'}}
    assert check_then_run({'name': name, 'devices': [moved]}, [name], 'vtbr-missing')[name] == [
        ('not updated', 'ua-br')]
    network.destroy()
    down = {'xml': "<interface type='network'><mac address='52:54:00:00:10:02'/><source network='%s'/>"
                   "<model type='virtio'/><link state='down'/><alias name='ua-net'/></interface>" % network.name()}
    assert check_then_run({'name': name, 'devices': [down]}, [name], 'is not active')[name] == [
        ('not updated', 'ua-net')]


MISSING = os.path.join(testbed.IMAGES, 'vt-test-no-such-directory')


@pytest.mark.parametrize('snippet, fragment', [
    # What a character device creates needs its directory; what it (or another device) opens must be there.
    ("<serial type='file'><source path='{there}/serial.log'/><target type='usb-serial' port='1'/></serial>", None),
    ("<serial type='file'><source path='{gone}/serial.log'/><target type='usb-serial' port='1'/></serial>", '{gone}'),
    ("<channel type='unix'><source mode='bind' path='{there}/agent.sock'/><target type='virtio' name='org.vt.0'/>"
     "</channel>", None),
    ("<channel type='unix'><source mode='bind' path='{gone}/agent.sock'/><target type='virtio' name='org.vt.0'/>"
     "</channel>", '{gone}'),
    ("<channel type='unix'><source mode='connect' path='{there}/nobody.sock'/><target type='virtio' name='org.vt.0'/>"
     "</channel>", 'nobody.sock'),
    ("<serial type='dev'><source path='/dev/vt-test-no-such-node'/><target type='usb-serial' port='1'/></serial>",
     'vt-test-no-such-node'),
    ("<rng model='virtio'><backend model='random'>/dev/vt-test-no-such-node</backend></rng>", 'vt-test-no-such-node'),
    ("<rng model='virtio'><backend model='egd' type='unix'><source mode='connect' path='{there}/nobody.sock'/>"
     "</backend></rng>", 'nobody.sock'),
    ("<input type='passthrough' bus='virtio'><source evdev='/dev/input/vt-test-no-such-node'/></input>",
     'vt-test-no-such-node'),
    ("<vsock model='virtio'><cid auto='yes'/></vsock>", None if os.path.exists('/dev/vhost-vsock') else 'vhost-vsock'),
    # A vhost-user socket QEMU connects to must be there, the directory of one it creates too (one that is
    # there waits for a vhost-user backend, which the test host lacks).
    ("<interface type='vhostuser'><source type='unix' path='{there}/nobody.sock' mode='client'/>"
     "<model type='virtio'/></interface>", 'nobody.sock'),
    ("<interface type='vhostuser'><source type='unix' path='{gone}/backend.sock' mode='server'/>"
     "<model type='virtio'/></interface>", '{gone}'),
    # A tap libvirt creates must not be there yet; one it is given must be (see the test below).
    ("<interface type='ethernet'><target dev='lo'/><model type='virtio'/></interface>", 'The lo interface already exists'),
    ("<interface type='ethernet'><target dev='vttestnotap' managed='no'/><model type='virtio'/></interface>",
     "specified dev doesn't exist"),
    ("<interface type='ethernet'><target dev='vnet4095'/><model type='virtio'/></interface>", None),  # a name libvirt drops
])
def test_check_mode_knows_what_a_device_opens_on_the_host(scratch, snippet, fragment):
    name = testbed.running_with_acpi(scratch, 'q35', devices=testbed.SPARE_ROOT_PORTS
                                     + "<controller type='virtio-serial' index='0'/>")
    there = os.path.join(testbed.IMAGES, testbed.scratch_name('chardev'))
    os.makedirs(there)
    values = {'there': there, 'gone': MISSING}
    body, closing = snippet.format(**values).rsplit('</', 1)
    device = "%s<alias name='ua-dev'/></%s" % (body, closing)
    action = 'attached' if fragment is None else 'not attached'
    fragment = fragment.format(**values) if fragment else None
    assert check_then_run({'name': name, 'devices': [{'xml': device}]}, [name], fragment)[name] == [(action, 'ua-dev')]


@pytest.fixture
def tap():
    """A tap device on the host, made outside libvirt (asked for before scratch: the domains holding it go
    first)."""
    name = 'vttap' + uuid.uuid4().hex[:8]
    subprocess.run(['ip', 'tuntap', 'add', 'dev', name, 'mode', 'tap'], check=True)
    yield name
    subprocess.run(['ip', 'tuntap', 'del', 'dev', name, 'mode', 'tap'], check=True)


def test_check_mode_knows_an_ethernet_interface_takes_a_tap_given_to_it_and_makes_a_new_one(tap, scratch):
    name = testbed.running_with_acpi(scratch, 'q35', devices=testbed.SPARE_ROOT_PORTS)
    given = {'kind': 'interface', 'alias': 'given', 'type': 'ethernet', 'model': 'virtio',
             'target': {'dev': tap, 'managed': 'no'}}
    made = {'kind': 'interface', 'alias': 'made', 'type': 'ethernet', 'model': 'virtio',
            'target': {'dev': 'vt' + uuid.uuid4().hex[:8]}}
    taken = {'kind': 'interface', 'alias': 'taken', 'type': 'ethernet', 'model': 'virtio', 'target': {'dev': tap}}
    outcomes = check_then_run({'name': name, 'devices': [given, made, taken]}, [name], 'already exists')
    assert outcomes[name] == [('attached', 'ua-given'), ('attached', 'ua-made'), ('not attached', 'ua-taken')]
