"""virt_device against the real libvirtd: any device by alias, live and persistent, confirmed unplugs,
live media changes, filling from the domain, the device_xml filter's snippet in virsh, refusals."""

from __future__ import annotations

import os
import subprocess

import pytest

import testbed
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx

CDROM = ("<disk type='file' device='cdrom'><source file='{iso}'/><target dev='sda' bus='sata'/><readonly/>"
         "</disk>")


def specs():
    return [
        {'kind': 'disk', 'alias': 'data', 'source': testbed.image(testbed.scratch_name('data')), 'bus': 'virtio'},
        {'kind': 'interface', 'alias': 'backend', 'type': 'user', 'model': 'virtio'},
        {'kind': 'rng', 'alias': 'rng', 'model': 'virtio', 'source': '/dev/urandom'},
        {'kind': 'input', 'alias': 'tablet', 'type': 'tablet', 'bus': 'usb'},
        {'kind': 'channel', 'alias': 'agent', 'type': 'unix', 'target': {'type': 'virtio', 'name': 'org.qemu.guest_agent.0'}},
        {'kind': 'serial', 'alias': 'serial1', 'type': 'pty'},
        {'kind': 'watchdog', 'alias': 'dog', 'model': 'i6300esb', 'action': 'reset'},
    ]


def by_alias(devices):
    return {device['alias']: device for device in devices if device['alias'] and device['alias'].startswith('ua-')}


def running_with_acpi(scratch, machine):
    """A running domain with ACPI, a virtio-serial controller (libvirt cannot hot-plug one) and, on q35, root
    ports to spare."""
    devices = "<controller type='virtio-serial' index='0'/>"
    if machine == 'q35':
        devices += testbed.SPARE_ROOT_PORTS + "<controller type='pci' model='pcie-root-port'/>" * 4
    return testbed.running_with_acpi(scratch, machine, devices)


@pytest.mark.parametrize('machine', ['q35', 'i440fx'])
def test_devices_added_by_alias_run_in_the_guest_and_leave_by_alias(scratch, machine):
    name = running_with_acpi(scratch, machine)
    wanted = specs()
    args = {'name': name, 'devices': wanted, 'unplug_timeout': 3}
    planned = testbed.run_module('virt_device', args, check=True)
    added = testbed.run_module('virt_device', args)
    assert added['changed'] is planned['changed'] is True, added
    result = added['domains'][name]
    live = by_alias(testbed.run_module('virt_device_info', {'name': name})['domains'][name]['devices'])
    persistent_xml = scratch.inactive_xml(name)
    for spec in wanted:
        alias = 'ua-' + spec['alias']
        assert "<alias name='%s'/>" % alias in persistent_xml, alias
    # What QEMU can hot-plug runs now, where libvirt placed it; the rest waits for a cold boot.
    # i6300esb is conventional PCI: on q35 it needs a pcie-to-pci-bridge, which cannot be hot-plugged.
    pluggable = ['ua-data', 'ua-backend', 'ua-rng', 'ua-tablet', 'ua-agent'] + (['ua-dog'] if machine == 'i440fx' else [])
    for alias in pluggable:
        assert alias in live, (alias, result['live_changes'])
    assert live['ua-data']['target'] == 'vdb' and live['ua-data']['address']['type'] == 'pci'
    assert live['ua-tablet']['address']['type'] == 'usb'
    assert {device['alias'] for device in result['devices']} == set(live) & {'ua-' + s['alias'] for s in wanted}
    not_attached = [c['device']['alias'] for c in result['live_changes'] if c['action'] == 'not attached']
    assert result['reboot_required'] is bool(not_attached)
    assert set(not_attached) == {'ua-' + s['alias'] for s in wanted} - set(live)
    # Check mode said so beforehand: the serial port (ISA) and, on q35, the watchdog were refused there too.
    predicted = planned['domains'][name]
    assert [(c['action'], c['device']['alias']) for c in predicted['live_changes']] == \
        [(c['action'], c['device']['alias']) for c in result['live_changes']]
    assert predicted['reboot_required'] is result['reboot_required'] is True

    again = testbed.run_module('virt_device', args)
    assert again['changed'] is False, again

    removed = testbed.run_module('virt_device', dict(args, state='absent'))
    actions = {c['device']['alias']: c['action'] for c in removed['domains'][name]['live_changes']}
    assert actions['ua-tablet'] == 'detached'  # USB leaves at once
    assert actions['ua-data'] == 'pending' and actions['ua-rng'] == 'pending'  # PCI: no guest OS to agree
    assert actions['ua-agent'] == 'detached'  # a virtio-serial port needs no guest consent
    assert removed['domains'][name]['reboot_required'] is True
    assert all("ua-%s'" % s['alias'] not in scratch.inactive_xml(name) for s in wanted)
    live_xml = scratch.live_xml(name)
    assert "ua-tablet'" not in live_xml and "ua-data'" in live_xml
    scratch.stop(name)
    scratch.start(name)
    assert all("ua-%s'" % s['alias'] not in scratch.live_xml(name) for s in wanted)


def test_a_cdrom_gets_its_new_medium_live(scratch):
    first, second = testbed.image(testbed.scratch_name('iso1')), testbed.image(testbed.scratch_name('iso2'))
    name = scratch.create('q35', running=True, devices=CDROM.format(iso=first))
    args = {'name': name, 'devices': [{'kind': 'disk', 'device': 'cdrom', 'target': 'sda', 'source': second}]}
    planned = testbed.run_module('virt_device', args, check=True)
    result = testbed.run_module('virt_device', args)
    assert planned['changed'] is result['changed'] is True
    assert [c['action'] for c in result['domains'][name]['live_changes']] == ['updated']
    assert result['domains'][name]['reboot_required'] is False
    assert second in scratch.live_xml(name) and second in scratch.inactive_xml(name)
    assert testbed.run_module('virt_device', args)['changed'] is False


def check_then_run_agree(args, name, live_actions, reboot_required):
    """virt_device in check mode, then for real: both report these live actions and this cold-boot need."""
    for check in (True, False):
        outcome = testbed.run_module('virt_device', args, check=check)
        assert [c['action'] for c in outcome['domains'][name]['live_changes']] == live_actions, check
        assert outcome['domains'][name]['reboot_required'] is reboot_required, check


@pytest.mark.parametrize('new_medium, live_actions', [(True, ['updated']), (False, [])])
def test_a_running_drive_takes_only_its_new_medium_live(scratch, new_medium, live_actions):
    """libvirt refuses to change a running drive's cache mode (and the medium with it): the medium goes in
    now, the cache mode at the cold boot, in check mode as in the run."""
    first, second = testbed.image(testbed.scratch_name('iso1')), testbed.image(testbed.scratch_name('iso2'))
    name = scratch.create('q35', running=True, devices=CDROM.format(iso=first))
    args = {'name': name, 'devices': [{'kind': 'disk', 'device': 'cdrom', 'target': 'sda',
                                       'source': second if new_medium else first, 'driver': {'cache': 'none'}}]}
    check_then_run_agree(args, name, live_actions, reboot_required=True)
    running = testbed.parse(scratch.live_xml(name)).find("devices/disk[@device='cdrom']")
    assert running.find('source').get('file') == (second if new_medium else first)
    assert running.find('driver').get('cache') is None
    persistent = testbed.parse(scratch.inactive_xml(name)).find("devices/disk[@device='cdrom']")
    assert persistent.find('driver').get('cache') == 'none'
    assert testbed.run_module('virt_device', args)['changed'] is False


FLOPPY = "<disk type='file' device='floppy'><source file='{iso}'/><target dev='fda' bus='fdc'/></disk>"


@pytest.mark.parametrize('machine, drive, device, target', [('q35', CDROM, 'cdrom', 'sda'),
                                                            ('i440fx', FLOPPY, 'floppy', 'fda')])
def test_a_drive_is_emptied_live_and_loaded_again(scratch, machine, drive, device, target):
    iso = testbed.image(testbed.scratch_name('medium'))
    name = scratch.create(machine, running=True, devices=drive.format(iso=iso))
    empty = {'name': name, 'devices': [{'kind': 'disk', 'device': device, 'target': target, 'source': ''}]}
    planned = testbed.run_module('virt_device', empty, check=True)
    assert iso in scratch.live_xml(name) and iso in scratch.inactive_xml(name)  # check mode changed nothing
    result = testbed.run_module('virt_device', empty)
    assert planned['changed'] is result['changed'] is True
    assert planned['domains'][name]['live_changes'] == result['domains'][name]['live_changes']
    assert [c['action'] for c in result['domains'][name]['live_changes']] == ['updated']
    assert result['domains'][name]['reboot_required'] is False
    for xml in (scratch.live_xml(name), scratch.inactive_xml(name)):
        drive_element = testbed.parse(xml).find("devices/disk[@device='%s']" % device)
        assert drive_element.find('target').get('dev') == target and drive_element.find('source[@file]') is None, xml
    assert testbed.run_module('virt_device', empty)['changed'] is False
    loaded = testbed.run_module('virt_device', {'name': name, 'devices': [
        {'kind': 'disk', 'device': device, 'target': target, 'source': iso}]})
    assert [c['action'] for c in loaded['domains'][name]['live_changes']] == ['updated']
    assert iso in scratch.live_xml(name) and iso in scratch.inactive_xml(name)


@pytest.mark.parametrize('model, link, live_actions, reboot_required', [
    ('e1000', None, [], True),  # libvirt does not change a running NIC's model: a cold boot does
    ('e1000', 'down', ['updated'], True),  # the link goes down now, the model at the cold boot
    (None, 'down', ['updated'], False),
])
def test_a_running_interface_takes_live_only_what_libvirt_changes_in_place(scratch, model, link, live_actions,
                                                                           reboot_required):
    name = scratch.create('q35', running=True)
    mac = testbed.parse(scratch.inactive_xml(name)).find('devices/interface/mac').get('address')
    snippet = "<interface type='user'><mac address='%s'/>%s%s</interface>" % (
        mac, "<model type='%s'/>" % model if model else '', "<link state='%s'/>" % link if link else '')
    args = {'name': name, 'devices': [{'xml': snippet}]}
    check_then_run_agree(args, name, live_actions, reboot_required)
    running = testbed.parse(scratch.live_xml(name)).find('devices/interface')
    assert running.find('model').get('type') == 'virtio'
    assert (running.find('link') is not None and running.find('link').get('state')) == (link or False)
    persistent = testbed.parse(scratch.inactive_xml(name)).find('devices/interface')
    assert persistent.find('model').get('type') == (model or 'virtio')
    assert testbed.run_module('virt_device', args)['changed'] is False


def test_a_new_interface_runs_with_the_mac_address_libvirt_gave_its_definition(scratch):
    """libvirt picks a MAC address for an interface given none, when it defines it and again when it plugs it:
    the running interface must be the one defined, or the guest's NIC changes at the next cold boot."""
    name = testbed.running_with_acpi(scratch, 'q35', devices=testbed.SPARE_ROOT_PORTS)
    args = {'name': name, 'devices': [{'kind': 'interface', 'alias': 'lan', 'type': 'user', 'model': 'virtio'}]}
    check_then_run_agree(args, name, ['attached'], reboot_required=False)
    definitions = (scratch.inactive_xml(name), scratch.live_xml(name))
    macs = [[interface.find('mac').get('address') for interface in testbed.parse(xml).findall('devices/interface')
             if interface.find("alias[@name='ua-lan']") is not None] for xml in definitions]
    assert len(macs[0]) == 1 and macs[0] == macs[1]
    assert testbed.run_module('virt_device', args)['changed'] is False


def test_a_new_disk_goes_on_the_stashed_bus_with_a_controller(scratch):
    name = scratch.create('q35')
    assert testbed.run_module('virt_device_bus', {'name': name, 'disk_bus': 'scsi'})['changed'] is True
    result = testbed.run_module('virt_device', {'name': name, 'devices': [
        {'kind': 'disk', 'alias': 'data', 'source': testbed.image(testbed.scratch_name('data'))}]})
    filled = result['domains'][name]['filled']['ua-data']
    assert filled['bus'] == 'the stashed hw_disk_bus' and filled['target'] == 'the next free name on scsi'
    disks = testbed.disks(scratch.inactive_xml(name))
    assert ('disk', 'sdb', 'scsi') in disks
    assert "<controller type='scsi'" in scratch.inactive_xml(name)
    assert scratch.live_xml_when_started(name)


def test_an_rng_given_by_alias_alone_is_virtio_fed_from_urandom_and_hot_plugged(scratch):
    """libvirt's schema requires an RNG's model and backend and has no default for either: a new RNG gets
    virtio on /dev/urandom, as virt-install adds it, in check mode as in the run."""
    name = testbed.running_with_acpi(scratch, 'q35', devices=testbed.SPARE_ROOT_PORTS)
    args = {'name': name, 'devices': [{'kind': 'rng', 'alias': 'entropy'}]}
    check_then_run_agree(args, name, ['attached'], reboot_required=False)
    for xml in (scratch.live_xml(name), scratch.inactive_xml(name)):
        rng = testbed.parse(xml).find('devices/rng')
        assert (rng.get('model'), rng.find('backend').get('model'), rng.find('backend').text,
                rng.find('alias').get('name')) == ('virtio', 'random', '/dev/urandom', 'ua-entropy')
    again = testbed.run_module('virt_device', args)
    assert again['changed'] is False and again['domains'][name]['filled'] == {}, again


def test_the_device_xml_snippet_attaches_with_virsh(scratch, tmp_path):
    name = running_with_acpi(scratch, 'i440fx')
    (tmp_path / 'domain.xml').write_text(scratch.inactive_xml(name))
    spec = "{'kind': 'disk', 'alias': 'extra', 'source': '%s'}" % testbed.image(testbed.scratch_name('extra'))
    output = testbed.run_playbook([{'name': 'snippet', 'ansible.builtin.debug': {
        'msg': "{{ %s | virtuned.libvirt.device_xml(domain_xml=lookup('ansible.builtin.file', '%s')) }}"
               % (spec, tmp_path / 'domain.xml')}}])
    snippet = output['tasks'][0]['result']['msg']
    assert 'bus="virtio"' in snippet and 'dev="vdb"' in snippet, snippet
    (tmp_path / 'disk.xml').write_text(snippet)
    subprocess.run(['virsh', '-c', testbed.URI, 'attach-device', name, str(tmp_path / 'disk.xml'), '--live',
                    '--config'], check=True, capture_output=True, text=True)
    assert "ua-extra'" in scratch.live_xml(name) and "ua-extra'" in scratch.inactive_xml(name)
    same = testbed.run_module('virt_device', {'name': name, 'devices': [{'xml': snippet}]})
    assert same['changed'] is False, same


def test_the_device_xml_snippet_of_a_device_the_domain_has_updates_it_with_virsh(scratch, tmp_path):
    """For a device the domain has, the filter gives that device whole as the spec changes it: what
    virsh update-device needs, and what virt_device writes for the spec."""
    mac = '52:54:00:7e:01:02'
    name = scratch.create('q35', devices="<interface type='network'><mac address='%s'/><source network='default'/>"
                                         "<model type='virtio'/><link state='down'/></interface>" % mac)
    (tmp_path / 'domain.xml').write_text(scratch.inactive_xml(name))
    spec = {'kind': 'interface', 'mac': mac, 'model': 'e1000e'}
    output = testbed.run_playbook([{'name': 'snippet', 'ansible.builtin.debug': {
        'msg': "{{ %r | virtuned.libvirt.device_xml(domain_xml=lookup('ansible.builtin.file', '%s')) }}"
               % (spec, tmp_path / 'domain.xml')}}])
    (tmp_path / 'nic.xml').write_text(output['tasks'][0]['result']['msg'])
    subprocess.run(['virsh', '-c', testbed.URI, 'update-device', name, str(tmp_path / 'nic.xml'), '--config'],
                   check=True, capture_output=True, text=True)
    interface = next(i for i in testbed.parse(scratch.inactive_xml(name)).findall('devices/interface')
                     if i.find('mac').get('address') == mac)
    assert (interface.get('type'), interface.find('source').get('network'), interface.find('model').get('type'),
            interface.find('link').get('state')) == ('network', 'default', 'e1000e', 'down')
    same = testbed.run_module('virt_device', {'name': name, 'devices': [spec]})
    assert same['changed'] is False, same


def test_a_target_another_aliased_disk_holds_is_refused(scratch):
    names = [scratch.create('q35'), scratch.create('q35', running=True)]
    system_disk = {'kind': 'disk', 'target': 'vda', 'alias': 'system'}
    named = testbed.run_module('virt_device', {'name': names, 'devices': [system_disk]})
    assert named['changed'] is True and named['reboot_required'] == [names[1]]
    testbed.assert_refused(scratch, 'virt_device', {'devices': [
        {'kind': 'disk', 'alias': 'y', 'target': 'vda', 'source': '/tmp/y.img'}]}, names,
        ['devices[0].target', "'vda'", 'the disk ua-system holds it'])


# The guest agent channel virt-install gives Linux guests: no alias, a socket libvirt names.
VIRT_INSTALL_AGENT = "<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
AGENT_SPEC = {'kind': 'channel', 'alias': 'agent', 'target': {'type': 'virtio', 'name': 'org.qemu.guest_agent.0'}}


def test_a_channel_spec_takes_the_channel_of_its_port_name_and_the_guest_starts(scratch):
    """libvirt and QEMU know a channel by its port name: the spec names the agent channel the guest has (a
    second one would keep the guest from starting); the alias waits for the cold boot."""
    name = scratch.create('q35', running=True, devices=VIRT_INSTALL_AGENT)
    args = {'name': name, 'devices': [AGENT_SPEC]}
    check_then_run_agree(args, name, live_actions=[], reboot_required=True)
    assert testbed.run_module('virt_device', args)['changed'] is False
    channels = testbed.parse(scratch.inactive_xml(name)).findall('devices/channel')
    assert [c.find('alias').get('name') for c in channels] == ['ua-agent']
    scratch.dom(name).destroy()
    live = testbed.parse(scratch.live_xml_when_started(name))
    assert [(c.find('target').get('name'), c.find('alias').get('name')) for c in live.findall('devices/channel')] == [
        ('org.qemu.guest_agent.0', 'ua-agent')]


def test_a_port_name_another_channel_holds_is_refused(scratch):
    aliased = VIRT_INSTALL_AGENT.replace('/></channel>', "/><alias name='ua-qga'/></channel>")
    names = [scratch.create('q35', devices=aliased), scratch.create('q35', running=True, devices=aliased)]
    testbed.assert_refused(scratch, 'virt_device', {'devices': [AGENT_SPEC]}, names,
                           ['devices[0].target.name', "'org.qemu.guest_agent.0'", 'the channel ua-qga has it',
                            'two virtio ports of one name'])


def changed_then_settled(args):
    """Check mode and the run both change the domain; the same task again changes nothing."""
    planned = testbed.run_module('virt_device', args, check=True)
    done = testbed.run_module('virt_device', args)
    assert planned['changed'] is done['changed'] is True, done
    again = testbed.run_module('virt_device', args)
    assert again.get('failed') is not True and again['changed'] is False, again


def test_filesystems_are_found_by_their_target_dir_and_the_guest_runs_with_both(scratch):
    """libvirt finds a filesystem by its target dir, the tag the guest mounts it by: two shares of one task
    are two filesystems, the same task again changes nothing, the model reads back where libvirt keeps it."""
    name = scratch.create('q35')
    shares = {}
    for tag in ('logs', 'data'):
        shares[tag] = os.path.join(testbed.IMAGES, testbed.scratch_name(tag))
        os.makedirs(shares[tag])
    args = {'name': name, 'devices': [{'kind': 'filesystem', 'source': shares['logs'], 'target': 'logs'},
                                      {'kind': 'filesystem', 'source': shares['data'], 'target': 'data',
                                       'model': 'virtio-non-transitional'}]}
    changed_then_settled(args)
    forms = [d for d in testbed.run_module('virt_device_info', {'name': name})['domains'][name]['devices']
             if d['kind'] == 'filesystem']
    assert [(f['target'], f['model']) for f in forms] == [('logs', None), ('data', 'virtio-non-transitional')]
    live = testbed.parse(scratch.live_xml_when_started(name))
    assert [(f.find('source').get('dir'), f.find('target').get('dir')) for f in live.findall('devices/filesystem')] \
        == [(shares['logs'], 'logs'), (shares['data'], 'data')]


def test_a_memballoon_spec_changes_the_one_memballoon_and_the_guest_runs_without_ballooning(scratch):
    """A domain has one memballoon at most (libvirt adds a virtio one when a definition has none)."""
    name = scratch.create('q35')
    changed_then_settled({'name': name, 'devices': [{'kind': 'memballoon', 'model': 'none'}]})
    live = testbed.parse(scratch.live_xml_when_started(name))
    assert [b.get('model') for b in live.findall('devices/memballoon')] == ['none']


SERIAL_CONSOLE = ("<serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>"
                  "<console type='pty'><target type='serial' port='0'/></console>")


def ports(xml, kind):
    return [(d.get('type'), d.find('target').get('port')) for d in testbed.parse(xml).findall('devices/' + kind)]


def test_a_serial_port_is_found_by_its_number_and_the_guest_runs_with_both(scratch):
    """Port 1 is a second port beside the console's port 0; port 0 of another type is port 0 changed (the
    console follows it), as libvirt numbers them."""
    name = scratch.create('q35', devices=SERIAL_CONSOLE)
    log = os.path.join(testbed.IMAGES, testbed.scratch_name('ttyS0') + '.log')
    for spec, serials, consoles in (
            ({'kind': 'serial', 'type': 'pty', 'target': {'port': 1}}, [('pty', '0'), ('pty', '1')], [('pty', '0')]),
            ({'kind': 'serial', 'type': 'file', 'source': log, 'target': {'port': 0}}, [('file', '0'), ('pty', '1')],
             [('file', '0')])):
        args = {'name': name, 'devices': [spec]}
        changed_then_settled(args)
        live = scratch.live_xml_when_started(name)
        assert (ports(live, 'serial'), ports(live, 'console')) == (serials, consoles)


USB_HOSTDEV = ("<hostdev mode='subsystem' type='usb' managed='no'><source startupPolicy='optional'>"
               "<vendor id='{vendor}'/><product id='0x0001'/></source></hostdev>")


def test_two_host_devices_of_one_task_are_two_and_the_second_run_changes_nothing(scratch):
    """libvirt finds a USB device given by vendor and product by them: the second spec is a second device,
    and the pre-flight asks about each at an address of its own, as a start finds them (the test host has no
    USB bus, so neither starts here)."""
    name = scratch.create('q35')
    args = {'name': name, 'devices': [{'xml': USB_HOSTDEV.format(vendor=vendor)} for vendor in ('0x1d6b', '0x0627')]}
    changed_then_settled(args)
    vendors = [h.find('source/vendor').get('id') for h in testbed.parse(scratch.inactive_xml(name)).findall('devices/hostdev')]
    assert vendors == ['0x1d6b', '0x0627']


PCI_HOSTDEV = ("<hostdev mode='subsystem' type='pci' managed='yes'><source>"
               "<address domain='0x0000' bus='0x{bus}' slot='0x00' function='0x0'/></source></hostdev>")


def test_a_pci_host_device_without_a_driver_name_is_written(scratch):
    """libvirt gives such a device VFIO when the domain starts; the pre-flight asks the QEMU driver about
    it as the start would (alone, the driver refuses "invalid PCI passthrough type 'default'")."""
    name = scratch.create('q35')
    args = {'name': name, 'devices': [{'xml': PCI_HOSTDEV.format(bus=bus)} for bus in ('05', '06')]}
    changed_then_settled(args)
    hostdevs = testbed.parse(scratch.inactive_xml(name)).findall('devices/hostdev')
    assert [(h.find('source/address').get('bus'), h.find('driver')) for h in hostdevs] == [('0x05', None), ('0x06', None)]


def test_values_spelled_otherwise_than_libvirt_writes_them_settle_after_one_run(scratch):
    """libvirt writes numbers and MAC addresses its own way (bus='0x07', id='0x1d6b', lower case): a spec
    with decimal numbers, upper-case hex and an upper-case MAC is written once, then changes nothing."""
    name = scratch.create('q35', devices=testbed.SPARE_ROOT_PORTS)
    root = testbed.parse(scratch.inactive_xml(name))
    used = {int(address.get('bus'), 16) for address in root.findall("devices/*/address[@type='pci']")}
    free = next(int(port.get('index')) for port in root.findall("devices/controller[@model='pcie-root-port']")
                if int(port.get('index')) not in used)
    args = {'name': name, 'devices': [
        {'kind': 'interface', 'mac': '52:54:00:AB:CD:EF', 'model': 'virtio',
         'address': {'type': 'pci', 'domain': 0, 'bus': free, 'slot': 0, 'function': 0}},
        {'xml': "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1D6B'/><product id='2'/></source>"
                "</hostdev>"}]}
    changed_then_settled(args)
    after = testbed.parse(scratch.inactive_xml(name))
    interface = after.find("devices/interface/mac[@address='52:54:00:ab:cd:ef']/..")
    assert interface.find('address').get('bus') == '0x%02x' % free
    assert [after.find('devices/hostdev/source/' + tag).get('id') for tag in ('vendor', 'product')] \
        == ['0x1d6b', '0x0002']


CEPH_DISK = ("<disk type='network' device='disk'><driver name='qemu' type='raw'{cache}/>"
             "<source protocol='rbd' name='pool/image'><host name='mon1.example.org' port='6789'/>"
             "<host name='mon2.example.org' port='6789'/><host name='mon3.example.org' port='6789'/></source>"
             "<target dev='vdb' bus='virtio'/></disk>")


def test_a_network_disks_hosts_keep_their_places_when_its_snippet_changes_it(scratch):
    """A Ceph disk names its monitors in three <host> elements: a snippet changing its cache mode is written
    once, each monitor where it was, and the same snippet again changes nothing; a snippet without the
    second monitor leaves the other two."""
    name = scratch.create('q35', devices=CEPH_DISK.format(cache=''))
    snippets = [CEPH_DISK.format(cache=" cache='none'"),
                CEPH_DISK.format(cache=" cache='none'").replace("<host name='mon2.example.org' port='6789'/>", '')]
    for snippet, monitors in zip(snippets, (['mon1', 'mon2', 'mon3'], ['mon1', 'mon3'])):
        changed_then_settled({'name': name, 'devices': [{'xml': snippet}]})
        disk = testbed.parse(scratch.inactive_xml(name)).find("devices/disk/target[@dev='vdb']/..")
        assert [host.get('name') for host in disk.findall('source/host')] == \
            ['%s.example.org' % monitor for monitor in monitors]
        assert disk.find('driver').get('cache') == 'none'


# Character devices and displays whose live XML shows what libvirt picked at start
PICKED_AT_START = (
    "<serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console>"
    "<parallel type='pty'><target port='0'/></parallel>"
    "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
    "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>"
    "<graphics type='spice' autoport='yes' listen='127.0.0.1'/>")


def test_a_running_domains_devices_given_back_as_it_shows_them_change_nothing(scratch):
    """The live XML shows what a definition does not keep (QEMU's aliases, the NIC's tap name vnetN, the
    index of a disk's image, the ptys, the guest agent's socket and the display ports picked at start, the
    channels' state): each device given back as the running domain shows it changes nothing."""
    disk = ("<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='%s'/>"
            "<target dev='vda' bus='virtio'/></disk>" % testbed.image(testbed.scratch_name('disk')))
    name = scratch.create('q35', running=True, disk=False, devices=disk + PICKED_AT_START
                          + "<interface type='ethernet'><model type='virtio'/></interface>")
    live = testbed.parse(scratch.live_xml(name))
    shown = [device for device in live.find('devices') if device.tag not in ('emulator', 'controller')] \
        + live.findall("devices/controller[@type='usb']")
    assert live.find("devices/interface[@type='ethernet']/target").get('dev').startswith('vnet')
    assert live.find("devices/channel[@type='unix']/source").get('path').startswith(dx.CHANNEL_TARGET_DIR)
    assert live.find("devices/console").get('tty').startswith('/dev/pts/')
    assert live.find("devices/graphics[@type='spice']").get('port') not in (None, '-1')
    assert live.find('devices/disk/backingStore') is not None  # the end of the chain the start probed
    args = {'name': name, 'devices': [{'xml': testbed.serialize(device)} for device in shown]}
    for check in (True, False):
        result = testbed.run_module('virt_device', args, check=check)
        assert result.get('failed') is not True and result['changed'] is False, result


def test_a_running_domains_devices_given_back_in_the_abstract_form_change_nothing(scratch):
    """virt_device_info reports a running domain's devices with the aliases QEMU gave them (net0, pci.1):
    each given back in that form names its device (a user alias of that name is not written), a USB tablet
    so named is unplugged, and an alias libvirt keeps no user alias of that names no running device is
    refused, nothing written."""
    name = scratch.create('q35', running=True, devices=PICKED_AT_START + "<input type='tablet' bus='usb'/>")
    before = scratch.inactive_xml(name)
    shown = testbed.run_module('virt_device_info', {'name': name})['domains'][name]['devices']
    aliases = {device['alias'] for device in shown}
    assert {'net0', 'pci.1', 'virtio-disk0', 'serial0'} <= aliases and not any(
        alias.startswith('ua-') for alias in aliases if alias), aliases
    args = {'name': name, 'devices': [device for device in shown if device['alias']]}
    for check in (True, False):
        result = testbed.run_module('virt_device', args, check=check)
        assert result.get('failed') is not True and result['changed'] is False, result
        assert {device['alias'] for device in result['domains'][name]['devices']} >= aliases - {None}, check
    assert scratch.inactive_xml(name) == before
    tablet = next(device for device in shown if device['kind'] == 'input' and device['type'] == 'tablet')
    check_then_run_agree(dict(args, devices=[tablet], state='absent'), name, ['detached'], reboot_required=False)
    assert [testbed.parse(xml).find("devices/input[@type='tablet']") for xml in
            (scratch.inactive_xml(name), scratch.live_xml(name))] == [None, None]
    testbed.assert_refused(scratch, 'virt_device', {'devices': [{'kind': 'controller', 'type': 'pci', 'alias': 'pci.9'}]},
                           [name], ["devices[0].alias", "'pci.9'", "libvirt keeps no user alias with a '.'",
                                    'the alias QEMU gave the device in the running domain'])
    scratch.stop(name)
    user_named = [dict(next(device for device in shown if device['kind'] == 'interface'), address=None)]
    changed_then_settled({'name': name, 'devices': user_named})
    nic = testbed.parse(scratch.inactive_xml(name)).find('devices/interface')
    assert nic.find('alias').get('name') == 'ua-net0'


def test_a_serial_port_with_a_user_alias_and_the_console_that_shows_it_given_back_change_nothing(scratch):
    """libvirt shows the first serial port again as a <console> holding its alias: the two, as
    virt_device_info reports them or as XML, name one device, and the console alone names it too."""
    name = scratch.create('q35', devices="<serial type='pty'><target port='0'/><alias name='ua-ser'/></serial>")
    root = testbed.parse(scratch.inactive_xml(name))
    assert [device.find('alias').get('name') for device in root.findall('devices/serial') + root.findall(
        'devices/console')] == ['ua-ser', 'ua-ser']
    shown = [device for device in testbed.run_module('virt_device_info', {'name': name})['domains'][name]['devices']
             if device['kind'] in ('serial', 'console')]
    snippets = [{'xml': testbed.serialize(device)} for device in root.findall('devices/serial') + root.findall(
        'devices/console')]
    for devices in (shown, snippets, shown[1:]):
        for check in (True, False):
            result = testbed.run_module('virt_device', {'name': name, 'devices': devices}, check=check)
            assert result.get('failed') is not True and result['changed'] is False, result


def test_a_serial_port_given_back_as_reported_goes_alone_and_the_serial_console_only_with_its_port(scratch):
    """virt_device_info reports a character device's <target> attributes, by which libvirt finds it: serial
    port 1's abstract form removes it alone. libvirt shows the first serial port as the serial console and
    puts that console back while the port stays: removing it alone is refused, nothing written; with its
    port (in either order) both go."""
    name = scratch.create('q35', devices="<serial type='pty'><target port='0'/></serial>"
                                         "<serial type='pty'><target port='1'/></serial>")
    shown = testbed.run_module('virt_device_info', {'name': name})['domains'][name]['devices']
    serials = [device for device in shown if device['kind'] == 'serial']
    console = next(device for device in shown if device['kind'] == 'console')
    assert [serial['target'] for serial in serials] == [{'type': 'isa-serial', 'port': port} for port in '01']
    assert console['target'] == {'type': 'serial', 'port': '0'}
    changed_then_settled({'name': name, 'devices': serials[1:], 'state': 'absent'})
    root = testbed.parse(scratch.inactive_xml(name))
    assert [t.get('port') for t in root.findall('devices/serial/target')] == ['0']
    assert len(root.findall('devices/console')) == 1
    testbed.assert_refused(scratch, 'virt_device', {'devices': [console], 'state': 'absent'}, [name],
                           ['devices[0]', 'puts it back while the port stays', 'the serial port it shows'])
    changed_then_settled({'name': name, 'devices': [console, serials[0]], 'state': 'absent'})
    root = testbed.parse(scratch.live_xml_when_started(name))
    assert root.findall('devices/serial') == root.findall('devices/console') == []


TWO_SERIAL_PORTS = ("<serial type='pty'><target port='0'/></serial>"
                    "<serial type='file'><source path='/var/log/vt-serial1.log'/><target port='1'/></serial>")


def consoles(root):
    return [(dict(console.attrib), [(child.tag, dict(child.attrib)) for child in console])
            for console in root.findall('devices/console')]


@pytest.mark.parametrize('devices, specs, state', [
    ('', [{'kind': 'serial', 'type': 'file', 'source': '/var/log/vt-serial0.log'}], 'present'),
    (TWO_SERIAL_PORTS, [{'kind': 'serial', 'target': {'port': '0'}}], 'absent'),
])
def test_the_serial_console_libvirt_makes_of_the_first_serial_port_is_in_the_plan(scratch, devices, specs, state):
    """A first serial port gets a console libvirt makes of it; removing serial port 0, port 1 gets it: check
    mode's planned definition has the console libvirt then writes."""
    name = scratch.create('q35', devices=devices)
    args = {'name': name, 'devices': specs, 'state': state}
    planned = testbed.run_module('virt_device', args, check=True, diff=True)['diff'][0]['after']
    changed_then_settled(args)
    written = testbed.parse(scratch.inactive_xml(name))
    assert consoles(testbed.parse(planned)) == consoles(written)
    assert [console.find('target').attrib for console in written.findall('devices/console')] == [
        {'type': 'serial', 'port': '0' if state == 'present' else '1'}]


# Devices as OpenStack Nova writes them (its libvirt config tests): each once defined, libvirt keeps it otherwise.
NOVA_WRITTEN = [
    # libvirt makes a console without a target type the serial console, and adds the serial port it shows
    ("<console type='pty'><target port='0'/></console>",
     lambda root: [(e.tag, e.find('target').get('type')) for e in root.findall('devices/serial')
                   + root.findall('devices/console')] == [('serial', 'isa-serial'), ('console', 'serial')]),
    # a tap the user made (managed='no') keeps its name, though it looks like one libvirt generates
    ("<interface type='ethernet'><mac address='DE:AD:BE:EF:CA:FE'/><model type='virtio'/>"
     "<target dev='vnet0' managed='no'/></interface>",
     lambda root: root.find("devices/interface[@type='ethernet']/target").attrib == {'dev': 'vnet0', 'managed': 'no'}),
    # SPICE with no port and autoport off listens nowhere: libvirt keeps <listen type='none'/> for its address
    ("<graphics type='spice' autoport='no' keymap='en_US' listen='127.0.0.1'/>",
     lambda root: [listen.get('type') for listen in root.findall("devices/graphics[@type='spice']/listen")] == ['none']),
    # libvirt keeps a video's ram and vram rounded up to a power of two
    ("<video><model type='qxl' vram='9216' heads='1'/></video>",
     lambda root: root.find("devices/video/model[@type='qxl']").get('vram') == '16384'),
]


@pytest.mark.parametrize('snippet, as_libvirt_keeps_it', NOVA_WRITTEN)
def test_devices_libvirt_keeps_otherwise_than_written_settle_after_one_run(scratch, snippet, as_libvirt_keeps_it):
    name = scratch.create('q35')
    changed_then_settled({'name': name, 'devices': [{'xml': snippet}]})
    assert as_libvirt_keeps_it(testbed.parse(scratch.inactive_xml(name)))


def test_graphics_audio_a_parallel_port_a_usb_hub_and_an_iommu_are_devices_too(scratch):
    """The domain's own VNC graphics and audio, as virt_device_info returns them, change nothing; SPICE
    graphics, a parallel port, a USB hub and an IOMMU are added (the guest runs with them), found again,
    and removed; on the running domain they wait for the cold boot, in check mode as in the run."""
    name = scratch.create('q35')
    own = [d for d in testbed.run_module('virt_device_info', {'name': name})['domains'][name]['devices']
           if d['kind'] in ('graphics', 'audio')]
    assert sorted(d['kind'] for d in own) == ['audio', 'graphics']
    for check in (True, False):
        assert testbed.run_module('virt_device', {'name': name, 'devices': own}, check=check)['changed'] is False
    added = [{'xml': "<graphics type='spice' autoport='yes' listen='127.0.0.1'/>"},
             {'kind': 'parallel', 'type': 'pty'}, {'xml': "<hub type='usb'/>"}, {'kind': 'iommu', 'model': 'intel'}]
    changed_then_settled({'name': name, 'devices': added})
    live = testbed.parse(scratch.live_xml_when_started(name))
    wanted = ("devices/graphics[@type='spice']", 'devices/parallel', 'devices/hub', "devices/iommu[@model='intel']")
    assert [live.find(path) is not None for path in wanted] == [True] * 4
    gone = [{'kind': 'graphics', 'type': 'spice'}, {'kind': 'parallel'}, {'kind': 'hub'}, {'kind': 'iommu'}]
    changed_then_settled({'name': name, 'devices': gone, 'state': 'absent'})
    scratch.start(name)
    args = {'name': name, 'devices': added[:1]}
    check_then_run_agree(args, name, ['not attached'], reboot_required=True)
    persistent = testbed.parse(scratch.inactive_xml(name))
    assert persistent.find("devices/graphics[@type='spice']") is not None
    assert testbed.parse(scratch.live_xml(name)).find("devices/graphics[@type='spice']") is None


# As libvirt's docs give it: versions and ids libvirt writes its own way ('2.0' is kept '2.00', 4660 0x1234),
# -1 (any) it leaves out.
REDIRFILTER = ("<redirfilter><usbdev class='0x08' vendor='4660' product='0xBEEF' version='2.0' allow='yes'/>"
               "<usbdev class='-1' vendor='-1' product='-1' version='-1' allow='no'/></redirfilter>")


def test_a_usb_redirection_filter_settles_after_one_run_and_waits_for_the_cold_boot(scratch):
    name = scratch.create('q35')
    changed_then_settled({'name': name, 'devices': [{'xml': REDIRFILTER}]})
    forms = [d for d in testbed.run_module('virt_device_info', {'name': name})['domains'][name]['devices']
             if d['kind'] == 'redirfilter']
    assert testbed.run_module('virt_device', {'name': name, 'devices': forms})['changed'] is False
    live = testbed.parse(scratch.live_xml_when_started(name))
    assert [u.get('allow') for u in live.findall('devices/redirfilter/usbdev')] == ['yes', 'no']
    changed_then_settled({'name': name, 'devices': [{'kind': 'redirfilter'}], 'state': 'absent'})
    scratch.start(name)
    check_then_run_agree({'name': name, 'devices': [{'xml': REDIRFILTER}]}, name, ['not attached'],
                         reboot_required=True)


DIMM = "<memory model='dimm'><target><size unit='{unit}'>{size}</size><node>0</node></target></memory>"


def memory_hotplug_domain(scratch, acpi=True, max_memory=True, running=False):
    """A q35 domain made for memory hot-plug: <maxMemory> with two slots, one NUMA cell and ACPI (each
    may be left out)."""
    name = testbed.scratch_name('memory')
    xml = testbed.domain_xml(name).replace('<vcpu>1</vcpu>', (
        "<maxMemory slots='2' unit='MiB'>1024</maxMemory>" if max_memory else '') + (
        "<vcpu>1</vcpu><cpu><numa><cell id='0' cpus='0' memory='64' unit='MiB'/></numa></cpu>"))
    scratch.define(xml.replace('</os>', '</os><features><acpi/><apic/></features>') if acpi else xml)
    if running:
        scratch.start(name)
    return name


def test_a_dimm_is_a_device_found_by_its_size_in_any_unit_and_hot_plugged_where_libvirt_can(scratch):
    """A DIMM given in MiB (libvirt writes KiB) is added once, the guest starts with it, and given back in
    another unit or as virt_device_info returns it, changes nothing; on the running domain a second one is
    hot-plugged (the live XML has it), in check mode as in the run; with state absent it goes."""
    name = memory_hotplug_domain(scratch)
    changed_then_settled({'name': name, 'devices': [{'xml': DIMM.format(unit='MiB', size=128)}]})
    persistent = testbed.parse(scratch.inactive_xml(name))
    assert persistent.find("devices/memory[@model='dimm']/target/size").text == '131072'
    forms = [d for d in testbed.run_module('virt_device_info', {'name': name})['domains'][name]['devices']
             if d['kind'] == 'memory']
    assert [d['model'] for d in forms] == ['dimm']
    for spec in forms + [{'xml': DIMM.format(unit='KiB', size=131072)}, {'xml': DIMM.format(unit='bytes',
                                                                                            size=128 << 20)}]:
        for check in (True, False):
            assert testbed.run_module('virt_device', {'name': name, 'devices': [spec]}, check=check)['changed'] is False
    scratch.start(name)
    check_then_run_agree({'name': name, 'devices': [{'xml': DIMM.format(unit='MiB', size=256), 'alias': 'more'}]},
                         name, ['attached'], reboot_required=False)
    live = testbed.parse(scratch.live_xml(name))
    assert [m.findtext('target/size') for m in live.findall("devices/memory[@model='dimm']")] == ['131072', '262144']
    scratch.stop(name)
    changed_then_settled({'name': name, 'devices': [{'xml': DIMM.format(unit='MiB', size=128)}], 'state': 'absent'})
    assert [target.findtext('size') for target in testbed.parse(scratch.inactive_xml(name)).findall(
        'devices/memory/target')] == ['262144']


def test_a_dimm_is_refused_on_a_domain_without_acpi_since_qemu_would_not_start_it(scratch):
    names = [memory_hotplug_domain(scratch, acpi=False), memory_hotplug_domain(scratch, acpi=False, running=True)]
    args = {'devices': [{'xml': DIMM.format(unit='MiB', size=128)}]}
    result = testbed.assert_refused(scratch, 'virt_device', args, names,
                                    ['option devices', 'QEMU would not start the definition', 'memory hotplug'])
    predicted = testbed.run_module('virt_device', dict(args, name=names), check=True)
    assert predicted['failed'] is True and predicted['msg'] == result['msg']


@pytest.mark.parametrize('acpi, max_memory, refusal', [
    (False, True, 'memory hotplug is not enabled'),
    (True, False, "'maxMemory' is not defined"),
])
def test_a_dimm_the_running_domain_cannot_take_waits_for_the_cold_boot_in_check_mode_as_in_the_run(
        scratch, acpi, max_memory, refusal):
    """The running domain started without ACPI, or without <maxMemory>, which the definition has now: the
    DIMM goes into the definition and waits for the cold boot; libvirt (or QEMU) says why."""
    name = memory_hotplug_domain(scratch, acpi=acpi, max_memory=max_memory, running=True)
    definition = scratch.inactive_xml(name)
    if not acpi:
        definition = definition.replace('</os>', '</os><features><acpi/></features>', 1)
    if not max_memory:
        definition = definition.replace('<vcpu', "<maxMemory slots='2' unit='MiB'>1024</maxMemory><vcpu", 1)
    scratch.conn.defineXML(definition)
    args = {'name': name, 'devices': [{'xml': DIMM.format(unit='MiB', size=128), 'alias': 'later'}]}
    planned = testbed.run_module('virt_device', args, check=True)
    done = testbed.run_module('virt_device', args)
    for outcome in (planned, done):
        changes = outcome['domains'][name]['live_changes']
        assert [c['action'] for c in changes] == ['not attached'] and refusal in changes[0]['error'], changes
        assert outcome['changed'] is True and outcome['domains'][name]['reboot_required'] is True
    assert testbed.run_module('virt_device', args)['changed'] is False
    assert testbed.parse(scratch.live_xml(name)).find('devices/memory') is None
    assert testbed.parse(scratch.inactive_xml(name)).find("devices/memory/alias[@name='ua-later']") is not None


USB_CDROM = "<disk type='file' device='cdrom'><source file='{iso}'/><target dev='sdb' bus='usb'{removable}/><readonly/></disk>"


def test_an_empty_usb_cdrom_is_refused_since_qemu_would_not_start_it(scratch):
    names = [scratch.create('q35'), scratch.create('i440fx')]
    result = testbed.assert_refused(scratch, 'virt_device', {'devices': [
        {'kind': 'disk', 'alias': 'cd', 'device': 'cdrom', 'bus': 'usb'}]}, names,
        ['option devices', 'QEMU would not start the definition', 'usb-storage: drive property not set'])
    predicted = testbed.run_module('virt_device', {'name': names, 'devices': [
        {'kind': 'disk', 'alias': 'cd', 'device': 'cdrom', 'bus': 'usb'}]}, check=True)
    assert predicted['failed'] is True and predicted['msg'] == result['msg']


@pytest.mark.parametrize('bus', ['scsi', 'usb'])
def test_an_empty_drive_waits_for_the_cold_boot_in_check_mode_as_in_the_run(scratch, bus):
    """libvirt 9.0 hot-plugs no drive without a medium; one with a medium it does."""
    name = scratch.create('q35', running=True, devices="<controller type='scsi' model='virtio-scsi'/>")
    iso = testbed.image(testbed.scratch_name('iso'))
    drive = {'kind': 'disk', 'alias': 'cd', 'device': 'cdrom', 'bus': bus, 'target': 'sdc'}
    if bus == 'scsi':  # an empty USB cdrom is refused outright (above)
        check_then_run_agree({'name': name, 'devices': [dict(drive, source='')]}, name, ['not attached'],
                             reboot_required=True)
    check_then_run_agree({'name': name, 'devices': [dict(drive, alias='cd2', target='sdd', source=iso)]}, name,
                         ['attached'], reboot_required=False)


@pytest.mark.parametrize('removable, live_actions', [('', ['not updated']), (" removable='on'", ['updated'])])
def test_a_usb_cdrom_takes_a_new_medium_live_only_when_removable(scratch, removable, live_actions):
    first, second = testbed.image(testbed.scratch_name('iso1')), testbed.image(testbed.scratch_name('iso2'))
    name = scratch.create('q35', running=True, devices=USB_CDROM.format(iso=first, removable=removable))
    args = {'name': name, 'devices': [{'kind': 'disk', 'target': 'sdb', 'source': second}]}
    check_then_run_agree(args, name, live_actions, reboot_required=live_actions == ['not updated'])
    running = testbed.parse(scratch.live_xml(name)).find("devices/disk[@device='cdrom']/source").get('file')
    assert running == (second if live_actions == ['updated'] else first)


@pytest.mark.parametrize('devices, option, fragment', [
    ([{'kind': 'floppy-drive'}], 'devices[0].kind', "'floppy-drive'"),
    ([{'kind': 'disk', 'alias': 'x', 'sorce': '/a'}], 'devices[0].sorce', 'not a key'),
    ([{'kind': 'disk', 'alias': 'x', 'boot_order': 'first'}], 'devices[0].boot_order', 'an integer'),
    ([{'kind': 'rng', 'alias': 'r'}, {'kind': 'rng', 'alias': 'ua-r'}], 'devices[1].alias', 'has it too'),
    ([{'kind': 'interface', 'type': 'user'}], 'devices[0].alias', 'could not be found again'),
    ([{'kind': 'video', 'model': 'no-such-model'}], 'devices', 'libvirt refuses'),
    ([{'kind': 'serial', 'alias': 's', 'model': 'isa-serial'}], 'devices[0].model', 'gives a <serial> no model'),
    ([{'kind': 'filesystem', 'alias': 'fs', 'source': '/srv'}], 'devices[0].target', 'finds filesystems by it'),
    ([{'kind': 'graphics', 'type': 'vnc', 'alias': 'screen'}], 'devices[0].alias', 'gives a <graphics> no alias'),
    ([{'xml': "<audio id='1' type='none'/>", 'alias': 'sound'}], 'devices[0].alias', 'gives a <audio> no alias'),
    ([{'kind': 'redirfilter', 'alias': 'usb-filter'}], 'devices[0].alias', 'gives a <redirfilter> no alias'),
])
def test_a_bad_spec_is_refused_and_nothing_changes(scratch, devices, option, fragment):
    names = [scratch.create('q35'), scratch.create('q35', running=True)]
    testbed.assert_refused(scratch, 'virt_device', {'devices': devices}, names, [option, fragment])
