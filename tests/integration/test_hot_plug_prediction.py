"""Check mode's prediction of refused hot-(un)plugs, against the real libvirtd: every entry of the table of
devices libvirt never plugs live is refused by it, on attach and on detach (and the devices just outside the
table are taken); a device held where it sits (its PCI slot, the disks on its controller) is not unplugged;
check mode's live_changes match the run's with and without room in the running domain."""

from __future__ import annotations

import os

import pytest

import testbed
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _hotplug
from ansible_collections.virtuned.libvirt.plugins.module_utils._hypervisor import Hypervisor

# A device of each entry of _hotplug's table, with a piece of libvirt's (or QEMU's) refusal; machine: where
# the device makes sense (an IDE disk needs i440fx's IDE controller).
NEVER_LIVE = [
    ('q35', "<video><model type='virtio'/></video>", "live attach of device 'video' is not supported"),
    ('q35', "<sound model='ich9'/>", "live attach of device 'sound' is not supported"),
    ('q35', "<memballoon model='virtio'/>", "live attach of device 'memballoon' is not supported"),
    ('q35', "<panic model='isa'/>", "live attach of device 'panic' is not supported"),
    ('q35', "<graphics type='vnc' port='-1'/>", "live attach of device 'graphics' is not supported"),
    ('q35', "<hub type='usb'/>", "live attach of device 'hub' is not supported"),
    ('q35', "<iommu model='intel'/>", "live attach of device 'iommu' is not supported"),
    ('q35', "<audio id='2' type='none'/>", "live attach of device 'audio' is not supported"),
    ('q35', "<redirfilter><usbdev allow='no'/></redirfilter>", "unknown device type 'redirfilter'"),
    ('q35', "<tpm model='tpm-crb'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>",
     "live attach of device 'tpm' is not supported"),
    ('q35', "<smartcard mode='passthrough' type='tcp'><source mode='bind' host='127.0.0.1' service='0'/></smartcard>",
     'lacks multiple smartcard support'),
    ('q35', "<disk type='file' device='floppy'><target dev='fda' bus='fdc'/></disk>",
     "floppy device hotplug isn't supported"),
    ('q35', "<disk type='file' device='disk'><source file='{image}'/><target dev='sdf' bus='sata'/></disk>",
     'does not support hotplugging'),
    ('q35', "<disk type='file' device='cdrom'><source file='{image}'/><target dev='sdc' bus='sata'/><readonly/></disk>",
     'does not support hotplugging'),
    ('i440fx', "<disk type='file' device='disk'><source file='{image}'/><target dev='hdb' bus='ide'/></disk>",
     'does not support hotplugging'),
    ('q35', "<input type='mouse' bus='ps2'/>", "input device on bus 'ps2' cannot be hot plugged"),
    ('q35', "<controller type='usb' index='1' model='qemu-xhci'/>", "'usb' controller cannot be hot plugged"),
    ('q35', "<controller type='sata' index='1'/>", "'sata' controller cannot be hot plugged"),
    ('q35', "<controller type='virtio-serial' index='0'/>", "'virtio-serial' controller cannot be hot plugged"),
    ('i440fx', "<watchdog model='ib700'/>", 'hotplug of watchdog of model ib700 is not supported'),
    ('q35', "<filesystem type='mount' accessmode='mapped'><source dir='/tmp'/><target dir='probe'/></filesystem>",
     'only virtiofs filesystems can be hotplugged'),
    ('q35', "<serial type='pty'><target port='1'/></serial>", "does not support hotplugging"),
    ('q35', "<parallel type='pty'><target port='0'/></parallel>", "does not support hotplugging"),
]

# Just outside the table: the same kinds on a bus or model libvirt plugs live (room given).
PLUGGED_LIVE = [
    ('q35', "<disk type='file' device='disk'><source file='{image}'/><target dev='vdb' bus='virtio'/></disk>"),
    ('q35', "<disk type='file' device='disk'><source file='{image}'/><target dev='sdg' bus='usb'/></disk>"),
    ('q35', "<disk type='file' device='cdrom'><source file='{image}'/><target dev='sdh' bus='usb'/><readonly/></disk>"),
    ('q35', "<input type='tablet' bus='usb'/>"),
    ('q35', "<input type='keyboard' bus='virtio'/>"),
    ('q35', "<controller type='scsi' index='0' model='virtio-scsi'/>"),
    ('i440fx', "<watchdog model='i6300esb'/>"),
    ('q35', "<serial type='pty'><target type='usb-serial' port='2'/></serial>"),
    ('q35', "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"),
]


def _attach(scratch, machine, snippet):
    name = testbed.running_with_acpi(scratch, machine, devices=testbed.SPARE_ROOT_PORTS if machine == 'q35' else '')
    xml = snippet.format(image=testbed.image(testbed.scratch_name('hotplug')))
    return xml, testbed.live_refusal(scratch.dom(name).attachDeviceFlags, xml)


@pytest.mark.parametrize('machine, snippet, refusal', NEVER_LIVE)
def test_libvirt_refuses_every_device_the_table_says_it_never_plugs_live(scratch, machine, snippet, refusal):
    xml, error = _attach(scratch, machine, snippet)
    assert _hotplug.never_live(dx.parse(xml, root_tag=None))
    assert error is not None and refusal in error, error


@pytest.mark.parametrize('machine, snippet', PLUGGED_LIVE)
def test_libvirt_plugs_the_devices_just_outside_the_table(scratch, machine, snippet):
    xml, error = _attach(scratch, machine, snippet)
    assert _hotplug.never_live(dx.parse(xml, root_tag=None)) is None
    assert error is None


def test_libvirt_unplugs_a_pipe_character_device_but_plugs_none_nor_a_stdio_one(scratch):
    """The attach-only entries: libvirt refuses to plug them ("Hotplug unsupported for char device type"),
    and a pipe the domain started with unplugs."""
    pipe, new_pipe = (os.path.join(testbed.IMAGES, testbed.scratch_name('pipe')) for _pipe in range(2))
    for end in ('.in', '.out'):
        os.mkfifo(pipe + end)
        os.mkfifo(new_pipe + end)
    channel = "<channel type='{kind}'>{source}<target type='virtio' name='org.vt.{kind}'/><alias name='ua-{kind}'/></channel>"
    started = channel.format(kind='pipe', source="<source path='%s'/>" % pipe)
    name = testbed.running_with_acpi(scratch, 'q35', devices="<controller type='virtio-serial' index='0'/>" + started)
    news = [(channel.format(kind=kind, source=source).replace('ua-%s' % kind, 'ua-new-%s' % kind),
             "Hotplug unsupported for char device type '%s'" % kind)
            for kind, source in (('pipe', "<source path='%s'/>" % new_pipe), ('stdio', ''))]
    _plugs_refused_and_unplug_taken(scratch, name, news, 'ua-pipe')


def _plugs_refused_and_unplug_taken(scratch, name, news, running_alias):
    """news: (a device's XML, a piece of libvirt's refusal) each: the prediction refuses to plug each into the
    running domain name, as libvirt does; neither refuses to unplug its device running_alias."""
    live = dx.parse(scratch.live_xml(name))
    with Hypervisor(testbed.URI) as hypervisor:
        for new, said in news:
            assert _hotplug.attach_refusals(hypervisor, live, [dx.parse(new, root_tag=None)])[0]
            refusal = testbed.live_refusal(scratch.dom(name).attachDeviceFlags, new)
            assert refusal is not None and said in refusal, refusal
    running = next(e for e in dx.devices(live) if dx.device_alias(e) == running_alias)
    assert _hotplug.detach_refusals(live, [running]) == [None]
    assert testbed.live_refusal(scratch.dom(name).detachDeviceAlias, running_alias) is None


# An interface of each type libvirt never hot-plugs, on free local ports.
SOCKET_INTERFACES = {
    'server': "<source address='127.0.0.1' port='{port}'/>",
    'client': "<source address='127.0.0.1' port='{port}'/>",
    'mcast': "<source address='230.0.0.1' port='{port}'/>",
    'udp': "<source address='127.0.0.1' port='{port}'><local address='127.0.0.1' port='{local}'/></source>",
}


def _socket_interface(kind, alias, port):
    return ("<interface type='%s'>%s<model type='virtio'/><alias name='%s'/></interface>"
            % (kind, SOCKET_INTERFACES[kind].format(port=port, local=port + 1), alias))


def test_libvirt_unplugs_a_socket_interface_but_plugs_none(scratch):
    """The attach-only interface types: libvirt refuses to plug them ("hotplug of interface type of %s is not
    implemented yet"), and a udp one the domain started with unplugs."""
    assert set(SOCKET_INTERFACES) == set(_hotplug.NEVER_PLUGGED_INTERFACE_TYPES)
    port = 20000 + os.getpid() % 20000
    name = testbed.running_with_acpi(scratch, 'q35', devices=testbed.SPARE_ROOT_PORTS
                                     + _socket_interface('udp', 'ua-running', port))
    news = [(_socket_interface(kind, 'ua-new-' + kind, port + 2 * offset),
             'hotplug of interface type of %s is not implemented yet' % kind)
            for offset, kind in enumerate(SOCKET_INTERFACES, start=1)]
    _plugs_refused_and_unplug_taken(scratch, name, news, 'ua-running')


def _outcome(result, name):
    domain = result['domains'][name]
    return [(c['action'], c['device']['kind'], c['device']['alias']) for c in domain['live_changes']], \
        domain['reboot_required']


def test_check_mode_knows_when_a_running_domain_has_no_room_for_a_second_virtio_device(scratch):
    tight = scratch.create('q35', running=True)  # libvirt leaves one root port free: one virtio device fits
    roomy = scratch.create('q35', running=True, devices=testbed.SPARE_ROOT_PORTS)
    args = {'name': [tight, roomy], 'pointer_model': 'tablet', 'input_bus': 'virtio'}
    planned = testbed.run_module('virt_input', args, check=True)
    refused = [c for c in planned['domains'][tight]['live_changes'] if c['action'] == 'not attached']
    assert len(refused) == 1 and 'no free hot-pluggable PCI slot' in refused[0]['error']
    assert any('would fail' in warning for warning in planned['warnings'])
    result = testbed.run_module('virt_input', args)
    for name, refusals in ((tight, 1), (roomy, 0)):
        assert _outcome(planned, name) == _outcome(result, name)
        assert [c['action'] for c in result['domains'][name]['live_changes']].count('not attached') == refusals
    assert planned['reboot_required'] == result['reboot_required'] == [tight]


def test_check_mode_knows_when_a_running_domain_has_no_free_usb_port(scratch):
    """Three tablets on a 4-port xHCI controller: one more USB device fits, the next would need a hub."""
    four_ports = "<controller type='usb' index='0' model='qemu-xhci' ports='4'/>"
    name = testbed.running_with_acpi(scratch, 'q35', devices=four_ports + "<input type='tablet' bus='usb'/>" * 3)
    args = {'name': name, 'devices': [{'kind': 'input', 'alias': alias, 'type': kind, 'bus': 'usb'}
                                      for alias, kind in (('keys', 'keyboard'), ('mouse', 'mouse'))]}
    planned = testbed.run_module('virt_device', args, check=True)
    result = testbed.run_module('virt_device', args)
    assert _outcome(planned, name) == _outcome(result, name) == (
        [('attached', 'input', 'ua-keys'), ('not attached', 'input', 'ua-mouse')], True)
    assert 'No free USB ports' in result['domains'][name]['live_changes'][1]['error']


@pytest.mark.parametrize('machine, acpi, refused', [
    # The sound card never plugs live; on q35 the conventional PCI watchdog finds no PCI slot (a bridge would
    # have to be added) and the virtio RNG takes the one free root port; i440fx plugs both through ACPI only.
    ('q35', False, {'ua-snd', 'ua-dog'}),
    ('i440fx', True, {'ua-snd'}),
    ('i440fx', False, {'ua-snd', 'ua-dog', 'ua-rng'}),
])
def test_check_mode_predicts_each_hot_plug_of_a_mixed_batch(scratch, machine, acpi, refused):
    name = testbed.running_with_acpi(scratch, machine) if acpi else scratch.create(machine, running=True)
    args = {'name': name, 'devices': [{'kind': 'sound', 'alias': 'snd', 'model': 'ich9'},
                                      {'kind': 'watchdog', 'alias': 'dog', 'model': 'i6300esb'},
                                      {'kind': 'rng', 'alias': 'rng', 'model': 'virtio', 'source': '/dev/urandom'}]}
    planned = testbed.run_module('virt_device', args, check=True)
    assert testbed.parse(scratch.live_xml(name)).find('devices/rng') is None
    result = testbed.run_module('virt_device', args)
    assert _outcome(planned, name) == _outcome(result, name)
    assert {alias for action, _kind, alias in _outcome(result, name)[0] if action == 'not attached'} == refused
    assert (testbed.parse(scratch.live_xml(name)).find('devices/rng') is not None) is ('ua-rng' not in refused)


# Running domains that hold a device of each kind to unplug, by alias (a ua- one where the domain may
# name it). The q35 domain's root port 9 has a multifunction slot, root port 10 has hot-plug turned off.
RNG = "<rng model='virtio'><backend model='random'>/dev/urandom</backend><alias name='ua-%s'/>%s</rng>"
PCI = "<address type='pci' domain='0x0000' bus='%s' slot='%s' function='%s'%s/>"
UNPLUG_DOMAINS = {
    'q35': ('q35', "<acpi/><apic/><ioapic driver='qemu'/>", testbed.SPARE_ROOT_PORTS + (
        "<controller type='pci' index='9' model='pcie-root-port'/>"
        "<controller type='pci' index='10' model='pcie-root-port'><target hotplug='off'/></controller>"
        "<video><model type='virtio'/><alias name='ua-video2'/></video>"
        "<sound model='ich9'><alias name='ua-snd'/></sound>"
        "<memballoon model='virtio'><alias name='ua-balloon'/></memballoon>"
        "<panic model='isa'><alias name='ua-panic'/></panic>"
        "<hub type='usb'><alias name='ua-hub'/></hub>"
        "<iommu model='intel'><alias name='ua-iommu'/></iommu>"
        "<smartcard mode='passthrough' type='tcp'><source mode='bind' host='127.0.0.1' service='0'/></smartcard>"
        "<disk type='file' device='disk'><source file='{image}'/><target dev='sdb' bus='sata'/>"
        "<alias name='ua-sata-disk'/></disk>"
        "<disk type='file' device='cdrom'><source file='{image}'/><target dev='sdc' bus='sata'/><readonly/>"
        "<alias name='ua-sata-cdrom'/></disk>"
        "<controller type='sata' index='1'><alias name='ua-sata1'/></controller>"
        "<controller type='virtio-serial' index='0'><alias name='ua-vserial'/></controller>"
        "<filesystem type='mount' accessmode='mapped'><source dir='/tmp'/><target dir='probe'/>"
        "<alias name='ua-9p'/></filesystem>"
        "<serial type='pty'><target port='1'/><alias name='ua-isa-serial'/></serial>"
        "<parallel type='pty'><target port='0'/><alias name='ua-parallel'/></parallel>"
        + RNG % ('on-root', PCI % ('0x00', '0x10', '0x0', ''))
        + RNG % ('function0', PCI % ('0x09', '0x00', '0x0', " multifunction='on'"))
        + RNG % ('function1', PCI % ('0x09', '0x00', '0x1', ''))
        + RNG % ('no-hotplug', PCI % ('0x0a', '0x00', '0x0', ''))
        + RNG % ('lone-function', PCI % ('0x08', '0x00', '0x0', " multifunction='on'"))
        + "<input type='tablet' bus='usb'><alias name='ua-usb-tablet'/></input>"
        "<input type='keyboard' bus='virtio'><alias name='ua-virtio-keyboard'/></input>"
        "<disk type='file' device='disk'><source file='{image}'/><target dev='sdd' bus='usb'/>"
        "<alias name='ua-usb-disk'/></disk>"
        "<serial type='pty'><target type='usb-serial' port='2'/><alias name='ua-usb-serial'/></serial>")),
    'i440fx': ('i440fx', '<acpi/><apic/>', (
        "<disk type='file' device='floppy'><source file='{image}'/><target dev='fda' bus='fdc'/>"
        "<alias name='ua-floppy'/></disk>"
        "<disk type='file' device='disk'><source file='{image}'/><target dev='hdb' bus='ide'/>"
        "<alias name='ua-ide-disk'/></disk>"
        "<watchdog model='ib700'><alias name='ua-ib700'/></watchdog>"
        + RNG % ('acpi', ''))),
    'i440fx without ACPI': ('i440fx', None,
                            RNG % ('no-acpi', '') + "<input type='tablet' bus='usb'><alias name='ua-tablet'/></input>"),
}


@pytest.fixture(scope='module')
def unplugging():
    """The UNPLUG_DOMAINS, running: {key: name}."""
    bed = testbed.Scratch()
    names = {}
    try:
        for key, (machine, features, devices) in UNPLUG_DOMAINS.items():
            name = testbed.scratch_name('unplug')
            devices = devices.replace('{image}', '%s')
            devices %= tuple(testbed.image('%s-%d' % (name, n)) for n in range(devices.count('%s')))
            xml = testbed.domain_xml(name, machine=machine, devices=devices)
            if features is not None:
                xml = xml.replace('</os>', '</os><features>%s</features>' % features)
            bed.define(xml)
            bed.start(name)
            names[key] = name
        yield bed, names
    finally:
        bed.cleanup()


# (domain, the device to unplug: an alias or an XPath in the live XML, a piece of libvirt's or QEMU's refusal).
# Every entry of the table but the TPM: a domain with one runs only with swtpm.
NEVER_UNPLUGGED = [
    ('q35', 'ua-video2', "live detach of device 'video' is not supported"),
    ('q35', 'ua-snd', "live detach of device 'sound' is not supported"),
    ('q35', 'ua-balloon', "live detach of device 'memballoon' is not supported"),
    ('q35', 'ua-panic', "live detach of device 'panic' is not supported"),
    ('q35', 'ua-hub', "live detach of device 'hub' is not supported"),
    ('q35', 'ua-iommu', "live detach of device 'iommu' is not supported"),
    ('q35', 'devices/graphics', "live detach of device 'graphics' is not supported"),
    ('q35', 'devices/smartcard', "live detach of device 'smartcard' is not supported"),  # it takes no user alias
    ('q35', 'ua-sata-disk', 'This type of disk cannot be hot unplugged'),
    ('q35', 'ua-sata-cdrom', "disk device type 'cdrom' cannot be detached"),
    ('i440fx', 'ua-floppy', "disk device type 'floppy' cannot be detached"),
    ('i440fx', 'ua-ide-disk', 'This type of disk cannot be hot unplugged'),
    ('q35', "devices/input[@bus='ps2']", "input device on bus 'ps2' cannot be detached"),
    ('q35', "devices/controller[@type='usb']", "'usb' controller cannot be hot unplugged"),
    ('q35', 'ua-sata1', "'sata' controller cannot be hot unplugged"),
    ('q35', 'ua-vserial', "'virtio-serial' controller cannot be hot unplugged"),
    ('i440fx', 'ua-ib700', 'hot unplug of watchdog of model ib700 is not supported'),
    ('q35', 'ua-9p', 'only virtiofs filesystems can be hotplugged'),
    ('q35', 'ua-isa-serial', "Bus 'isa.0' does not support hotplugging"),
    ('q35', 'ua-parallel', "Bus 'isa.0' does not support hotplugging"),
    # held where they sit
    ('q35', 'ua-on-root', "Bus 'pcie.0' does not support hotplugging"),
    ('q35', 'ua-function0', 'multifunction PCI guest address'),
    ('q35', 'ua-function1', 'multifunction PCI guest address'),
    ('q35', 'ua-no-hotplug', 'not allowed by controller'),
    ('i440fx without ACPI', 'ua-no-acpi', "Bus 'pci.0' does not support hotplugging"),
]

# Just outside: libvirt takes the unplug (the device leaves, or waits for the guest's consent).
UNPLUGGED = [
    ('q35', 'ua-lone-function'), ('q35', 'ua-usb-tablet'), ('q35', 'ua-virtio-keyboard'), ('q35', 'ua-usb-disk'),
    ('q35', 'ua-usb-serial'), ('i440fx', 'ua-acpi'), ('i440fx without ACPI', 'ua-tablet'),
]


def _unplug(unplugging, key, device):
    """The prediction for one device of a running domain, and libvirt's answer to its unplug (None: taken)."""
    bed, names = unplugging
    dom = bed.dom(names[key])
    live = dx.parse(dom.XMLDesc(0))
    element = live.find(device) if '/' in device else next(e for e in dx.devices(live)
                                                           if dx.device_alias(e) == device)
    prediction = _hotplug.detach_refusals(live, [element])[0]
    if '/' in device:
        return prediction, testbed.live_refusal(dom.detachDeviceFlags, dx.device_xml(element))
    return prediction, testbed.live_refusal(dom.detachDeviceAlias, device)


@pytest.mark.parametrize('key, device, refusal', NEVER_UNPLUGGED)
def test_libvirt_refuses_every_unplug_the_prediction_refuses(unplugging, key, device, refusal):
    prediction, error = _unplug(unplugging, key, device)
    assert prediction
    assert error is not None and refusal in error, error


@pytest.mark.parametrize('key, device', UNPLUGGED)
def test_libvirt_unplugs_the_devices_just_outside_the_prediction(unplugging, key, device):
    prediction, error = _unplug(unplugging, key, device)
    assert prediction is None
    assert error is None


@pytest.mark.parametrize('machine, acpi, devices, refused', [
    # The sound card never unplugs live; the SCSI controller still holds its disk when its turn comes (the
    # disk after it in the list leaves at once); the RNG on the PCI Express root bus stays; the USB tablet goes.
    ('q35', True, "<sound model='ich9'><alias name='ua-snd'/></sound>"
                  "<controller type='scsi' index='0' model='virtio-scsi'><alias name='ua-scsi'/></controller>"
                  "<disk type='file' device='disk'><source file='{image}'/><target dev='sda' bus='scsi'/>"
                  "<alias name='ua-sd'/></disk>"
                  "<input type='tablet' bus='usb'><alias name='ua-tab'/></input>"
                  + RNG % ('rng', PCI % ('0x00', '0x10', '0x0', '')),
     {'ua-snd', 'ua-scsi', 'ua-rng'}),
    # Without ACPI nothing leaves the PCI root bus of a PC machine; the USB tablet goes.
    ('i440fx', False, "<input type='tablet' bus='usb'><alias name='ua-tab'/></input>" + RNG % ('rng', ''), {'ua-rng'}),
])
def test_check_mode_predicts_each_hot_unplug_of_a_batch(scratch, machine, acpi, devices, refused):
    name = testbed.scratch_name(machine)
    xml = testbed.domain_xml(name, machine=machine, devices=devices.replace('{image}', testbed.image(name + '-sd')))
    scratch.define(xml.replace('</os>', '</os><features><acpi/></features>') if acpi else xml)
    scratch.start(name)
    aliases = [a.get('name')[3:] for a in testbed.parse(scratch.inactive_xml(name)).findall('devices/*/alias')]
    args = {'name': name, 'state': 'absent', 'unplug_timeout': 2,
            'devices': [{'kind': kind, 'alias': alias} for kind, alias in (
                ('sound', 'snd'), ('controller', 'scsi'), ('disk', 'sd'), ('input', 'tab'), ('rng', 'rng'))
                if alias in aliases]}
    planned = testbed.run_module('virt_device', args, check=True)
    result = testbed.run_module('virt_device', args)
    assert _outcome(planned, name) == _outcome(result, name)
    assert {alias for action, _kind, alias in _outcome(result, name)[0] if action == 'not detached'} == refused
    assert planned['reboot_required'] == result['reboot_required'] == [name]
    live_aliases = {a.get('name') for a in testbed.parse(scratch.live_xml(name)).findall('devices/*/alias')}
    assert refused <= live_aliases and 'ua-tab' not in live_aliases


def test_check_mode_predicts_an_input_the_running_domain_keeps(scratch):
    """virt_input replacing a virtio tablet by a USB one on a PC machine without ACPI: the USB tablet is
    plugged, the virtio one stays until a cold boot, in check mode as in the run."""
    name = scratch.create('i440fx', running=True, devices="<input type='tablet' bus='virtio'/>")
    args = {'name': name, 'pointer_model': 'usbtablet', 'exclusive': True, 'unplug_timeout': 2}
    planned = testbed.run_module('virt_input', args, check=True)
    result = testbed.run_module('virt_input', args)
    assert _outcome(planned, name) == _outcome(result, name)
    actions = {(action, kind) for action, kind, _alias in _outcome(result, name)[0]}
    assert ('not detached', 'input') in actions and ('attached', 'input') in actions
    assert planned['reboot_required'] == result['reboot_required'] == [name]


def _live_changes(result, name):
    return [(c['action'], c['device']) for c in result['domains'][name]['live_changes']]


@pytest.mark.parametrize('machine, room, kinds, refused', [
    # The SCSI controller the plan adds is plugged before its disk; libvirt plugs no virtio-serial controller,
    # so the channel that needs one waits for a cold boot with it.
    ('q35', testbed.SPARE_ROOT_PORTS, ('disk', 'channel'), {('controller', 'virtio-serial'), ('channel', None)}),
    ('i440fx', '', ('disk', 'channel'), {('controller', 'virtio-serial'), ('channel', None)}),
    # One free root port: the RNG takes it, the SCSI controller finds none and its disk cannot follow.
    ('q35', '', ('rng', 'disk'), {('controller', 'scsi'), ('disk', None)}),
])
def test_check_mode_predicts_the_controllers_new_devices_need(scratch, machine, room, kinds, refused):
    name = testbed.running_with_acpi(scratch, machine, devices=room)
    specs = {'disk': {'kind': 'disk', 'alias': 'sd', 'bus': 'scsi', 'source': testbed.image(name + '-sd')},
             'channel': {'kind': 'channel', 'alias': 'agent', 'type': 'unix',
                         'target': {'type': 'virtio', 'name': 'org.qemu.guest_agent.0'}},
             'rng': {'kind': 'rng', 'alias': 'rng', 'model': 'virtio', 'source': '/dev/urandom'}}
    args = {'name': name, 'devices': [specs[kind] for kind in kinds]}
    planned = testbed.run_module('virt_device', args, check=True)
    result = testbed.run_module('virt_device', args)
    assert _live_changes(planned, name) == _live_changes(result, name)
    assert {(device['kind'], device['type'] if device['kind'] == 'controller' else None)
            for action, device in _live_changes(result, name) if action == 'not attached'} == refused
    assert any(device['kind'] == 'controller' for _action, device in _live_changes(result, name))
    assert planned['domains'][name]['reboot_required'] is result['domains'][name]['reboot_required'] is True
