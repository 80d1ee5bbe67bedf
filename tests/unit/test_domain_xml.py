"""The pure domain model: parsing, identity, abstract form, comparison, the stash."""

from __future__ import annotations

import re

import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import VirtunedError

DOMAIN = """<domain type='qemu'>
  <name>web01</name>
  <uuid>6f1a2b3c-0000-4000-8000-000000000001</uuid>
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="http://redhat.com/rhel/6.10"/>
    </libosinfo:libosinfo>
    <other:thing xmlns:other="https://example.com/other">keep me</other:thing>
  </metadata>
  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'><source file='/a.img'/><target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></disk>
    <disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>
    <controller type='usb' index='0' model='qemu-xhci'/>
    <interface type='user'><mac address='52:54:00:AA:BB:CC'/><model type='e1000'/></interface>
    <input type='tablet' bus='usb'><alias name='ua-tablet'/></input>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <graphics type='vnc' port='-1' passwd='s3cret'/>
    <video><model type='qxl' primary='yes'/></video>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
  </devices>
</domain>"""


@pytest.fixture
def root():
    return dx.parse(DOMAIN)


def test_parse_refuses_entities_and_non_domains():
    bomb = '<!DOCTYPE d [<!ENTITY x "boom">]><domain><name>&x;</name></domain>'
    parsed = dx.parse(bomb)
    assert 'boom' not in dx.serialize(parsed)
    with pytest.raises(VirtunedError, match='expected a <domain>'):
        dx.parse('<network/>')
    with pytest.raises(VirtunedError, match='cannot parse'):
        dx.parse('<domain>')


def test_external_entities_are_not_loaded(tmp_path):
    secret = tmp_path / 'secret'
    secret.write_text('top secret')
    xml = '<!DOCTYPE d [<!ENTITY x SYSTEM "file://%s">]><domain><name>&x;</name></domain>' % secret
    assert 'top secret' not in dx.serialize(dx.parse(xml))


def test_abstract_form(root):
    forms = dx.abstract_devices(root)
    disk = forms[0]
    assert disk == {'kind': 'disk', 'type': 'file', 'device': 'disk', 'bus': 'virtio', 'model': None,
                    'alias': None, 'target': 'vda', 'mac': None, 'index': None,
                    'address': {'type': 'pci', 'domain': '0x0000', 'bus': '0x04', 'slot': '0x00',
                                'function': '0x0'}}
    controller = next(f for f in forms if f['kind'] == 'controller')
    assert (controller['type'], controller['model'], controller['index']) == ('usb', 'qemu-xhci', 0)
    nic = next(f for f in forms if f['kind'] == 'interface')
    assert (nic['type'], nic['model'], nic['mac']) == ('user', 'e1000', '52:54:00:AA:BB:CC')
    assert next(f for f in forms if f['kind'] == 'video')['model'] == 'qxl'
    assert next(f for f in forms if f['kind'] == 'rng')['model'] == 'virtio'
    assert all(f['kind'] != 'emulator' for f in forms)


def test_a_character_devices_target_is_the_attributes_libvirt_finds_it_by():
    """A running domain's channel shows its connection state too: no part of what names it."""
    devices = dx.parse("""<devices><serial type='pty'><target type='isa-serial' port='1'><model name='isa-serial'/>
    </target></serial><channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='connected'/>
    </channel><console type='pty'/></devices>""", root_tag=None)
    assert [dx.abstract(device)['target'] for device in devices] == [
        {'type': 'isa-serial', 'port': '1'}, {'type': 'virtio', 'name': 'org.qemu.guest_agent.0'}, None]
    assert dx.device_label(devices[0]) == 'serial pty'


def test_libvirts_serial_console_is_put_back_for_the_first_serial_port_only_when_missing():
    root = dx.parse("""<domain><os><type>hvm</type></os><devices><serial type='file'><source path='/l'/>
    <target type='isa-serial' port='1'/><alias name='ua-s'/></serial><console type='pty'><target type='virtio'/>
    </console></devices></domain>""")
    dx.put_back_serial_console(root)
    console = dx.find_devices(root, 'console')[0]
    assert [(c.tag, dict(c.attrib)) for c in console] == [
        ('source', {'path': '/l'}), ('target', {'type': 'serial', 'port': '1'}), ('alias', {'name': 'ua-s'})]
    assert console.get('type') == 'file' and len(dx.find_devices(root, 'console')) == 2
    assert dx.keeps_serial_console(root) is False
    dx.put_back_serial_console(root)
    assert len(dx.find_devices(root, 'console')) == 2


@pytest.mark.parametrize('xpath, identity', [
    ("devices/disk[1]", ('disk', 'vda')),
    ("devices/interface", ('interface', '52:54:00:aa:bb:cc')),
    ("devices/controller", ('controller', 'usb', '0', 'qemu-xhci')),
    ("devices/input[@bus='usb']", ('alias', 'ua-tablet')),
    ("devices/input[@type='mouse']", ('input', 'mouse', 'ps2')),
    ("devices/video", ('video', None, 'qxl')),
])
def test_device_identity(root, xpath, identity):
    assert dx.device_identity(root.find(xpath)) == identity


TWINS = """<domain type='qemu'><name>twins</name><devices>
  <controller type='usb' index='0' model='ich9-ehci1'/>
  <controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>
  <controller type='usb' index='0' model='ich9-uhci2'><master startport='2'/></controller>
  <input type='tablet' bus='usb'/><input type='tablet' bus='usb'/>
  <video><model type='qxl' heads='1' primary='yes'/></video><video><model type='qxl'/></video>
  <redirdev bus='usb' type='spicevmc'/><redirdev bus='usb' type='spicevmc'/><redirdev bus='usb' type='spicevmc'/>
  <interface type='user'/><interface type='user'/>
</devices></domain>"""


def test_identity_is_unique_in_a_domain_and_stable_in_order():
    root = dx.parse(TWINS)
    identities = [dx.device_identity(e) for e in dx.devices(root)]
    assert len(set(identities)) == len(identities), identities
    assert identities[3:5] == [('input', 'tablet', 'usb'), ('input', 'tablet', 'usb', 1)]
    assert identities[9] == ('redirdev', 'spicevmc', None, 2)


def test_identity_survives_a_reread_with_runtime_aliases(root):
    live = dx.clone(root)
    for element in dx.devices(live):
        if element.find('alias') is None:
            dx.new_element('alias', {'name': 'runtime0'})
            element.append(dx.new_element('alias', {'name': 'runtime0'}))
    assert [dx.device_identity(e) for e in dx.devices(live) if e.tag in ('disk', 'interface', 'controller', 'input')] \
        == [dx.device_identity(e) for e in dx.devices(root) if e.tag in ('disk', 'interface', 'controller', 'input')]


def test_normalized_comparison_ignores_layout_only(root):
    relaid = dx.parse(DOMAIN.replace('\n    ', '\n').replace("type='qemu'", 'type="qemu"'))
    assert dx.same_document(root, relaid)
    changed = dx.clone(root)
    changed.find('devices/video/model').set('type', 'virtio')
    assert not dx.same_document(root, changed)


def test_normalized_comparison_keeps_whitespace_that_is_text():
    def with_description(text):
        return dx.parse("<domain><name>a</name><description>%s</description></domain>" % text)
    assert not dx.same_document(with_description(' &gt; &lt; '), with_description('&gt;&lt;'))
    assert not dx.same_document(with_description('a  b'), with_description('a b'))
    assert dx.same_document(with_description(' '), with_description(''))


def test_effective_properties(root):
    assert dx.effective_properties(root) == {
        'hw_cdrom_bus': 'sata', 'hw_disk_bus': 'virtio', 'hw_floppy_bus': None,
        'hw_input_bus': None, 'hw_pointer_model': 'usbtablet', 'hw_video_model': 'qxl',
        'hw_vif_model': 'e1000', 'hw_machine_type': 'pc-q35-7.2',
    }


@pytest.mark.parametrize('inputs, expected', [
    ([], (None, None)),
    ([('tablet', 'usb')], ('usbtablet', None)),
    ([('mouse', 'usb')], ('mouse', None)),
    ([('tablet', 'usb'), ('keyboard', 'usb')], ('tablet', 'usb')),
    ([('tablet', 'virtio'), ('keyboard', 'virtio')], ('tablet', 'virtio')),
    ([('mouse', 'virtio'), ('keyboard', 'virtio')], ('mouse', 'virtio')),
    ([('keyboard', 'virtio')], (None, 'virtio')),
])
def test_input_properties(inputs, expected):
    root = dx.parse('<domain><devices>%s<input type="mouse" bus="ps2"/></devices></domain>' % ''.join(
        '<input type="%s" bus="%s"/>' % pair for pair in inputs))
    props = dx.input_properties(root)
    assert (props['hw_pointer_model'], props['hw_input_bus']) == expected


def test_stash_round_trip_keeps_other_metadata(root):
    dx.stash_properties(root, {'hw_disk_bus': 'scsi', 'hw_floppy_bus': None})
    again = dx.parse(dx.serialize(root))
    assert dx.stashed_properties(again) == {'hw_disk_bus': 'scsi', 'hw_floppy_bus': None}
    assert 'keep me' in dx.serialize(again)
    assert dx.libosinfo_os_id(again) == 'http://redhat.com/rhel/6.10'
    assert dx.drift(dx.effective_properties(again), dx.stashed_properties(again)) == ['hw_disk_bus']
    dx.stash_properties(again, {'hw_disk_bus': 'virtio'})
    assert dx.stashed_properties(again) == {'hw_disk_bus': 'virtio', 'hw_floppy_bus': None}
    assert dx.drift(dx.effective_properties(again), dx.stashed_properties(again)) == []


def test_stash_creates_metadata_when_missing():
    root = dx.parse('<domain><name>x</name><uuid>u</uuid><devices/></domain>')
    dx.stash_properties(root, {'hw_video_model': 'virtio'})
    assert [child.tag for child in root] == ['name', 'uuid', 'metadata', 'devices']
    assert dx.stashed_properties(root) == {'hw_video_model': 'virtio'}


def test_masked_hides_passwords():
    masked = dx.masked(DOMAIN)
    assert 's3cret' not in masked and "passwd=\"********\"" in masked


def test_append_and_remove_device_keep_the_layout(root):
    tablet = dx.new_element('input', {'type': 'tablet', 'bus': 'virtio'})
    dx.append_device(root, tablet)
    kinds = [e.tag for e in dx.devices(root)]
    assert kinds.index('input') < kinds.index('graphics')
    assert [e.get('bus') for e in dx.find_devices(root, 'input')] == ['usb', 'ps2', 'ps2', 'virtio']
    dx.remove_device(tablet)
    assert dx.same_document(root, dx.parse(DOMAIN))


def running_copy(root):
    """root as a running domain shows it: aliases, fresh addresses, source indexes, backing chains."""
    live = dx.clone(root)
    for number, element in enumerate(dx.devices(live)):
        dx.remove_address(element)
        element.append(dx.new_element('alias', {'name': 'dev%d' % number}))
        source = element.find('source')
        if element.tag == 'disk' and source is not None:
            source.set('index', str(number))
            element.append(dx.new_element('backingStore'))
    return live


def test_runtime_alias_address_and_indexes_are_no_pending_change(root):
    assert not dx.cold_boot_pending(root, running_copy(root))


def test_a_device_defined_but_not_running_is_a_pending_change(root):
    live = running_copy(root)
    dx.remove_device(live.find("devices/input[@bus='usb']"))
    assert dx.cold_boot_pending(root, live, ['input'])
    assert not dx.cold_boot_pending(root, live, ['disk'])


def test_a_changed_attribute_deep_in_a_device_is_a_pending_change(root):
    live = running_copy(root)
    root.find("devices/disk/target").set('bus', 'sata')
    assert dx.cold_boot_pending(root, live, ['disk'])
    live = running_copy(root)
    serial = dx.new_element('serial')
    serial.text = 'abc'
    root.find("devices/disk").append(serial)
    assert dx.cold_boot_pending(root, live, ['disk'])


def test_a_root_attribute_that_runs_otherwise_is_a_pending_change():
    usb = "<domain><devices><controller type='usb' index='0' model='qemu-xhci'%s/></devices></domain>"
    assert dx.cold_boot_pending(dx.parse(usb % " ports='4'"), dx.parse(usb % " ports='15'"))
    assert dx.cold_boot_pending(dx.parse(usb % " ports='4'"), dx.parse(usb % ''))


def test_ports_and_ptys_picked_at_start_are_no_pending_change():
    defined = dx.parse("<domain><devices><graphics type='vnc' port='-1' autoport='yes'/><console type='pty'>"
                       "<target type='serial' port='0'/></console></devices></domain>")
    live = dx.parse("<domain><devices><graphics type='vnc' port='5900' autoport='yes'/>"
                    "<console type='pty' tty='/dev/pts/3'><source path='/dev/pts/3'/>"
                    "<target type='serial' port='0'/><alias name='serial0'/></console></devices></domain>")
    assert not dx.cold_boot_pending(defined, live)


def test_an_empty_cdrom_loses_its_format_at_start_without_a_pending_change():
    defined = dx.parse("<domain><devices><disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
                       "<target dev='sda' bus='sata'/><readonly/></disk></devices></domain>")
    live = dx.parse("<domain><devices><disk type='file' device='cdrom'><driver name='qemu'/>"
                    "<target dev='sda' bus='sata'/><readonly/><alias name='sata0-0-0'/></disk></devices></domain>")
    assert not dx.cold_boot_pending(defined, live)


PASSWORDS = ("<domain><name>d</name><devices><graphics type='vnc' passwd='one'/>"
             "<graphics type='spice' passwd='two'/></devices></domain>")


def test_masked_passwords_come_back_from_the_current_definition():
    masked = dx.masked(PASSWORDS)
    assert 'one' not in masked and 'two' not in masked and dx.secrets(masked) == []
    assert dx.secrets(PASSWORDS) == ['one', 'two']
    root = dx.parse(masked)
    assert dx.unmask(root, dx.parse(PASSWORDS)) == []
    assert dx.same_document(root, dx.parse(PASSWORDS))


def test_a_password_given_in_clear_stays_and_a_masked_one_without_a_current_value_is_named():
    given = dx.parse(dx.masked(PASSWORDS).replace("type=\"vnc\" passwd=\"********\"", "type=\"vnc\" passwd=\"new\""))
    assert dx.unmask(given, dx.parse(PASSWORDS)) == []
    assert given.find("devices/graphics[@type='vnc']").get('passwd') == 'new'
    assert given.find("devices/graphics[@type='spice']").get('passwd') == 'two'
    assert dx.unmask(dx.parse(dx.masked(PASSWORDS)), None) == ['graphics type=vnc passwd', 'graphics type=spice passwd']


def test_anonymized_makes_a_fleet_one_question_and_keeps_what_the_schema_would_refuse():
    def domain(name, uuid, macs):
        interfaces = ''.join("<interface type='user'><mac address='%s'/></interface>" % mac for mac in macs)
        return dx.parse("<domain type='qemu'><name>%s</name><uuid>%s</uuid><devices>%s</devices></domain>"
                        % (name, uuid, interfaces))

    one = domain('web01', 'c98ea9bd-9103-4983-b09c-721d1d78e127', ['52:54:00:b3:ce:89', '52:54:00:b3:ce:8a'])
    two = domain('web02', 'd0c98ea9bd91034983b09c721d1d78e1', ['52:54:00:11:22:33', '52:54:00:11:22:34'])
    assert dx.serialize(dx.anonymized(one)) == dx.serialize(dx.anonymized(two))
    same_mac_twice = dx.anonymized(domain('db', 'c98ea9bd-9103-4983-b09c-721d1d78e127',
                                          ['52:54:00:b3:ce:89', '52:54:00:B3:CE:89']))
    assert len({m.get('address') for m in same_mac_twice.findall('devices/interface/mac')}) == 1
    bad = dx.anonymized(domain('db', 'not-a-uuid', ['01:00:5e:00:00:01', 'zz:54:00:b3:ce:89']))
    assert bad.findtext('uuid') == 'not-a-uuid'
    kept = [m.get('address') for m in bad.findall('devices/interface/mac')]
    assert kept == ['01:00:5e:00:00:01', 'zz:54:00:b3:ce:89']


def template_domain(name, uuid, serials=('vol-a', 'vol-b')):
    """A domain as a cloud makes them from one template: its own uuid (repeated in SMBIOS), disk
    images, volume serials, UEFI variables, console log and channel socket."""
    disks = ''.join("<disk type='file' device='disk'><source file='/var/lib/nova/instances/%s/disk%d'/>"
                    "<target dev='vd%s'/><serial>%s</serial></disk>" % (uuid, i, 'ab'[i], serial)
                    for i, serial in enumerate(serials))
    return dx.parse(
        "<domain type='kvm'><name>%s</name><uuid>%s</uuid><title>%s</title>"
        "<sysinfo type='smbios'><system><entry name='serial'>%s</entry><entry name='uuid'>%s</entry></system></sysinfo>"
        "<os><type>hvm</type><nvram>/var/lib/libvirt/qemu/nvram/%s_VARS.fd</nvram></os><devices>%s"
        "<serial type='pty'><log file='/var/lib/nova/instances/%s/console.log'/></serial>"
        "<serial type='unix'><source mode='bind' path='/run/virtuned-test/%s.sock'/></serial>"
        "</devices></domain>" % (name, uuid, name, uuid, uuid, name, disks, uuid, name))


def test_a_fleet_from_one_template_is_one_question_to_libvirt():
    one = template_domain('web01', 'c98ea9bd-9103-4983-b09c-721d1d78e127')
    two = template_domain('web02', '0a1b2c3d-9103-4983-b09c-721d1d78e127', serials=('vol-c', 'vol-d'))
    asked = dx.for_qemu_argv(dx.anonymized(one))
    assert asked == dx.for_qemu_argv(dx.anonymized(two))
    assert 'web01' not in asked and 'c98ea9bd' not in asked and 'vol-a' not in asked
    # libvirt refuses two disks with one serial: equal values stay equal, distinct ones distinct
    twins = dx.anonymized(template_domain('db', 'c98ea9bd-9103-4983-b09c-721d1d78e127', ('v', 'v')))
    assert len({serial.text for serial in twins.iter('serial') if serial.text}) == 1
    assert len({serial.text for serial in dx.parse(asked).iter('serial') if serial.text}) == 2
    # what the schema would refuse stays, for it to name
    relative = dx.clone(one)
    relative.find('devices/disk/source').set('file', 'disk0.img')
    assert dx.anonymized(relative).find('devices/disk/source').get('file') == 'disk0.img'


@pytest.mark.parametrize('source, found', [
    ("<vendor id='0x1234'/><product id='0x5678'/>", True),
    ("<vendor id='0x1234'/><product id='0x5678'/><address bus='0' device='0x0'/>", True),
    ("<vendor id='0x1234'/><product id='0x5678'/><address bus='001' device='0'/>", False),
    ("<address bus='3' device='7'/>", False),
])
def test_the_qemu_driver_is_asked_about_a_usb_device_as_a_start_finds_it(source, found):
    """libvirt's QEMU driver builds no command line for a USB device given by vendor and product (a start looks
    up its bus and device on the host; tests/integration/test_virt_device.py asks it): the pre-flight's copy has
    them, as the live XML would; a given address stays."""
    root = dx.parse("<domain><devices><hostdev mode='subsystem' type='usb'><source>%s</source></hostdev>"
                    "</devices></domain>" % source)
    before = dx.serialize(root)
    addresses = dx.parse(dx.for_qemu_argv(root)).findall('devices/hostdev/source/address')
    assert len(addresses) == 1
    if found:
        assert dict(addresses[0].attrib) == {'bus': str(dx.FOUND_USB_BUS), 'device': '1'}
    else:
        assert dict(addresses[0].attrib) == dict(root.find('devices/hostdev/source/address').attrib)
    assert dx.serialize(root) == before  # the definition itself is left alone


def test_usb_devices_given_by_vendor_and_product_are_found_at_addresses_of_their_own():
    """Two devices at one address are one device twice to libvirt ("Hostdev already exists")."""
    hostdev = "<hostdev mode='subsystem' type='usb'><source>%s</source></hostdev>"
    root = dx.parse("<domain><devices>%s</devices></domain>" % ''.join(hostdev % source for source in (
        "<vendor id='0x1d6b'/><product id='0x0001'/>", "<address bus='1' device='2'/>",
        "<vendor id='0x0627'/><product id='0x0001'/>")))
    addresses = dx.parse(dx.for_qemu_argv(root)).findall('devices/hostdev/source/address')
    assert [(a.get('bus'), a.get('device')) for a in addresses] == [('1', '1'), ('1', '2'), ('1', '3')]


def test_a_refusal_names_the_domains_own_values():
    root = template_domain('web01', 'c98ea9bd-9103-4983-b09c-721d1d78e127')
    originals = {}
    asked = dx.anonymized(root, originals)
    image = asked.find('devices/disk/source').get('file')
    said = "Disks 'vda' and 'vdb' of %s (%s) use %s" % (asked.findtext('name'), asked.findtext('uuid'), image)
    assert dx.deanonymized(said, originals) == (
        "Disks 'vda' and 'vdb' of web01 (c98ea9bd-9103-4983-b09c-721d1d78e127) use "
        "/var/lib/nova/instances/c98ea9bd-9103-4983-b09c-721d1d78e127/disk0")


def test_what_qemu_refuses_to_start_of_a_definition_libvirt_takes():
    root = dx.parse(DOMAIN)
    assert dx.qemu_start_refusal(root) is None  # an empty cdrom on SATA starts
    dx.disks(root, 'cdrom')[0].find('target').set('bus', 'usb')
    assert dx.qemu_start_refusal(root) == 'usb-storage: drive property not set (the USB cdrom sda has no medium)'
    dx.disks(root, 'cdrom')[0].append(dx.new_element('source', {'file': '/x.iso'}))
    assert dx.qemu_start_refusal(root) is None
    agent = "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
    for _twice in range(2):
        dx.append_device(root, dx.parse(agent, root_tag=None))
    assert dx.qemu_start_refusal(root) == 'virtio-serial-bus: A port already exists by name org.qemu.guest_agent.0'


def test_qemu_plugs_a_dimm_only_through_acpi_at_start_too():
    root = dx.parse(DOMAIN)
    for model in ('virtio-pmem', 'dimm'):
        dx.append_device(root, dx.parse("<memory model='%s'><target><size>131072</size><node>0</node></target>"
                                        "</memory>" % model, root_tag=None))
        starts = model == 'virtio-pmem'  # a PCI device, no DIMM
        assert (dx.qemu_start_refusal(root) is None) is starts
    assert 'memory hotplug is not enabled' in dx.qemu_start_refusal(root)
    root.find('os').addnext(dx.parse('<features><acpi/></features>', root_tag=None))
    assert dx.qemu_start_refusal(root) is None


def test_a_running_domains_names_are_left_out_as_a_definition_leaves_them():
    """libvirt drops these when it defines a device (probed against libvirtd, see test_virt_device.py):
    QEMU's alias but not a user alias, a NIC's generated host-side name but not one given (nor a tap the user
    made, managed='no', whatever its name), a disk image's index."""
    shown = dx.parse("""<devices>
      <interface type='ethernet'><target dev='vnet12'/><alias name='net0'/></interface>
      <interface type='ethernet'><target dev='tap-web' managed='no'/><alias name='ua-web'/></interface>
      <interface type='ethernet'><target dev='vnet0' managed='no'/></interface>
      <interface type='direct'><target dev='macvtap3'/></interface>
      <disk type='file' device='disk'><source file='/a.img' index='2'/><target dev='vda'/>
        <alias name='virtio-disk0'/></disk></devices>""", root_tag=None)
    kept = [re.sub(r'>\s+<', '><', dx.serialize(dx.without_runtime_names(device))).strip() for device in shown]
    assert kept == ['<interface type="ethernet"/>',
                    '<interface type="ethernet"><target dev="tap-web" managed="no"/><alias name="ua-web"/></interface>',
                    '<interface type="ethernet"><target dev="vnet0" managed="no"/></interface>',
                    '<interface type="direct"/>',
                    '<disk type="file" device="disk"><source file="/a.img"/><target dev="vda"/></disk>']


@pytest.mark.parametrize('shown, kept', [
    # a pty's path and a console's tty: libvirt opens a new pty at each start
    ("<console type='pty' tty='/dev/pts/3'><source path='/dev/pts/3'/><target type='serial' port='0'/>"
     "<alias name='serial0'/></console>", '<console type="pty"><target type="serial" port="0"/></console>'),
    # the socket libvirt made for a virtio channel, and the channel's state
    ("<channel type='unix'><source mode='bind' path='/var/lib/libvirt/qemu/channel/target/domain-3-web/"
     "org.qemu.guest_agent.0'/><target type='virtio' name='org.qemu.guest_agent.0' state='connected'/></channel>",
     '<channel type="unix"><target type="virtio" name="org.qemu.guest_agent.0"/></channel>'),
    # a socket the user gave stays
    ("<channel type='unix'><source mode='bind' path='/srv/agent.sock'/><target type='virtio' name='a.0'/></channel>",
     '<channel type="unix"><source mode="bind" path="/srv/agent.sock"/><target type="virtio" name="a.0"/></channel>'),
    # the display ports picked at start; fixed ones stay
    ("<graphics type='spice' port='5901' tlsPort='5902' autoport='yes' listen='127.0.0.1'/>",
     '<graphics type="spice" autoport="yes" listen="127.0.0.1"/>'),
    ("<graphics type='vnc' port='5905' autoport='no'/>", '<graphics type="vnc" port="5905" autoport="no"/>'),
    # the end of the backing chain the start probed, on a disk the live XML shows (its image's index)
    ("<disk type='file' device='disk'><source file='/a.img' index='1'/><backingStore/><target dev='vda'/></disk>",
     '<disk type="file" device="disk"><source file="/a.img"/><target dev="vda"/></disk>'),
    # given by the user, it stays
    ("<disk type='file' device='disk'><source file='/a.img'/><backingStore/><target dev='vda'/></disk>",
     '<disk type="file" device="disk"><source file="/a.img"/><backingStore/><target dev="vda"/></disk>'),
])
def test_what_a_running_domain_picked_at_start_is_left_out_as_a_definition_leaves_it(shown, kept):
    device = dx.without_runtime_names(dx.parse(shown, root_tag=None))
    assert re.sub(r'>\s+<', '><', dx.serialize(device)) == kept


@pytest.mark.parametrize('device, key', [
    # libvirt makes a console without a target type the serial console
    ("<console type='pty'><target port='0'/></console>", ('console', 'serial', '0')),
    ("<console type='pty'><target type='virtio' port='0'/></console>", ('console', 'virtio', '0')),
    # one graphics device of each type; audio backends by their id
    ("<graphics type='spice' autoport='yes'/>", ('graphics', 'spice')),
    ("<audio id='2' type='none'/>", ('audio', '2')),
    ("<iommu model='intel'/>", ('iommu',)),
    ("<redirfilter><usbdev allow='no'/></redirfilter>", ('redirfilter',)),
    # a memory device by its model, size (in KiB, whatever the unit) and NUMA node
    ("<memory model='dimm'><target><size unit='GiB'>1</size><node>0</node></target></memory>",
     ('memory', 'dimm', 1048576, '0')),
    ("<memory model='dimm'><target><size>1048576</size><node> 0 </node></target></memory>",
     ('memory', 'dimm', 1048576, '0')),
    ("<memory model='dimm'><target><node>0</node></target></memory>", None),
])
def test_libvirt_finds_these_devices_by_this_key(device, key):
    assert dx.libvirt_key(dx.parse(device, root_tag=None)) == key


@pytest.mark.parametrize('written, kept, alike', [('9216', '16384', True), ('16384', '16384', True),
                                                  ('16385', '16384', False), ('8192', '16384', False)])
def test_a_video_ram_is_read_as_the_power_of_two_libvirt_rounds_it_up_to(written, kept, alike):
    video = dx.parse("<video><model type='qxl' vram='%s' ram='%s'/></video>" % (kept, kept), root_tag=None)
    assert [dx.spelled_alike(video.find('model'), name, written) for name in ('vram', 'ram')] == [alike] * 2


@pytest.mark.parametrize('graphics, kept', [
    # no port, no TLS port, autoport off: libvirt keeps a SPICE display listening nowhere
    ("<graphics type='spice' autoport='no' keymap='en_US' listen='127.0.0.1'/>",
     '<graphics type="spice" keymap="en_US"><listen type="none"/></graphics>'),
    ("<graphics type='spice'><listen type='address' address='0.0.0.0'/><image compression='off'/></graphics>",
     '<graphics type="spice"><listen type="none"/><image compression="off"/></graphics>'),
    # a port, autoport, a network listen or VNC: as written
    ("<graphics type='spice' autoport='no' port='5905'/>", '<graphics type="spice" autoport="no" port="5905"/>'),
    ("<graphics type='spice' autoport='yes' listen='127.0.0.1'/>",
     '<graphics type="spice" autoport="yes" listen="127.0.0.1"/>'),
    ("<graphics type='spice'><listen type='network' network='default'/></graphics>",
     '<graphics type="spice"><listen type="network" network="default"/></graphics>'),
    ("<graphics type='vnc' autoport='no' listen='127.0.0.1'/>", '<graphics type="vnc" autoport="no" listen="127.0.0.1"/>'),
])
def test_a_spice_display_without_ports_is_kept_as_listening_nowhere(graphics, kept):
    assert dx.serialize(dx.as_libvirt_keeps(dx.parse(graphics, root_tag=None))) == kept


@pytest.mark.parametrize('kept, given, same', [
    ("<size unit='KiB'>1048576</size>", "<size unit='GiB'>1</size>", True),
    ("<size unit='KiB'>1048576</size>", "<size unit='G'>1</size>", True),
    ("<size unit='KiB'>1000000</size>", "<size unit='GB'>1</size>", False),
    ("<size unit='KiB'>488282</size>", "<size unit='MB'>500</size>", True),  # libvirt rounds up to whole KiB
    ("<size unit='M'>4</size>", "<size unit='bytes'>4194304</size>", True),
    ("<size unit='KiB'>1048576</size>", '<size>1048576</size>', False),  # no unit given: compared as text
    ("<size unit='KiB'>1048576</size>", "<size unit='furlongs'>1</size>", False),
])
def test_a_size_is_read_in_the_unit_it_gives(kept, given, same):
    assert dx.same_quantity(dx.parse(kept, root_tag=None), dx.parse(given, root_tag=None)) is same


@pytest.mark.parametrize('name, written, given, alike', [
    ('version', '2.00', '2.0', True), ('version', '1.10', '1.1', True), ('version', '2.00', '02.00', True),
    ('version', '1.10', '1.01', False), ('version', '1.10', '1.a', False),
    ('vendor', '0x1234', '4660', True), ('class', '0x08', '8', True),
    # -1 matches any device: libvirt leaves the attribute out
    ('product', None, '-1', True), ('product', '0x0001', '-1', False), ('version', None, '2.0', False),
])
def test_a_usb_redirection_filter_is_read_as_libvirt_writes_it(name, written, given, alike):
    usbdev = dx.new_element('usbdev', {name: written} if written else {})
    assert dx.spelled_alike(usbdev, name, given) is alike


def test_a_key_no_device_tells_keeps_what_was_applied_then_what_was_stashed():
    root = dx.parse("<domain type='qemu'><name>d</name><os><type arch='x86_64' machine='q35'>hvm</type></os>"
                    "<devices><interface type='user'><model type='virtio-transitional'/></interface></devices></domain>")
    assert dx.properties_to_stash(root)['hw_disk_bus'] is None  # nothing stashed, nothing applied: none
    wanted = dx.properties_to_stash(root, {'hw_disk_bus': 'scsi', 'hw_vif_model': 'e1000e'})
    # a disk bus is kept for the next disk; the NIC says its model itself, and its flavour is virtio_model's
    assert wanted['hw_disk_bus'] == 'scsi' and wanted['hw_vif_model'] == 'virtio'
    dx.stash_properties(root, wanted)
    assert dx.properties_to_stash(root)['hw_disk_bus'] == 'scsi'
    assert dx.drift(dx.effective_properties(root), dx.stashed_properties(root)) == []
    dx.append_device(root, dx.parse("<disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk>", 'disk'))
    assert dx.drift(dx.effective_properties(root), dx.stashed_properties(root)) == ['hw_disk_bus']
    assert dx.properties_to_stash(root)['hw_disk_bus'] == 'virtio'
