"""Whether the host has what a running domain needs to open a device (tests/integration/
test_host_resource_prediction.py holds each rule against libvirt and QEMU): an image that is not there or that
another disk holds (kept up to date within a run), a network, a host interface, a character device's paths."""

from __future__ import annotations

import os
import socket

import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _host_resources
from ansible_collections.virtuned.libvirt.plugins.module_utils import _hypervisor

FLAVOURS = {'rw': '', 'ro': '<readonly/>', 'shared': '<shareable/>', 'shared-ro': '<readonly/><shareable/>'}


def disk(path, target, flavour='rw', device='disk', kind='file'):
    source = "<source file='%s'/>" % path if kind == 'file' else "<source dev='%s'/>" % path
    return dx.parse("<disk type='%s' device='%s'>%s<target dev='%s' bus='scsi'/>%s</disk>"
                    % (kind, device, source, target, FLAVOURS[flavour]), root_tag=None)


class Host:
    """The hypervisor as HostResources asks it: its running domains' live XML, whether it is this machine, and
    libvirt's answers about networks and host interfaces."""

    def __init__(self, running=(), local=True, networks=None, interfaces=(), usb_devices=None, seclabel=''):
        self.running = running
        self.seclabel = seclabel  # each running domain's, as its live XML has it
        self.local = local
        self.networks = networks or {}  # name -> active
        self.interfaces = interfaces
        self.usb_devices = usb_devices  # as Hypervisor.host_usb_devices reads libvirt's node devices
        self.reads = 0

    def host_usb_devices(self):
        return self.usb_devices

    def network_refusal(self, name):
        if name not in self.networks:
            return 'Network not found'
        return None if self.networks[name] else 'not active'

    def host_interface_refusal(self, name):
        return None if name in self.interfaces else 'not there'

    def is_local(self):
        return self.local

    def running_definitions(self):
        self.reads += 1
        for name, disks in self.running:
            yield name, dx.parse('<domain><name>%s</name><devices>%s</devices>%s</domain>'
                                 % (name, ''.join(dx.serialize(d) for d in disks), self.seclabel))


@pytest.fixture
def image(tmp_path):
    path = tmp_path / 'data.img'
    path.write_bytes(b'')
    return str(path)


@pytest.mark.parametrize('held, wanted, lock', [
    ('rw', 'rw', '"write" lock'), ('rw', 'ro', 'shared "write" lock'), ('rw', 'shared', '"write" lock'),
    ('rw', 'shared-ro', None),
    ('ro', 'rw', '"write" lock'), ('ro', 'ro', None), ('ro', 'shared', '"write" lock'), ('ro', 'shared-ro', None),
    ('shared', 'rw', 'shared "write" lock'), ('shared', 'ro', 'shared "write" lock'), ('shared', 'shared', None),
    ('shared', 'shared-ro', None),
    ('shared-ro', 'rw', None), ('shared-ro', 'ro', None), ('shared-ro', 'shared', None),
    ('shared-ro', 'shared-ro', None),
])
def test_qemus_image_locking(image, held, wanted, lock):
    images = _host_resources.HostResources(Host([('a', [disk(image, 'sdb', held)])]))
    reason = images.refusal('b', disk(image, 'sdc', wanted))
    if lock is None:
        assert reason is None
    else:
        assert 'Failed to get %s' % lock in reason and "domain 'a' has '%s' open as sdb" % image in reason


def test_a_cdrom_never_writes(image):
    images = _host_resources.HostResources(Host([('a', [disk(image, 'sdb', 'ro')])]))
    assert images.refusal('b', disk(image, 'sdc', device='cdrom')) is None


def test_one_image_by_two_paths_is_one_image(image, tmp_path):
    link = str(tmp_path / 'link.img')
    os.symlink(image, link)
    assert _host_resources.HostResources(Host([('a', [disk(link, 'sdb')])])).refusal('b', disk(image, 'sdc'))
    # Over a remote URI the paths are the hypervisor's: compared as they are written.
    assert _host_resources.HostResources(Host([('a', [disk(link, 'sdb')])], local=False)).refusal('b', disk(image, 'sdc')) is None


def test_an_image_that_is_not_there_is_refused_only_where_this_machine_is_the_hypervisor(tmp_path):
    missing = str(tmp_path / 'missing.img')
    assert _host_resources.HostResources(Host()).refusal('a', disk(missing, 'sdb')) == (
        "Cannot access storage file '%s': No such file or directory" % missing)
    assert _host_resources.HostResources(Host()).refusal('a', disk(missing + '/under', 'sdb', kind='block'))
    assert _host_resources.HostResources(Host(local=False)).refusal('a', disk(missing, 'sdb')) is None


@pytest.mark.parametrize('kind, path, refused', [
    ('file', 'image', None), ('file', 'folder', "'file' driver requires '{folder}' to be a regular file"),
    ('file', '/dev/null', "'file' driver requires '/dev/null' to be a regular file"),
    ('block', '/dev/null', None),
    ('block', 'image', "'host_device' driver requires '{image}' to be either a character or block device"),
])
def test_a_file_disk_opens_a_regular_file_and_a_block_disk_a_device(image, tmp_path, kind, path, refused):
    paths = {'image': image, 'folder': str(tmp_path)}
    device = disk(paths.get(path, path), 'sdb', kind=kind)
    reason = _host_resources.HostResources(Host()).refusal('a', device)
    assert reason == (refused.format(**paths) if refused else None)
    assert _host_resources.HostResources(Host(local=False)).refusal('a', device) is None


def test_a_path_this_account_may_not_look_at_is_left_to_libvirt(monkeypatch):
    def forbidden(_path):
        raise PermissionError(13, 'Permission denied')
    monkeypatch.setattr(_host_resources.os, 'stat', forbidden)
    assert _host_resources.HostResources(Host()).refusal('a', disk('/srv/private/data.img', 'sdb')) is None


def test_storage_that_is_not_a_path_is_not_judged_here():
    network = dx.parse("<disk type='network' device='disk'><source protocol='nbd' name='x'/>"
                       "<target dev='sdb' bus='scsi'/></disk>", root_tag=None)
    empty = dx.parse("<disk type='file' device='cdrom'><target dev='sdc' bus='scsi'/></disk>", root_tag=None)
    images = _host_resources.HostResources(Host())
    assert images.refusal('a', network) is None and images.refusal('a', empty) is None


def test_the_images_opened_and_closed_in_a_run_count_for_the_domains_after(image):
    host = Host([('a', [disk(image, 'sdb')])])
    images = _host_resources.HostResources(host)
    assert images.refusal('b', disk(image, 'sdc'))
    images.closed('a', disk(image, 'sdb'))  # a's disk unplugged earlier in the run
    assert images.refusal('b', disk(image, 'sdc')) is None
    images.opened('b', disk(image, 'sdc'))  # b's hot-plug predicted done
    assert "domain 'b'" in images.refusal('c', disk(image, 'sdd'))
    assert host.reads == 1  # the running domains are read once


def test_a_drive_given_a_new_medium_lets_its_old_one_go(image, tmp_path):
    other = str(tmp_path / 'other.iso')
    open(other, 'wb').close()
    images = _host_resources.HostResources(Host([('a', [disk(image, 'sdb', device='cdrom')])]))
    assert images.update_refusal('a', disk(other, 'sdb', device='cdrom')) is None
    assert images.refusal('b', disk(image, 'sdc')) is None  # the old medium is out
    assert 'open as sdb' in images.refusal('b', disk(other, 'sdc'))  # the new one is in, read-only
    # The drive's own medium does not stand in its way.
    assert images.update_refusal('a', disk(other, 'sdb', device='cdrom')) is None


def element(text):
    return dx.parse(text, root_tag=None)


@pytest.mark.parametrize('snippet, refused', [
    ("<interface type='network'><source network='default'/></interface>", 'not active'),
    ("<interface type='network'><source network='other'/></interface>", 'Network not found'),
    ("<interface type='network'><source network='lan'/></interface>", None),
    ("<interface type='bridge'><source bridge='br0'/></interface>", None),
    ("<interface type='bridge'><source bridge='br9'/></interface>", 'not there'),
    ("<interface type='direct'><source dev='eth9' mode='bridge'/></interface>", 'not there'),
    ("<interface type='user'/>", None),
    # the types that name neither a network nor a host interface
    ("<interface type='udp'><source address='127.0.0.1' port='5555'><local address='127.0.0.1' port='5556'/>"
     "</source></interface>", None),
    ("<interface type='mcast'><source address='230.0.0.1' port='5558'/></interface>", None),
    ("<interface type='server'><source address='127.0.0.1' port='5559'/></interface>", None),
    ("<interface type='client'><source address='127.0.0.1' port='5560'/></interface>", None),
])
def test_an_interface_needs_its_network_running_and_its_host_interface_there(snippet, refused):
    host = Host(networks={'default': False, 'lan': True}, interfaces=('br0', 'eth0'))
    assert _host_resources.HostResources(host).refusal('a', element(snippet)) == refused


@pytest.mark.parametrize('snippet, refused', [
    ("<serial type='file'><source path='{there}/new.log'/></serial>", None),
    ("<serial type='file'><source path='{gone}/new.log'/></serial>", 'Unable to open file'),
    ("<channel type='unix'><source mode='bind' path='{there}/new.sock'/></channel>", None),
    ("<channel type='unix'><source mode='bind' path='{gone}/new.sock'/></channel>", 'Unable to bind'),
    ("<channel type='unix'><source mode='connect' path='{there}/listening.sock'/></channel>", None),
    ("<channel type='unix'><source mode='connect' path='{there}/new.sock'/></channel>", 'unable to stat'),
    ("<serial type='dev'><source path='{there}/new-node'/></serial>", 'unable to stat'),
    ("<console type='pty'/>", None),
    ("<rng model='virtio'><backend model='random'>{there}/listening.sock</backend></rng>", None),
    ("<rng model='virtio'><backend model='random'>{there}/new-node</backend></rng>", 'is not accessible'),
    ("<rng model='virtio'><backend model='egd' type='unix'><source mode='connect' path='{there}/new.sock'/>"
     "</backend></rng>", 'unable to stat'),
])
def test_a_character_device_finds_what_it_opens_and_the_directory_of_what_it_creates(tmp_path, snippet, refused):
    (tmp_path / 'listening.sock').write_bytes(b'')
    device = element(snippet.format(there=tmp_path, gone=tmp_path / 'gone'))
    reason = _host_resources.HostResources(Host()).refusal('a', device)
    assert (reason is None) if refused is None else (refused in reason), reason
    assert _host_resources.HostResources(Host(local=False)).refusal('a', device) is None


@pytest.mark.parametrize('snippet', [
    "<input type='passthrough' bus='virtio'><source evdev='{path}'/></input>",
    "<rng model='virtio'><backend model='random'>{path}</backend></rng>",
])
def test_a_device_node_handed_to_qemu_must_be_there(tmp_path, snippet):
    node = tmp_path / 'event0'
    device = element(snippet.format(path=node))
    assert 'is not accessible' in _host_resources.HostResources(Host()).refusal('a', device)
    node.write_bytes(b'')
    assert _host_resources.HostResources(Host()).refusal('a', device) is None


def test_a_vsock_needs_the_hosts_vhost_vsock_device(tmp_path, monkeypatch):
    monkeypatch.setattr(_host_resources, 'VHOST_VSOCK', str(tmp_path / 'vhost-vsock'))
    vsock = element("<vsock model='virtio'><cid auto='yes'/></vsock>")
    assert 'vhost-vsock' in _host_resources.HostResources(Host()).refusal('a', vsock)
    (tmp_path / 'vhost-vsock').write_bytes(b'')
    assert _host_resources.HostResources(Host()).refusal('a', vsock) is None


@pytest.mark.parametrize('mode, path, refused', [
    ('client', 'listening.sock', None), ('client', 'new.sock', 'Failed to connect'),
    ('server', 'new.sock', None), ('server', 'gone/new.sock', 'Failed to bind socket'),
])
def test_a_vhost_user_interface_finds_its_socket_or_the_directory_of_the_one_it_creates(tmp_path, mode, path, refused):
    (tmp_path / 'listening.sock').write_bytes(b'')
    interface = element("<interface type='vhostuser'><source type='unix' path='%s' mode='%s'/></interface>"
                        % (tmp_path / path, mode))
    reason = _host_resources.HostResources(Host()).refusal('a', interface)
    assert (reason is None) if refused is None else (refused in reason), reason
    assert _host_resources.HostResources(Host()).update_refusal('a', interface) is None  # a running one keeps it


@pytest.mark.parametrize('target, refused', [
    ("<target dev='tap0'/>", 'The tap0 interface already exists'),
    ("<target dev='tap1'/>", None),
    ("<target dev='vnet0'/>", None),  # a name libvirt drops and makes anew
    ("<target dev='tap0' managed='no'/>", None),
    ("<target dev='tap1' managed='no'/>", "specified dev doesn't exist"),
    ('', None),
])
def test_an_ethernet_interface_makes_a_tap_not_there_yet_or_takes_one_that_is(tmp_path, monkeypatch, target, refused):
    monkeypatch.setattr(_host_resources, 'NETWORK_DEVICES', str(tmp_path))
    (tmp_path / 'tap0').mkdir()
    (tmp_path / 'vnet0').mkdir()
    interface = element("<interface type='ethernet'>%s</interface>" % target)
    reason = _host_resources.HostResources(Host()).refusal('a', interface)
    assert (reason is None) if refused is None else (refused in reason), reason
    assert _host_resources.HostResources(Host()).update_refusal('a', interface) is None  # a running one keeps its tap
    assert _host_resources.HostResources(Host(local=False)).refusal('a', interface) is None


def typed_disk(path, image_format, extra=''):
    return dx.parse("<disk type='file' device='disk'><driver name='qemu' type='%s'/><source file='%s'/>"
                    "<target dev='sdb' bus='scsi'/>%s</disk>" % (image_format, path, extra), root_tag=None)


class QemuImg:
    """Stands in for module.run_command running qemu-img: refuses the formats in refused, records each call."""

    def __init__(self, refused=()):
        self.refused = refused
        self.calls = []

    def __call__(self, argv):
        self.calls.append(argv)
        image_format = argv[argv.index('--format') + 1]
        if image_format in self.refused:
            return 1, '', "qemu-img: Could not open '%s': Image is not in %s format\n" % (argv[-1], image_format)
        return 0, '{}', ''


@pytest.fixture
def qemu_img(monkeypatch):
    monkeypatch.setattr(_host_resources.shutil, 'which', lambda name: '/usr/bin/' + name)
    return QemuImg(refused=('qcow2',))


def test_an_image_format_is_asked_of_qemu_img_once_a_run(image, qemu_img):
    images = _host_resources.HostResources(Host(), qemu_img)
    reason = images.refusal('a', typed_disk(image, 'qcow2'))
    assert reason == "QEMU would not open the image as qcow2: Could not open '%s': Image is not in qcow2 format" % image
    assert images.refusal('b', typed_disk(image, 'qcow2')) == reason
    assert images.refusal('a', typed_disk(image, 'vmdk')) is None
    assert qemu_img.calls == [
        ['/usr/bin/qemu-img', 'info', '--force-share', '--output=json', '--format', 'qcow2', '--backing-chain', image],
        ['/usr/bin/qemu-img', 'info', '--force-share', '--output=json', '--format', 'vmdk', '--backing-chain', image]]


def test_a_definition_that_gives_the_backing_chain_is_asked_about_its_image_alone(image, qemu_img):
    given = "<backingStore type='file'><format type='raw'/><source file='/srv/base.img'/></backingStore>"
    _host_resources.HostResources(Host(), qemu_img).refusal('a', typed_disk(image, 'vmdk', given))
    assert qemu_img.calls[0][-2:] == ['vmdk', image]


@pytest.mark.parametrize('image_format', ['raw', None])
def test_a_raw_image_opens_whatever_the_file_holds(image, qemu_img, image_format):
    device = typed_disk(image, image_format) if image_format else disk(image, 'sdb')
    assert _host_resources.HostResources(Host(), qemu_img).refusal('a', device) is None
    assert qemu_img.calls == []


def test_image_formats_are_not_judged_without_qemu_img_or_over_a_remote_uri(image, qemu_img, monkeypatch):
    assert _host_resources.HostResources(Host(local=False), qemu_img).refusal('a', typed_disk(image, 'qcow2')) is None
    assert _host_resources.HostResources(Host()).refusal('a', typed_disk(image, 'qcow2')) is None
    monkeypatch.setattr(_host_resources.shutil, 'which', lambda name: None)
    assert _host_resources.HostResources(Host(), qemu_img).refusal('a', typed_disk(image, 'qcow2')) is None
    assert qemu_img.calls == []


# A USB device as libvirt's node device driver describes it (virsh nodedev-dumpxml usb_1_2).
NODE_DEVICE = """<device><name>usb_%(bus)d_%(device)d</name><parent>usb_usb%(bus)d</parent><driver><name>usb</name></driver>
<capability type='usb_device'><bus>%(bus)d</bus><device>%(device)d</device>
<product id='0x%(product)04x'>Token</product><vendor id='0x%(vendor)04x'>Maker</vendor></capability></device>"""
TOKEN = {'vendor': 0x1050, 'product': 0x0407, 'bus': 3, 'device': 2}
SECOND_TOKEN = dict(TOKEN, device=5)


@pytest.fixture
def usb_host(tmp_path, monkeypatch):
    """A host with USB: the directory libvirt searches for USB devices is there."""
    monkeypatch.setattr(_host_resources, 'USB_DEVICES', str(tmp_path))


def usb_hostdev(source, policy=''):
    return dx.parse("<hostdev mode='subsystem' type='usb' managed='yes'><source%s>%s</source></hostdev>"
                    % (policy and " startupPolicy='%s'" % policy, source), root_tag=None)


def test_a_node_device_reads_as_a_hostdev_source_asks():
    found = _hypervisor._usb_device(dx.parse(NODE_DEVICE % TOKEN, root_tag='device'))
    assert found == TOKEN
    asked = dx.usb_source(usb_hostdev("<vendor id='0x1050'/><product id='0x0407'/><address bus='003' device='2'/>")
                          .find('source'))
    assert asked == TOKEN  # a bus written with leading zeros, as lsusb shows it


@pytest.mark.parametrize('source, on_host, refused', [
    ("<vendor id='0x1050'/><product id='0x0407'/>", [TOKEN], None),
    ("<vendor id='0x1050'/><product id='0x0407'/>", [], 'Did not find USB device vendor:1050 product:407'),
    ("<vendor id='0x1050'/><product id='0x0408'/>", [TOKEN], 'Did not find USB device'),
    ("<vendor id='0x1050'/><product id='0x0407'/>", [TOKEN, SECOND_TOKEN], 'Multiple USB devices for vendor:1050 product:407'),
    ("<vendor id='0x1050'/><product id='0x0407'/><address bus='3' device='5'/>", [TOKEN, SECOND_TOKEN], None),
    ("<vendor id='0x1050'/><product id='0x0407'/><address bus='3' device='9'/>", [TOKEN, SECOND_TOKEN],
     'Did not find USB device vendor:1050 product:407 bus:3 device:9'),
    ("<vendor id='0x1050'/><product id='0x0407'/><address bus='0' device='0'/>", [TOKEN], None),
    ("<address bus='3' device='2'/>", [TOKEN], None),
    ("<address bus='1' device='2'/>", [TOKEN], 'Did not find USB device bus:1 device:2'),
])
def test_a_usb_device_is_looked_for_as_libvirt_looks_for_it(usb_host, source, on_host, refused):
    reason = _host_resources.HostResources(Host(usb_devices=on_host)).refusal('a', usb_hostdev(source))
    if refused is None:
        assert reason is None
    else:
        assert refused in reason


@pytest.mark.parametrize('policy, plugged, started', [
    ('optional', True, True), ('requisite', True, False), ('mandatory', False, False), ('', False, False),
])
def test_a_usb_device_not_required_at_start_or_on_a_hot_plug_may_be_missing(usb_host, policy, plugged, started):
    """libvirt requires a USB device unless it is optional, or requisite and not at a cold boot."""
    device = usb_hostdev("<vendor id='0x1050'/><product id='0x0407'/>", policy)
    domain = dx.parse("<domain><name>a</name><devices>%s</devices></domain>" % dx.serialize(device))
    assert (_host_resources.HostResources(Host(usb_devices=[])).refusal('a', device) is None) is plugged
    assert (_host_resources.HostResources(Host(usb_devices=[])).start_refusal('a', domain) is None) is started


def test_usb_devices_are_not_judged_when_libvirt_does_not_list_them(usb_host):
    device = usb_hostdev("<vendor id='0x1050'/><product id='0x0407'/>")
    assert _host_resources.HostResources(Host(usb_devices=None)).refusal('a', device) is None


@pytest.mark.parametrize('policy', ['', 'optional'])
def test_on_a_host_without_usb_libvirt_finds_no_usb_device_whatever_its_policy(tmp_path, monkeypatch, policy):
    monkeypatch.setattr(_host_resources, 'USB_DEVICES', str(tmp_path / 'usb'))
    device = usb_hostdev("<address bus='3' device='2'/>", policy)  # TOKEN's address
    reason = _host_resources.HostResources(Host(usb_devices=[TOKEN])).refusal('a', device)
    assert reason == "cannot open directory '%s': No such file or directory" % (tmp_path / 'usb')
    assert _host_resources.HostResources(Host(local=False, usb_devices=[TOKEN])).refusal('a', device) is None


# The DAC label of a running domain's live XML, as libvirt 9.0 writes it for a QEMU running as libvirt-qemu.
DAC = ("<seclabel type='dynamic' model='dac' relabel='%s'><label>+%d:+%d</label>"
       "<imagelabel>+%d:+%d</imagelabel></seclabel>")


@pytest.mark.parametrize('mode, flavour, device, refused', [
    (0o444, 'rw', 'disk', True), (0o444, 'ro', 'disk', False), (0o444, 'rw', 'cdrom', False),
    (0o644, 'rw', 'disk', False), (0o600, 'shared', 'disk', False),
    (0o000, 'ro', 'disk', True), (0o066, 'ro', 'disk', True),  # the owner's bits, whoever else may read
])
def test_an_image_libvirt_gives_to_qemus_account_opens_as_its_owner_bits_allow(image, mode, flavour, device, refused):
    os.chmod(image, mode)
    images = _host_resources.HostResources(Host([('a', [])], seclabel=DAC % ('yes', 64055, 64055, 64055, 64055)))
    reason = images.refusal('a', disk(image, 'sdb', flavour, device=device))
    assert (reason is not None) is refused, reason
    if refused:
        assert reason == "Could not open '%s': Permission denied (for uid 64055)" % image


@pytest.mark.parametrize('seclabel, local, own_label', [
    (DAC % ('yes', 0, 0, 0, 0), True, ''),  # QEMU as root
    (DAC % ('no', 64055, 64055, 64055, 64055), True, ''),  # libvirt leaves the images as they are
    (DAC % ('yes', 64055, 64055, 1000, 1000), True, ''),  # the image goes to another account
    ('', True, ''),
    (DAC % ('yes', 64055, 64055, 64055, 64055), False, ''),
    (DAC % ('yes', 64055, 64055, 64055, 64055), True, "<seclabel model='dac' relabel='no'/>"),  # this disk's own
])
def test_permission_bits_are_not_judged_where_libvirt_does_not_give_the_image_to_qemus_account(
        image, seclabel, local, own_label):
    os.chmod(image, 0o444)
    device = disk(image, 'sdb')
    if own_label:
        device.find('source').append(dx.parse(own_label, root_tag=None))
    images = _host_resources.HostResources(Host([('a', [])], local=local, seclabel=seclabel))
    assert images.refusal('a', device) is None


def domain(*devices):
    return dx.parse('<domain><name>a</name><devices>%s</devices></domain>' % ''.join(dx.serialize(d) for d in devices))


def test_a_start_opens_every_device_and_stops_at_the_first_refusal(image, tmp_path):
    missing = str(tmp_path / 'missing.img')
    started = _host_resources.HostResources(Host())
    assert started.start_refusal('a', domain(disk(image, 'sda'), disk(missing, 'sdb'))) == (
        "Cannot access storage file '%s': No such file or directory" % missing)
    network = element("<interface type='network'><source network='default'/></interface>")
    assert 'not active' in _host_resources.HostResources(Host(networks={'default': False})).start_refusal(
        'a', domain(disk(image, 'sda'), network))


@pytest.mark.parametrize('policy, refused', [('optional', False), ('requisite', True), ('mandatory', True)])
def test_a_start_goes_without_a_missing_medium_only_when_it_is_optional(tmp_path, policy, refused):
    cdrom = disk(str(tmp_path / 'missing.iso'), 'sdb', 'ro', device='cdrom')
    cdrom.find('source').set('startupPolicy', policy)
    reason = _host_resources.HostResources(Host()).start_refusal('a', domain(cdrom))
    assert (reason is not None) is refused, reason


def test_a_start_counts_the_images_its_own_disks_and_the_domains_started_before_open(image):
    images = _host_resources.HostResources(Host())
    assert 'open as sda' in images.start_refusal('a', domain(disk(image, 'sda'), disk(image, 'sdb')))
    shared = _host_resources.HostResources(Host())
    assert shared.start_refusal('a', domain(disk(image, 'sda', 'shared'))) is None
    assert shared.start_refusal('b', domain(disk(image, 'sda', 'shared'))) is None
    assert "domain 'a'" in shared.start_refusal('c', domain(disk(image, 'sda')))


def ram_domain(memory="<memory unit='KiB'>2097152</memory>", extra='', arch='x86_64'):
    return dx.parse("<domain>%s<os><type arch='%s'>hvm</type></os>%s</domain>" % (memory, arch, extra))


@pytest.mark.parametrize('definition, allocations', [
    (ram_domain(), [2097152]),
    (ram_domain("<memory unit='KiB'>2097153</memory>"), [2098176]),  # libvirt rounds up to 1 MiB
    (ram_domain("<memory unit='GB'>1</memory>"), [976896]),  # 10^9 bytes, rounded up to 1 MiB
    (ram_domain("<memory unit='KiB'>2097153</memory>", arch='ppc64'), [2359296]),  # to 256 MiB
    (ram_domain(extra="<cpu><numa><cell id='0' cpus='0' memory='1' unit='GiB'/>"
                      "<cell id='1' cpus='1' memory='100'/></numa></cpu>"), [1048576, 1024]),  # one per NUMA cell
    (ram_domain(extra="<memoryBacking><nosharepages/><discard/><allocation mode='immediate'/></memoryBacking>"), [2097152]),
    (ram_domain(extra='<memoryBacking><hugepages/></memoryBacking>'), None),
    (ram_domain(extra="<memoryBacking><source type='memfd'/></memoryBacking>"), None),
    (ram_domain(extra="<memoryBacking><access mode='shared'/></memoryBacking>"), None),
    (ram_domain(extra="<maxMemory slots='4' unit='KiB'>8388608</maxMemory>"), None),
    (ram_domain("<memory unit='parsecs'>1</memory>"), None),
])
def test_the_guest_ram_qemu_allocates_privately_is_the_memory_or_each_cell_as_libvirt_rounds_it(definition, allocations):
    assert _host_resources.ram_allocations(definition) == allocations


@pytest.fixture
def kernel(tmp_path, monkeypatch):
    """Write the overcommit mode and the RAM and swap (KiB) the host's kernel reports."""
    def write(mode, ram, swap):
        (tmp_path / 'mode').write_text('%s\n' % mode)
        (tmp_path / 'meminfo').write_text('MemTotal:  %8d kB\nMemFree:  1 kB\nSwapTotal:  %8d kB\n' % (ram, swap))
    monkeypatch.setattr(_host_resources, 'OVERCOMMIT_MODE', str(tmp_path / 'mode'))
    monkeypatch.setattr(_host_resources, 'MEMINFO', str(tmp_path / 'meminfo'))
    return write


@pytest.mark.parametrize('mode, ram, swap, local, refused', [
    (0, 2097152, 0, True, False),  # at the limit
    (0, 2097151, 0, True, True),
    (0, 1048576, 1048576, True, False),  # swap counts
    (1, 1024, 0, True, False),  # the kernel grants any allocation
    (2, 1024, 0, True, False),  # a commit limit shared by every process: not judged
    (0, 1024, 0, False, False),  # a remote hypervisor's kernel is not read
])
def test_a_start_is_refused_guest_ram_larger_than_the_kernel_grants_one_allocation(kernel, mode, ram, swap, local, refused):
    kernel(mode, ram, swap)
    reason = _host_resources.HostResources(Host(local=local)).start_refusal('a', ram_domain())
    assert bool(reason) is refused, reason
    if refused:
        assert reason == ('cannot set up guest memory: Cannot allocate memory (2097152 KiB at once; the kernel allows '
                          "one allocation of at most the host's RAM and swap, 2097151 KiB)")


def graphics(snippet):
    return dx.parse("<domain><name>d</name><devices>%s</devices></domain>" % snippet)


@pytest.mark.parametrize('snippet, taken, fixed', [
    ("<graphics type='vnc' port='5901' autoport='no' websocket='5701' listen='127.0.0.1'/>",
     [(5901, '127.0.0.1'), (5701, '127.0.0.1')], [(5901, '127.0.0.1'), (5701, '127.0.0.1')]),
    ("<graphics type='vnc' port='5901' autoport='yes'><listen type='address' address='0.0.0.0'/></graphics>",
     [(5901, '0.0.0.0')], []),  # picked at start
    ("<graphics type='vnc' port='-1' autoport='yes' websocket='-1'/>", [], []),
    ("<graphics type='spice' port='5902' tlsPort='5903' autoport='no'/>", [(5902, None), (5903, None)],
     [(5902, None), (5903, None)]),
    ("<graphics type='vnc' port='5904' autoport='no'><listen type='socket'/></graphics>", [], []),
    ("<graphics type='vnc' port='5904' autoport='no'><listen type='none'/></graphics>", [], []),
    ("<graphics type='sdl'/><graphics type='rdp' port='3389'/>", [], []),
])
def test_the_ports_graphics_take_on_the_host(snippet, taken, fixed):
    assert _host_resources.graphics_ports(graphics(snippet)) == taken
    assert _host_resources.graphics_ports(graphics(snippet), fixed_only=True) == fixed


def test_a_start_is_refused_a_fixed_port_a_running_domain_or_one_started_before_takes():
    running = dx.parse("<graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1'/>", root_tag=None)
    host = _host_resources.HostResources(Host([('a', [running])], local=False))
    assert host.start_refusal('b', graphics("<graphics type='vnc' port='5901' autoport='no'/>")) == (
        "Failed to reserve port 5901: domain 'a' takes it")
    assert host.start_refusal('c', graphics("<graphics type='spice' port='5902' autoport='no'/>")) is None
    assert 'domain \'c\'' in host.start_refusal('d', graphics("<graphics type='vnc' port='5902' autoport='no'/>"))


def test_a_start_is_refused_a_fixed_port_another_program_listens_on_at_its_address():
    with socket.socket() as program:
        program.bind(('127.0.0.1', 0))
        program.listen()
        port = program.getsockname()[1]
        for local, address, refused in ((True, '127.0.0.1', True), (True, '0.0.0.0', True), (True, '127.0.0.2', False),
                                        (False, '127.0.0.1', False)):
            definition = graphics("<graphics type='vnc' port='%d' autoport='no' listen='%s'/>" % (port, address))
            reason = _host_resources.HostResources(Host(local=local)).start_refusal('a', definition)
            assert (reason == 'port %d at %s: Address already in use (another program listens there)'
                    % (port, address)) is refused, (address, reason)
