"""Device specs: checks, the element each kind builds, filling from the domain, finding by alias."""

from __future__ import annotations

import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _device_spec as spec_
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption

DOMAIN = """<domain type='qemu'><name>d</name><metadata/>
<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os><devices>
  <disk type='file' device='disk'><source file='/a.img'/><target dev='vda' bus='virtio'/></disk>
  <interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/></interface>
</devices></domain>"""


def domain(stash=None, transitional=False):
    root = dx.parse(DOMAIN.replace("model type='virtio'", "model type='virtio-transitional'") if transitional
                    else DOMAIN)
    if stash:
        dx.stash_properties(root, stash)
    return root


@pytest.mark.parametrize('spec, option, fragment', [
    ('disk', 'devices', 'a dict'),
    ({'kind': 'floppy-drive'}, 'devices.kind', "'floppy-drive'"),
    ({'kind': 'disk', 'sorce': '/a'}, 'devices.sorce', 'not a key'),
    ({'kind': 'disk', 'boot_order': 'first'}, 'devices.boot_order', 'an integer'),
    ({'kind': 'disk', 'readonly': 'yes'}, 'devices.readonly', 'true or false'),
    ({'kind': 'disk', 'boot_order': True}, 'devices.boot_order', 'an integer'),
    ({'kind': 'disk', 'alias': 'bad alias!'}, 'devices.alias', 'letters, digits'),
    ({'xml': '<disk/>', 'kind': 'disk'}, 'devices', 'either kind'),
    ({}, 'devices', 'either kind'),
])
def test_a_bad_spec_names_the_key_the_value_and_what_is_allowed(spec, option, fragment):
    with pytest.raises(InvalidOption) as raised:
        spec_.check(spec)
    assert raised.value.option == option and fragment in raised.value.msg, raised.value.msg


def test_two_specs_with_one_alias_are_refused():
    params = {'devices': [{'kind': 'rng', 'alias': 'r'}, {'kind': 'disk', 'alias': 'ua-r'}], 'unplug_timeout': 10}
    with pytest.raises(InvalidOption) as raised:
        spec_.check_all(params)
    assert raised.value.option == 'devices[1].alias' and 'devices[0] has it too' in raised.value.msg


@pytest.mark.parametrize('spec', [
    {'kind': 'disk', 'alias': 'data', 'source': '/d.img', 'target': 'vdb', 'bus': 'virtio', 'boot_order': 2},
    {'kind': 'disk', 'device': 'cdrom', 'target': 'sda', 'bus': 'sata', 'source': '/x.iso'},
    {'kind': 'interface', 'mac': '52:54:00:aa:bb:cc', 'source': {'network': 'default'}, 'model': 'e1000e'},
    {'kind': 'controller', 'type': 'usb', 'index': 1, 'model': 'qemu-xhci'},
    {'kind': 'input', 'type': 'tablet', 'bus': 'usb', 'alias': 'tab'},
    {'kind': 'rng', 'model': 'virtio', 'source': '/dev/urandom'},
    {'kind': 'video', 'model': 'vga'},
    {'kind': 'watchdog', 'model': 'i6300esb', 'action': 'reset'},
    {'kind': 'redirdev', 'bus': 'usb', 'type': 'spicevmc'},
    {'kind': 'filesystem', 'source': '/srv/share', 'target': 'share', 'model': 'virtio-transitional'},
    {'kind': 'shmem', 'model': 'ivshmem-plain', 'alias': 'shm'},
])
def test_the_element_reads_back_as_the_spec_in_the_abstract_form(spec):
    form = dx.abstract(spec_.element_of(spec, new=True))
    for key in ('kind', 'type', 'bus', 'model', 'target', 'mac', 'index'):
        if key in spec:
            assert form[key] == spec[key], (key, form)
    if 'alias' in spec:
        assert form['alias'] == 'ua-' + spec['alias']


def test_a_disk_without_bus_goes_on_the_stashed_bus_with_a_controller_and_a_free_target():
    root = domain(stash={'hw_disk_bus': 'scsi'})
    element = spec_.element_of({'kind': 'disk', 'alias': 'data', 'source': '/d.img'}, new=True)
    filled = spec_.fill(root, element, {'kind': 'disk', 'alias': 'data', 'source': '/d.img'})
    assert (dx.disk_bus(element), dx.disk_target(element)) == ('scsi', 'sda')
    assert filled['bus'] == 'the stashed hw_disk_bus' and 'controller' in filled
    assert [c.get('model') for c in dx.find_devices(root, 'controller', type='scsi')] == ['virtio-scsi']


@pytest.mark.parametrize('target, added', [('virtio', True), ('guestfwd', False)])
def test_a_virtio_channel_comes_with_a_virtio_serial_controller_when_the_domain_has_none(target, added):
    root = domain()
    spec = {'kind': 'channel', 'alias': 'agent', 'type': 'unix', 'target': {'type': target, 'name': 'org.qemu.guest_agent.0'}}
    filled = spec_.fill(root, spec_.element_of(spec, new=True), spec)
    assert len(dx.find_devices(root, 'controller', type='virtio-serial')) == int(added)
    assert ('controller' in filled) is added
    # a second channel finds the controller there
    assert 'controller' not in spec_.fill(root, spec_.element_of(dict(spec, alias='other'), new=True), spec)


def test_the_policy_comes_before_the_stash_and_an_explicit_value_before_both():
    root = domain(stash={'hw_vif_model': 'e1000e'})
    nic = {'kind': 'interface', 'alias': 'n'}
    element = spec_.element_of(nic, new=True)
    assert spec_.fill(root, element, nic, policy={'hw_vif_model': 'virtio'}) == {'model': 'policy hw_vif_model'}
    assert dx.device_model(element) == 'virtio'
    element = spec_.element_of(nic, new=True)
    assert spec_.fill(root, element, nic) == {'model': 'the stashed hw_vif_model'}
    assert dx.device_model(element) == 'e1000e'
    explicit = dict(nic, model='rtl8139')
    element = spec_.element_of(explicit, new=True)
    assert spec_.fill(root, element, explicit) == {} and dx.device_model(element) == 'rtl8139'


def test_a_virtio_device_on_a_transitional_domain_is_transitional():
    rng = {'kind': 'rng', 'model': 'virtio', 'alias': 'r', 'source': '/dev/random'}
    element = spec_.element_of(rng, new=True)
    assert spec_.fill(domain(transitional=True), element, rng)['model'].startswith('virtio-transitional')
    assert element.get('model') == 'virtio-transitional'
    element = spec_.element_of(rng, new=True)
    assert spec_.fill(domain(), element, rng) == {} and element.get('model') == 'virtio'


def test_a_new_rng_without_model_or_source_is_virtio_on_urandom_and_takes_the_domains_flavour():
    rng = {'kind': 'rng', 'alias': 'r'}
    element = spec_.element_of(rng, new=True)
    assert sorted(spec_.fill(domain(), element, rng)) == ['model', 'source']
    assert dx.serialize(element) == ('<rng model="virtio"><backend model="random">/dev/urandom</backend>'
                                     '<alias name="ua-r"/></rng>')
    element = spec_.element_of(rng, new=True)
    spec_.fill(domain(transitional=True), element, rng)
    assert element.get('model') == 'virtio-transitional'


@pytest.mark.parametrize('flavour', ['virtio-transitional', 'virtio-non-transitional'])
def test_a_plain_virtio_spec_keeps_a_nics_flavour(flavour):
    """fill gives a new NIC the domain's flavour; the same spec again must not take it away."""
    root = dx.parse(DOMAIN.replace("model type='virtio'", "model type='%s'" % flavour))
    nic = {'kind': 'interface', 'mac': '52:54:00:00:00:01', 'model': 'virtio'}
    change = planned(root, [nic])
    assert change.changed is False and dx.device_model(dx.find_devices(change.after, 'interface')[0]) == flavour
    change = planned(root, [dict(nic, model='e1000e')])
    assert dx.device_model(dx.find_devices(change.after, 'interface')[0]) == 'e1000e'


def test_a_device_is_found_by_its_alias_first_then_by_its_natural_key():
    root = domain()
    dx.append_device(root, spec_.element_of({'kind': 'rng', 'model': 'virtio', 'alias': 'r1'}))
    assert spec_.find(root, spec_.element_of({'kind': 'rng', 'alias': 'r1'})).get('model') == 'virtio'
    by_target = spec_.find(root, spec_.element_of({'kind': 'disk', 'target': 'vda'}))
    assert dx.disk_target(by_target) == 'vda'
    assert spec_.find(root, spec_.element_of({'kind': 'disk', 'target': 'vdz'})) is None
    dx.append_device(root, spec_.element_of({'kind': 'rng', 'model': 'virtio', 'alias': 'r1'}))
    with pytest.raises(InvalidOption) as raised:
        spec_.find(root, spec_.element_of({'kind': 'rng', 'alias': 'r1'}))
    assert '2 devices hold the alias ua-r1' in raised.value.msg


def test_the_model_goes_where_libvirts_schema_keeps_it_for_the_kind():
    assert spec_.element_of({'kind': 'filesystem', 'target': 't', 'model': 'virtio'}).get('model') == 'virtio'
    shmem = spec_.element_of({'kind': 'shmem', 'model': 'ivshmem-plain'})
    assert shmem.get('model') is None and shmem.find('model').get('type') == 'ivshmem-plain'


@pytest.mark.parametrize('kind', dx.MODELLESS_KINDS)
def test_a_model_on_a_kind_that_has_none_is_refused(kind):
    with pytest.raises(InvalidOption) as raised:
        spec_.check({'kind': kind, 'model': 'isa-serial'}, 'devices[0]')
    assert raised.value.option == 'devices[0].model' and 'gives a <%s> no model' % kind in raised.value.msg


FILESYSTEMS = [{'kind': 'filesystem', 'source': '/srv/a', 'target': 'a'},
               {'kind': 'filesystem', 'source': '/srv/b', 'target': 'b'}]


def test_filesystems_are_found_by_their_target_dir():
    """Two shares in one task are two filesystems, and the same task again changes nothing."""
    change = planned(domain(), FILESYSTEMS)
    forms = [dx.abstract(f) for f in dx.find_devices(change.after, 'filesystem')]
    assert [(f['target'], f['model']) for f in forms] == [('a', None), ('b', None)]
    assert planned(change.after, FILESYSTEMS).changed is False
    change = planned(change.after, [dict(FILESYSTEMS[1], source='/srv/c')])
    sources = [f.find('source').get('dir') for f in dx.find_devices(change.after, 'filesystem')]
    assert sources == ['/srv/a', '/srv/c']


def test_a_new_filesystem_without_a_target_is_refused():
    with pytest.raises(InvalidOption) as raised:
        planned(domain(), [{'kind': 'filesystem', 'source': '/srv/a', 'alias': 'share'}])
    assert raised.value.option == 'devices[0].target' and 'finds filesystems by it' in raised.value.msg


SERIAL_CONSOLE = ("<serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>"
                  "<console type='pty'><target type='serial' port='0'/></console>")


def domain_with(devices_xml):
    root = domain()
    for device in dx.parse('<devices>%s</devices>' % devices_xml, root_tag=None):
        dx.append_device(root, device)
    return root


def planned_devices(devices_xml, specs, kind):
    """The change specs plan on a domain with these devices, and its devices of the kind afterwards."""
    root = domain_with(devices_xml)
    change = planned(root, specs)
    return change, dx.find_devices(change.after, kind)


def test_a_serial_port_is_found_by_its_port_number():
    """libvirt numbers serial ports: port 1 is a new port, not serial 0 renumbered; port 0 of another
    type is serial 0 changed, not a second port 0 (libvirt: "target port '0' already allocated")."""
    _change, serials = planned_devices(SERIAL_CONSOLE, [{'kind': 'serial', 'type': 'pty', 'target': {'port': 1}}],
                                       'serial')
    assert [(s.get('type'), s.find('target').get('port')) for s in serials] == [('pty', '0'), ('pty', '1')]
    to_file = {'kind': 'serial', 'type': 'file', 'source': '/var/log/ttyS0.log', 'target': {'port': 0}}
    _change, serials = planned_devices(SERIAL_CONSOLE, [to_file], 'serial')
    assert [(s.get('type'), s.find('target').get('port')) for s in serials] == [('file', '0')]


def test_a_serial_spec_without_a_port_takes_the_port_of_its_type():
    change, serials = planned_devices(SERIAL_CONSOLE, [{'kind': 'serial', 'type': 'pty'}], 'serial')
    assert change.changed is False and len(serials) == 1
    _change, serials = planned_devices(SERIAL_CONSOLE, [{'kind': 'serial', 'type': 'file', 'source': '/l'}], 'serial')
    assert [s.get('type') for s in serials] == ['pty', 'file']


USB_HOSTDEV = ("<hostdev mode='subsystem' type='usb' managed='no'><source startupPolicy='optional'>"
               "<vendor id='{vendor}'/><product id='0x0001'/></source></hostdev>")
PCI_HOSTDEV = ("<hostdev mode='subsystem' type='pci' managed='yes'><source>"
               "<address domain='0x0000' bus='0x{bus}' slot='0x00' function='0x0'/></source></hostdev>")


def test_host_devices_are_found_by_the_host_device_they_pass_through():
    wanted = [{'xml': USB_HOSTDEV.format(vendor='0x1d6b')}, {'xml': USB_HOSTDEV.format(vendor='0x0627')},
              {'xml': PCI_HOSTDEV.format(bus='05')}]
    _change, hostdevs = planned_devices('', wanted, 'hostdev')
    assert len(hostdevs) == 3
    have = ''.join(spec['xml'] for spec in wanted)
    assert planned_devices(have, wanted, 'hostdev')[0].changed is False
    # a number spelled another way (0x1D6B, bus 0x5) and a startup policy: the same host device
    again = [{'xml': USB_HOSTDEV.format(vendor='0x1D6B').replace("startupPolicy='optional'", '')},
             {'xml': PCI_HOSTDEV.format(bus='5')}]
    assert len(planned_devices(have, again, 'hostdev')[1]) == 3
    # a running domain's USB device shows the address the start found it at: still the device its spec names
    wanted = spec_.element_of({'xml': USB_HOSTDEV.format(vendor='0x1d6b')})
    live = dx.parse(USB_HOSTDEV.format(vendor='0x1d6b').replace('</source>', "<address bus='1' device='3'/></source>"),
                    root_tag=None)
    assert spec_.same_device(live, wanted)
    assert not spec_.same_device(live, spec_.element_of({'xml': USB_HOSTDEV.format(vendor='0x0627')}))


def test_a_spec_of_a_kind_a_domain_has_one_of_is_that_device_whatever_its_model():
    """Turning ballooning off changes the one memballoon; a second one libvirt's schema refuses."""
    change, balloons = planned_devices("<memballoon model='virtio'><stats period='10'/></memballoon>",
                                       [{'kind': 'memballoon', 'model': 'none'}], 'memballoon')
    assert change.changed is True and [b.get('model') for b in balloons] == ['none']


def _state(root):
    return type('State', (), {'before': root, 'before_xml': dx.serialize(root), 'running': False, 'live': None})()


def planned(root, specs, state='present'):
    """The change virt_device plans for specs on root, a stopped domain."""
    params = {'devices': specs, 'state': state}
    return spec_.plan(_state(root), spec_.check_all(dict(params, unplug_timeout=10)), params)


def test_a_change_keeps_what_the_spec_does_not_name():
    root = domain()
    disk = dx.disks(root)[0]
    disk.append(dx.new_element('address', {'type': 'pci', 'bus': '0x04'}))
    changed = spec_.merged(disk, spec_.element_of({'kind': 'disk', 'target': 'vda', 'source': '/b.img'}))
    assert changed.find('source').get('file') == '/b.img'
    assert changed.find('address').get('bus') == '0x04' and dx.disk_bus(changed) == 'virtio'


@pytest.mark.parametrize('existing', [
    # as libvirt writes the definition of a SPICE display without a port
    "<graphics type='spice'><listen type='none'/></graphics>",
    # as another tool's file gives it, before libvirt has read it
    "<graphics type='spice'/>",
])
@pytest.mark.parametrize('asked', [
    "<graphics type='spice'/>",
    "<graphics type='spice' autoport='no' keymap='en_US' listen='127.0.0.1'/>",
])
def test_a_spice_display_without_a_port_is_no_change_in_either_form(existing, asked):
    root = domain()
    keymap = " keymap='en_US'" if 'keymap' in asked else ''
    dx.append_device(root, dx.parse(existing.replace("type='spice'", "type='spice'" + keymap, 1), root_tag=None))
    assert dx.same_document(planned(root, [{'xml': asked}]).after, root)


def test_a_spice_display_given_a_port_is_a_change():
    root = domain()
    dx.append_device(root, dx.parse("<graphics type='spice'><listen type='none'/></graphics>", root_tag=None))
    after = planned(root, [{'xml': "<graphics type='spice' autoport='no' port='5905'/>"}]).after
    assert after.find('devices/graphics').get('port') == '5905'


LIBVIRT_SPELLED = """<interface type='network'><mac address='52:54:00:ab:cd:ef'/><source network='default'/>
  <model type='virtio'/><address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x0'/></interface>
<hostdev mode='subsystem' type='usb' managed='no'><source><vendor id='0x1d6b'/><product id='0x0002'/></source>
  </hostdev>"""


@pytest.mark.parametrize('specs', [
    [{'kind': 'interface', 'mac': '52:54:00:AB:CD:EF',
      'address': {'type': 'pci', 'domain': 0, 'bus': 7, 'slot': 0, 'function': 0}}],
    [{'xml': "<interface type='network'><mac address='52:54:00:ab:cd:ef'/>"
             "<address type='pci' domain='0' bus='0x7' slot='0' function='0'/></interface>"}],
    [{'xml': "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1D6B'/><product id='2'/></source>"
             "</hostdev>"}],
], ids=['abstract', 'snippet', 'usb-ids'])
def test_a_value_libvirt_spells_otherwise_is_no_change(specs):
    """libvirt writes numbers and MAC addresses its own way: a spec's spelling of the same value would
    read back as a change on every run."""
    change, _devices = planned_devices(LIBVIRT_SPELLED, specs, 'interface')
    assert not change.changed, change.after_xml


@pytest.mark.parametrize('address, written', [
    ({'type': 'pci', 'bus': 8}, '8'),
    # libvirt reads a leading 0 as octal in some attributes, as decimal in others: compared as text
    ({'type': 'pci', 'bus': '07'}, '07'),
])
def test_another_number_is_a_change(address, written):
    change, interfaces = planned_devices(LIBVIRT_SPELLED, [{'kind': 'interface', 'mac': '52:54:00:ab:cd:ef',
                                                           'address': address}], 'interface')
    assert interfaces[-1].find('address').get('bus') == written


REDIRECTIONS = """<redirdev bus='usb' type='spicevmc'><address type='usb' bus='0' port='2'/></redirdev>
<redirdev bus='usb' type='spicevmc'><address type='usb' bus='0' port='3'/></redirdev>"""
TEAM = """<interface type='user'><mac address='52:54:00:00:00:02'/><model type='virtio'/>
  <teaming type='persistent'/></interface>
<interface type='hostdev' managed='yes'><mac address='52:54:00:00:00:02'/>
  <source><address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/></source>
  <teaming type='transient' persistent='ua-backup0'/></interface>"""


@pytest.mark.parametrize('devices_xml, kind', [(REDIRECTIONS, 'redirdev'), (TEAM, 'interface')])
def test_twins_of_one_key_are_told_apart_by_what_the_spec_gives(devices_xml, kind):
    """Two USB redirections differ by their address alone, a NIC and the host NIC teamed with it share a MAC:
    each one's abstract form takes that one, and changes nothing."""
    root = domain()
    for device in dx.parse('<devices>%s</devices>' % devices_xml, root_tag=None):
        dx.append_device(root, device)
    for twin in dx.find_devices(root, kind)[-2:]:
        form = {key: value for key, value in dx.abstract(twin).items() if value is not None}
        assert spec_.find(root, spec_.element_of(form)) is twin
        assert not planned(root, [form]).changed


def test_a_twin_given_with_its_address_is_removed_alone():
    specs = [{'kind': 'redirdev', 'bus': 'usb', 'type': 'spicevmc', 'address': {'type': 'usb', 'bus': 0, 'port': 3}}]
    root = domain()
    for device in dx.parse('<devices>%s</devices>' % REDIRECTIONS, root_tag=None):
        dx.append_device(root, device)
    for _run in range(2):  # the second run finds nothing more to remove
        root = planned(root, specs, state='absent').after
        assert [r.find('address').get('port') for r in dx.find_devices(root, 'redirdev')] == ['2']


RBD = """<disk type='network' device='disk'><driver name='qemu' type='raw'{cache}/>
  <source protocol='rbd' name='pool/image'>
    <host name='mon1.example.org' port='6321'/><host name='mon2.example.org' port='6322'/>
    <host name='mon3.example.org' port='6322'/></source>
  <target dev='vdb' bus='virtio'/></disk>"""


def test_repeated_children_go_onto_the_ones_at_their_position():
    """A network disk's monitors are three <host> children: its own snippet changes nothing, a snippet
    changing the cache mode keeps each host where it was, one changing the second host changes that one,
    one without the second host leaves two."""
    second_host = "<host name='mon2.example.org' port='6322'/>"
    hosts = {}
    for cache, second in (('', second_host), (" cache='none'", second_host),
                          (" cache='none'", second_host.replace('mon2', 'mon9')), ('', '')):
        change, disks = planned_devices(RBD.format(cache=''), [{'xml': RBD.format(cache=cache).replace(
            second_host, second)}], 'disk')
        hosts[cache, second[12:16]] = (change.changed, [h.get('name')[:4] for h in disks[-1].findall('source/host')],
                                       disks[-1].find('driver').get('cache'))
    assert hosts == {('', 'mon2'): (False, ['mon1', 'mon2', 'mon3'], None),
                     (" cache='none'", 'mon2'): (True, ['mon1', 'mon2', 'mon3'], 'none'),
                     (" cache='none'", 'mon9'): (True, ['mon1', 'mon9', 'mon3'], 'none'),
                     ('', ''): (True, ['mon1', 'mon3'], None)}


def test_the_snippet_of_the_filter_is_the_element_filled_from_the_domain():
    xml = spec_.snippet({'kind': 'disk', 'alias': 'data', 'source': '/d.img'},
                        domain_xml=dx.serialize(domain(stash={'hw_disk_bus': 'sata'})))
    element = dx.parse(xml, root_tag='disk')
    assert (dx.disk_bus(element), dx.disk_target(element), dx.device_alias(element)) == ('sata', 'sda', 'ua-data')


NETWORK_NIC = ("<interface type='network'><mac address='52:54:00:00:00:02'/><source network='default'/>"
               "<model type='virtio'/></interface>")


@pytest.mark.parametrize('spec, read, expected', [
    ({'kind': 'disk', 'target': 'vda', 'boot_order': 1, 'driver': {'cache': 'none'}},
     lambda d: (d.find('source').get('file'), dx.disk_bus(d), d.find('boot').get('order'),
                d.find('driver').get('cache')),
     ('/a.img', 'virtio', '1', 'none')),
    ({'kind': 'interface', 'mac': '52:54:00:00:00:02', 'model': 'e1000e'},
     lambda i: (i.get('type'), i.find('source').get('network'), dx.device_model(i)), ('network', 'default', 'e1000e')),
])
def test_the_snippet_of_a_device_the_domain_has_is_that_device_as_the_spec_changes_it(spec, read, expected):
    root = domain_with(NETWORK_NIC)
    xml = spec_.snippet(spec, domain_xml=dx.serialize(root))
    assert read(dx.parse(xml, root_tag=spec['kind'])) == expected and xml == xml.strip()
    # given back as a snippet, it is the change the spec makes
    assert dx.same_document(planned(domain_with(NETWORK_NIC), [{'xml': xml}]).after,
                            planned(domain_with(NETWORK_NIC), [spec]).after)


def test_a_spec_that_changes_a_device_names_only_what_it_gives():
    element = spec_.element_of({'kind': 'interface', 'mac': '52:54:00:00:00:01', 'model': 'e1000e'})
    assert element.get('type') is None  # an existing network NIC stays a network NIC
    changed = spec_.merged(dx.find_devices(domain(), 'interface')[0], element)
    assert changed.get('type') == 'user' and dx.device_model(changed) == 'e1000e'


CDROM = "<disk type='file' device='cdrom'><source file='/x.iso'/><backingStore/><target dev='sda' bus='sata'/></disk>"


@pytest.mark.parametrize('given', [{'source': ''}, {'source': {}}, {'xml': "<disk device='cdrom'><source/>"
                                                                           "<target dev='sda'/></disk>"}])
def test_an_empty_source_takes_the_medium_out_of_a_cdrom_and_keeps_the_drive(given):
    cdrom = dx.parse(CDROM, root_tag=None)
    spec = dict(given) if 'xml' in given else dict(given, kind='disk', device='cdrom', target='sda')
    spec_.check(spec)
    empty = spec_.merged(cdrom, spec_.element_of(spec))
    assert empty.find('source') is None and empty.find('backingStore') is None
    assert (empty.get('device'), dx.disk_target(empty), dx.disk_bus(empty)) == ('cdrom', 'sda', 'sata')
    again = spec_.merged(empty, spec_.element_of(spec))
    assert dx.same_document(again, empty)  # an empty drive stays as it is
    filled = spec_.merged(empty, spec_.element_of({'kind': 'disk', 'target': 'sda', 'source': '/y.iso'}))
    assert filled.find('source').get('file') == '/y.iso'


def test_an_emptied_network_or_block_drive_is_an_empty_file_drive_as_libvirt_keeps_it():
    for held in ("<disk type='network' device='cdrom'><source protocol='http' name='/x.iso'><host name='h'/>"
                 "</source><target dev='hdc' bus='ide'/></disk>",
                 "<disk type='block' device='floppy'><source dev='/dev/fd0'/><target dev='fda' bus='fdc'/></disk>",
                 "<disk type='dir' device='floppy'><driver name='qemu' type='fat'/><source dir='/srv/f'/>"
                 "<target dev='fda' bus='fdc'/></disk>"):
        drive = dx.parse(held, root_tag=None)
        empty = spec_.merged(drive, spec_.element_of({'kind': 'disk', 'target': dx.disk_target(drive), 'source': ''}))
        assert empty.get('type') == 'file' and empty.find('source') is None
        assert empty.find('driver') is None or empty.find('driver').get('type') is None  # 'fat' needs a directory


def test_a_new_empty_drive_has_no_source_and_only_a_removable_one_may_be_empty():
    xml = spec_.snippet({'kind': 'disk', 'device': 'floppy', 'target': 'fda', 'source': ''})
    floppy = dx.parse(xml, root_tag='disk')
    assert floppy.find('source') is None and (floppy.get('device'), dx.disk_target(floppy)) == ('floppy', 'fda')
    refused = {'the disk ua-data cannot be empty': {'kind': 'disk', 'alias': 'data', 'source': ''},
               'the lun sdb cannot be empty': {'kind': 'disk', 'device': 'lun', 'target': 'sdb', 'source': {}},
               'a disk cannot be empty': {'kind': 'disk', 'source': ''}}
    for reason, spec in refused.items():
        with pytest.raises(InvalidOption) as raised:
            spec_.snippet(spec)
        assert raised.value.option == 'spec.source' and "'' (no medium) on a cdrom or floppy" in raised.value.msg
        assert reason in raised.value.msg


def test_an_empty_source_on_an_existing_disk_is_refused_naming_it():
    root = domain()
    state = _state(root)
    params = {'devices': [{'kind': 'disk', 'target': 'vda', 'source': ''}], 'state': 'present'}
    wanted = spec_.check_all(dict(params, unplug_timeout=10))
    with pytest.raises(InvalidOption) as raised:
        spec_.plan(state, wanted, params)
    assert raised.value.option == 'devices[0].source' and raised.value.value == ''
    assert 'the disk vda cannot be empty' in raised.value.msg


AGENT = "<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
AGENT_SPEC = {'kind': 'channel', 'alias': 'agent', 'target': {'type': 'virtio', 'name': 'org.qemu.guest_agent.0'}}


def planned_channels(root, specs):
    return [dx.serialize(channel) for channel in dx.find_devices(planned(root, specs).after, 'channel')]


def test_a_channel_is_found_by_its_port_name_as_libvirt_keys_it():
    """virt-install gives Linux guests an agent channel without an alias: a spec of the same port takes it."""
    root = domain()
    dx.append_device(root, dx.parse(AGENT, root_tag=None))
    (channel,) = planned_channels(root, [AGENT_SPEC])
    assert 'ua-agent' in channel and "mode=\"bind\"" in channel
    assert len(planned_channels(root, [dict(AGENT_SPEC, target={'type': 'virtio', 'name': 'org.example.0'})])) == 2


GUESTFWD = "<channel type='pty'><target type='guestfwd' address='10.0.2.1' port='4600'/></channel>"
OTHER = "<channel type='unix'><target type='virtio' name='org.example.0'/><alias name='ua-other'/></channel>"


@pytest.mark.parametrize('channels, specs, option, holder', [
    # a new channel takes the port another holds under its own alias
    ([AGENT.replace("<source mode='bind'/>", "<alias name='ua-first'/>")], [AGENT_SPEC], 'devices[0]', 'ua-first'),
    # a channel renamed to the port another has
    ([AGENT, OTHER, GUESTFWD], [dict(AGENT_SPEC, alias='other')], 'devices[0]', 'without an alias'),
])
def test_two_channels_of_one_port_name_are_refused(channels, specs, option, holder):
    root = domain()
    for channel in channels:
        dx.append_device(root, dx.parse(channel, root_tag=None))
    with pytest.raises(InvalidOption) as raised:
        planned_channels(root, specs)
    assert raised.value.option == option + '.target.name' and raised.value.value == 'org.qemu.guest_agent.0'
    assert 'the channel %s has it' % holder in raised.value.msg and 'two virtio ports of one name' in raised.value.msg
    assert 'in use: org.' in raised.value.msg


def test_a_repeated_port_name_is_found():
    root = domain()
    dx.append_device(root, dx.parse(AGENT, root_tag=None))
    assert dx.repeated_port_name(root) is None
    dx.append_device(root, dx.parse(AGENT.replace("<source mode='bind'/>", ''), root_tag=None))
    assert dx.repeated_port_name(root) == 'org.qemu.guest_agent.0'


RUNNING_NIC = """<interface type='{type}'><mac address='52:54:00:00:00:01'/>{source}<model type='virtio'/>
<alias name='net0'/></interface>"""


@pytest.mark.parametrize('kind, source, wanted, changed', [
    ('user', '', "<link state='down'/><model type='e1000'/>", ['link']),
    ('user', '', "<model type='e1000'/>", None),
    ('user', '', "<mtu size='1400'/>", None),
    ('bridge', "<source bridge='br0'/>", "<source bridge='br1'/><model type='e1000'/>", ['source']),
    ('bridge', "<source bridge='br0'/>", "<source bridge='br0'/>", None),
])
def test_a_running_interface_is_updated_only_in_what_libvirt_changes_in_place(kind, source, wanted, changed):
    running = dx.parse(RUNNING_NIC.format(type=kind, source=source), root_tag=None)
    element = dx.parse("<interface type='%s'><mac address='52:54:00:00:00:01'/>%s</interface>" % (kind, wanted),
                       root_tag=None)
    update = spec_.live_update(running, element)
    if changed is None:
        assert update is None
        return
    assert update.find('model').get('type') == 'virtio'  # the model waits for a cold boot
    assert update.find('alias').get('name') == 'net0'
    for tag in changed:
        assert dx.same_document(update.find(tag), element.find(tag))


RUNNING_CDROM = """<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='/a.iso' index='1'/>
<backingStore/><target dev='sda' bus='sata'/><readonly/><alias name='sata0-0-0'/></disk>"""


@pytest.mark.parametrize('spec, medium', [
    ({'source': '/b.iso', 'driver': {'cache': 'none'}}, '/b.iso'),  # the medium now, the cache at a cold boot
    ({'source': ''}, None),  # ejected
    ({'source': '/a.iso', 'driver': {'cache': 'none'}}, 'unchanged'),
])
def test_a_running_drive_is_updated_only_in_its_medium(spec, medium):
    running = dx.parse(RUNNING_CDROM, root_tag=None)
    full = dict(spec, kind='disk', device='cdrom', target='sda')
    update = spec_.live_update(running, spec_.element_of(full))
    if medium == 'unchanged':
        assert update is None
        return
    assert update.find('driver').get('cache') is None and update.find('driver').get('type') == 'raw'
    assert (update.find('source').get('file') if update.find('source') is not None else None) == medium
    assert update.find('alias').get('name') == 'sata0-0-0' and update.find('readonly') is not None


def running_state(root, live):
    return type('State', (), {'before': root, 'before_xml': dx.serialize(root), 'running': True, 'live': live})()


def live_of(root, aliases):
    """root as a running domain shows it: each device with the alias QEMU gave it."""
    live = dx.clone(root)
    for device, alias in zip(dx.devices(live), aliases):
        device.append(dx.new_element('alias', {'name': alias}))
    return live


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_an_alias_qemu_gave_the_device_the_spec_names_is_no_user_alias(state):
    """virt_device_info reports a running domain's devices with QEMU's aliases: given back, one names the
    device it is on and is written nowhere; on a stopped domain, or on another device, it is the user's."""
    root = domain()
    live = live_of(root, ['virtio-disk0', 'net0'])
    disk = {'kind': 'disk', 'alias': 'virtio-disk0', 'target': 'vda', 'bus': 'virtio'}
    params = {'devices': [disk], 'state': state, 'live': 'auto', 'unplug_timeout': 10}
    change = spec_.plan(running_state(root, live), spec_.check_all(params), params)
    if state == 'present':
        assert change.changed is False
    else:
        assert dx.disks(change.after) == [] and [dx.device_alias(d) for d in change.detach] == ['virtio-disk0']
    named_stopped = planned(root, [disk])
    assert [dx.device_alias(d) for d in dx.disks(named_stopped.after)] == ['ua-virtio-disk0']
    elsewhere = dict(disk, alias='net0')
    change = spec_.plan(running_state(root, live), spec_.check_all(dict(params, devices=[elsewhere])),
                        dict(params, devices=[elsewhere]))
    if state == 'present':
        assert [dx.device_alias(d) for d in dx.disks(change.after)] == ['ua-net0']


def test_an_alias_libvirt_keeps_no_user_alias_of_must_be_qemus_on_the_device_named():
    root = domain()
    controller = {'kind': 'controller', 'type': 'pci', 'index': 0, 'model': 'pcie-root', 'alias': 'pcie.0'}
    dx.append_device(root, dx.new_element('controller', {'type': 'pci', 'index': '0', 'model': 'pcie-root'}))
    live = live_of(root, ['virtio-disk0', 'net0', 'pcie.0'])
    params = {'devices': [controller], 'state': 'present', 'live': 'auto', 'unplug_timeout': 10}
    assert spec_.plan(running_state(root, live), spec_.check_all(params), params).changed is False
    for state in (_state(root), running_state(root, live_of(root, ['virtio-disk0', 'net0', 'pci.1']))):
        with pytest.raises(InvalidOption) as raised:
            spec_.plan(state, spec_.check_all(params), params)
        assert raised.value.option == 'devices[0].alias' and "no user alias with a '.'" in raised.value.msg
    with pytest.raises(InvalidOption) as raised:
        spec_.snippet(controller)
    assert raised.value.option == 'spec.alias'
    for alias in ('ua-pcie.0', '.pci', 'pci 1'):
        with pytest.raises(InvalidOption):
            spec_.check(dict(controller, alias=alias))


def test_a_serial_port_and_the_console_libvirt_shows_it_as_share_its_alias():
    root = domain()
    for device in dx.parse('<devices>%s</devices>' % SERIAL_CONSOLE, root_tag=None):
        device.append(dx.new_element('alias', {'name': 'ua-ser'}))
        dx.append_device(root, device)
    specs = [{'kind': 'serial', 'type': 'pty', 'alias': 'ser'}, {'kind': 'console', 'type': 'pty', 'alias': 'ser'}]
    assert planned(root, specs).changed is False
    assert planned(root, specs[1:]).changed is False
    with pytest.raises(InvalidOption) as raised:
        spec_.check_all({'devices': [specs[0], dict(specs[0], kind='rng')], 'unplug_timeout': 10})
    assert 'devices[0] has it too' in raised.value.msg


COMPANIONS = "".join("<controller type='usb' index='0' model='%s'/>" % model
                     for model in ('ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3'))


def test_companion_usb_controllers_share_the_alias_qemu_gave_them_and_no_user_alias():
    root = domain_with(COMPANIONS)
    specs = [{'kind': 'controller', 'type': 'usb', 'index': 0, 'model': controller.get('model'), 'alias': 'usb'}
             for controller in dx.find_devices(root, 'controller')]
    params = {'devices': specs, 'state': 'present', 'live': 'auto', 'unplug_timeout': 10}
    live = live_of(root, ['virtio-disk0', 'net0'] + ['usb'] * 4)
    assert spec_.plan(running_state(root, live), spec_.check_all(params), params).changed is False
    with pytest.raises(InvalidOption) as raised:
        planned(root, specs)  # stopped: four user aliases ua-usb
    assert raised.value.option == 'devices[1].alias' and 'devices[0] has it too' in raised.value.msg


def test_the_serial_console_goes_only_with_its_port_which_libvirt_would_show_again():
    serial, console = ({'kind': 'serial', 'target': {'port': '0'}},
                       {'kind': 'console', 'target': {'type': 'serial', 'port': '0'}})
    for specs in ([console], [dict(console, type='pty')]):
        with pytest.raises(InvalidOption) as raised:
            planned(domain_with(SERIAL_CONSOLE), specs, state='absent')
        assert raised.value.option == 'devices[0]' and 'puts it back while the port stays' in raised.value.msg
    for specs in ([console, serial], [serial, console], [serial]):
        after = planned(domain_with(SERIAL_CONSOLE), specs, state='absent').after
        assert dx.find_devices(after, 'serial') == dx.find_devices(after, 'console') == []
