"""Every definition written is one libvirt's domain schema accepts, on both paths: validated here with
the daemon's own schema file (then defined without libvirt's flag), or, when that file cannot be
trusted (a remote URI, another libvirt version, no file), defined with VIR_DOMAIN_DEFINE_VALIDATE."""

from __future__ import annotations

import functools
import os
import sys

import libvirt
import pytest
from lxml import etree

from ansible_collections.virtuned.libvirt.plugins.module_utils import _device_spec as spec_
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _hypervisor
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import RefusedByLibvirt, VirtunedError

import testbed


@pytest.mark.parametrize('uri, daemon, library, expected', [
    ('qemu:///system', 9000000, 9000000, True),
    ('qemu+ssh://root@hv01.example.org/system', 9000000, 9000000, False),  # remote: its daemon, its schema
    ('qemu+tcp://10.0.0.5/system', 9000000, 9000000, False),
    ('qemu:///system', 10000000, 9000000, False),  # the daemon is another libvirt than the files here
    ('qemu:///system', None, 9000000, False),
])
def test_the_local_schema_is_used_only_for_the_local_daemon_of_the_same_version(uri, daemon, library, expected):
    assert _hypervisor.local_schema_applies(uri, daemon, library) is expected


def test_no_schema_file_means_libvirt_validates(tmp_path):
    assert _hypervisor.local_schema_applies('qemu:///system', 1, 1, str(tmp_path / 'domain.rng')) is False
    with _hypervisor.Hypervisor(testbed.URI, schema_path=str(tmp_path / 'domain.rng')) as fallback:
        assert fallback.schema() is None and fallback.define_flags() == libvirt.VIR_DOMAIN_DEFINE_VALIDATE
    with _hypervisor.Hypervisor(testbed.URI) as local:
        assert local.schema() is not None and local.define_flags() == 0


# An element libvirt's parser ignores but its schema refuses: only a validating path catches it.
BOGUS = "<rng model='virtio'><backend model='random'>/dev/urandom</backend><bogus/></rng>"


def test_a_definition_the_schema_refuses_is_never_written_on_either_path(scratch, tmp_path):
    name = scratch.create('q35')
    before = scratch.inactive_xml(name)
    bad = before.replace('</devices>', BOGUS + '</devices>')
    # the local path: the pre-flight asks the schema and refuses, naming it
    with _hypervisor.Hypervisor(testbed.URI) as local:
        with pytest.raises(RefusedByLibvirt, match="libvirt's domain schema"):
            local.preflight(name, dx.parse(bad), dx.parse(before), {'devices': 'rng'})
    assert scratch.inactive_xml(name) == before
    # the fallback path: the QEMU driver alone would take it; libvirt's validating define refuses it
    with _hypervisor.Hypervisor(testbed.URI, schema_path=str(tmp_path / 'missing.rng')) as fallback:
        assert fallback.preflight(name, dx.parse(bad), dx.parse(before), {'devices': 'rng'}) is None
        with pytest.raises(VirtunedError, match='bogus|Relax-NG|schema'):
            _hypervisor.write_definition(fallback, name, bad, 'defining the new XML')
    assert scratch.inactive_xml(name) == before


@pytest.fixture
def remote_style_uri(tmp_path):
    """A remote-style URI (the remote driver, a host name) that the local daemon serves."""
    relay = tmp_path / 'relay'
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'libvirt_socket_relay.py')
    relay.write_text('#!/bin/sh\nexec %s %s\n' % (sys.executable, script))
    relay.chmod(0o755)
    return 'qemu+ext://hv01.example.org/system?command=%s' % relay


def test_a_remote_uri_takes_the_fallback_path_and_libvirt_refuses_what_its_schema_refuses(scratch, remote_style_uri):
    with _hypervisor.Hypervisor(remote_style_uri) as remote:
        assert remote.schema() is None and remote.define_flags() == libvirt.VIR_DOMAIN_DEFINE_VALIDATE
    name = scratch.create('q35')
    before = scratch.inactive_xml(name)
    # remote: the pre-flight asks the QEMU driver only, and libvirtd's validating define refuses;
    # local: the pre-flight's schema refuses before anything is written
    for uri, said in ((remote_style_uri, 'defining the new XML failed: XML document failed to validate against schema'),
                      (testbed.URI, "libvirt refuses the definition this would give: libvirt's domain schema")):
        refused = testbed.run_module('virt_device', {'uri': uri, 'name': name, 'devices': [{'xml': BOGUS}]})
        assert refused.get('failed') and said in refused['msg'], (uri, refused)
        assert scratch.inactive_xml(name) == before
    rng = {'kind': 'rng', 'alias': 'remote-rng', 'model': 'virtio', 'source': '/dev/urandom'}
    done = testbed.run_module('virt_device', {'uri': remote_style_uri, 'name': name, 'devices': [rng]})
    assert done['changed'] and "<alias name='ua-remote-rng'/>" in scratch.inactive_xml(name), done


class CountingConnection:
    """The real connection, counting what the QEMU driver is asked."""

    def __init__(self, conn):
        self.conn, self.asked = conn, []

    def domainXMLToNative(self, native_format, xml_text, flags):
        self.asked.append(xml_text)
        return self.conn.domainXMLToNative(native_format, xml_text, flags)

    def __getattr__(self, name):
        return getattr(self.conn, name)


def test_a_fleet_from_one_template_asks_libvirt_once_and_each_other_definition_again(scratch):
    names = [scratch.create('q35', tag='fleet%d' % number) for number in range(3)]
    rng = "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
    with _hypervisor.Hypervisor(testbed.URI) as hypervisor:
        hypervisor.conn = counting = CountingConnection(hypervisor.conn)
        for name in names:  # the same change on each: they differ in name, uuid, MAC address and disk image
            assert hypervisor.refusal(dx.parse(scratch.inactive_xml(name).replace('</devices>', rng + '</devices>'))) is None
        assert len(counting.asked) == 1
        other = scratch.inactive_xml(names[0]).replace("<model type='virtio'/>", "<model type='e1000e'/>")
        assert hypervisor.refusal(dx.parse(other)) is None
        assert len(counting.asked) == 2
        # the answer is libvirt's: a refusal is asked for and kept the same way
        refused = scratch.inactive_xml(names[1]).replace('</devices>', "<watchdog model='diag288'/></devices>")
        for asked_before in (False, True):
            assert "libvirt's QEMU driver" in hypervisor.refusal(dx.parse(refused)), asked_before
        assert len(counting.asked) == 3


def test_a_domain_whose_smbios_repeats_its_uuid_is_checked_and_changed_without_a_warning(scratch):
    uuid = '6c1b4a8e-43e4-4b51-9d0c-3a7c1b2f9d11'
    xml = testbed.domain_xml(testbed.scratch_name('smbios'))
    xml = xml.replace('</name>', "</name><uuid>%s</uuid><sysinfo type='smbios'><system><entry name='serial'>%s</entry>"
                      "<entry name='uuid'>%s</entry></system></sysinfo>" % (uuid, uuid, uuid), 1)
    name = scratch.define(xml.replace('</os>', "<smbios mode='sysinfo'/></os>"))
    with _hypervisor.Hypervisor(testbed.URI) as hypervisor:  # libvirt itself takes it as it is
        assert hypervisor.refusal(dx.parse(scratch.inactive_xml(name))) is None
    rng = {'kind': 'rng', 'alias': 'smbios-rng', 'model': 'virtio', 'source': '/dev/urandom'}
    done = testbed.run_module('virt_device', {'name': name, 'devices': [rng]})
    assert done['changed'] and not done.get('warnings'), done
    assert "<alias name='ua-smbios-rng'/>" in scratch.inactive_xml(name)


SMARTCARD = "<smartcard mode='host'/>"


@pytest.mark.parametrize('xml, alias, said', [
    (BOGUS, 'entropy', "it refuses the <rng> device with alias 'ua-entropy': "
                       "Element rng has extra content: bogus at /rng/bogus"),
    (SMARTCARD, 'card', "a <smartcard> takes no <alias> in this libvirt (alias 'ua-card'; give the device without one): "),
])
def test_a_schema_refusal_names_the_device_and_an_alias_the_schema_gives_no_place(scratch, xml, alias, said):
    """libxml2 names the <devices> interleave, not the device in it: the refusal says which device, and when
    the alias alone is what libvirt's own validating define refuses (libvirt 9.0's schema has no alias for a
    smartcard), says that; the same smartcard without an alias is defined, and found again by its values."""
    name = scratch.create('q35', devices="<controller type='usb' model='qemu-xhci'/>")
    before = scratch.inactive_xml(name)
    args = {'name': name, 'devices': [{'xml': xml, 'alias': alias}]}
    refused = [testbed.run_module('virt_device', args, check=check) for check in (True, False)]
    assert refused[0]['msg'] == refused[1]['msg'] and said in refused[0]['msg'], refused[0]['msg']
    aliased = dx.parse(xml, root_tag=None)
    aliased.append(dx.new_element('alias', {'name': 'ua-' + alias}))
    with pytest.raises(libvirt.libvirtError, match='failed to validate against schema'):
        scratch.conn.defineXMLFlags(before.replace('</devices>', dx.serialize(aliased) + '</devices>'),
                                    libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
    assert scratch.inactive_xml(name) == before
    if xml == SMARTCARD:
        without = {'name': name, 'devices': [{'xml': xml}]}
        assert testbed.run_module('virt_device', without)['changed'] is True
        assert testbed.run_module('virt_device', without)['changed'] is False


def test_every_device_libvirt_wrote_passes_the_schemas_pattern_for_it_alone(scratch):
    """The pattern for a device alone is the one the schema's <devices> lists for its tag: every device of a
    definition libvirt wrote passes it, for every kind the modules know."""
    assert set(spec_.KINDS) <= set(dx._device_patterns(_hypervisor.DOMAIN_SCHEMA))
    name = scratch.create('q35', graphics=testbed.SPICE, devices=testbed.SPICE_AGENT + (
        "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng><serial type='pty'/>"
        "<input type='tablet' bus='usb'/><sound model='ich9'/><watchdog model='i6300esb'/><panic model='isa'/>"))
    devices = dx.devices(dx.parse(scratch.inactive_xml(name)))
    assert len({device.tag for device in devices}) > 12
    for device in devices:
        alone = dx.device_schema(_hypervisor.DOMAIN_SCHEMA, device.tag)
        assert alone.validate(device), (dx.serialize(device), alone.error_log)
    assert dx.device_schema(_hypervisor.DOMAIN_SCHEMA, 'domain') is None


@pytest.mark.parametrize('spec, said', [
    ({'kind': 'tpm', 'alias': 't'}, "<tpm> device with alias 'ua-t': Expecting an element backend, got nothing at /tpm"),
    ({'kind': 'channel', 'alias': 'c'}, "<channel> device with alias 'ua-c': Expecting an element target, got nothing"),
    ({'kind': 'sound', 'alias': 's'}, "<sound> device with alias 'ua-s': Element sound failed to validate attributes at /sound"),
    ({'kind': 'interface', 'alias': 'n', 'mac': '52:54:00:zz'}, 'failed to validate content at /interface/mac'),
])
def test_a_new_device_the_schema_refuses_is_told_what_it_lacks(scratch, spec, said):
    """Inside a domain libxml2 names only the <devices> interleave; the device alone, against the schema's own
    pattern for it, is told what it lacks and where."""
    name = scratch.create('q35')
    before = scratch.inactive_xml(name)
    refused = [testbed.run_module('virt_device', {'name': name, 'devices': [spec]}, check=check) for check in (True, False)]
    assert refused[0]['msg'] == refused[1]['msg'] and said in refused[0]['msg'], refused[0]['msg']
    assert 'in interleave at ?; Element domain' not in refused[0]['msg']
    assert scratch.inactive_xml(name) == before


def test_a_schema_refusal_no_one_device_causes_names_none(scratch):
    name = scratch.create('q35')
    bad = dx.parse(scratch.inactive_xml(name).replace('</os>', '<bogus/></os>'))
    with _hypervisor.Hypervisor(testbed.URI) as local:
        reason = local.refusal(bad)
    assert reason.startswith("libvirt's domain schema: ") and 'os' in reason, reason
    assert not reason.startswith("libvirt's domain schema: it refuses the <") and 'takes no <alias>' not in reason


RNG = '{http://relaxng.org/ns/structure/1.0}'


@functools.lru_cache(maxsize=None)
def host_schema():
    """The host's libvirt schema files, parsed once: (their trees by file name, their defines by name)."""
    schemas = os.path.dirname(_hypervisor.DOMAIN_SCHEMA)
    trees = {name: etree.parse(os.path.join(schemas, name)) for name in os.listdir(schemas) if name.endswith('.rng')}
    defines = {}
    for tree in trees.values():
        for define in tree.iter(RNG + 'define'):
            defines.setdefault(define.get('name'), []).append(define)
    return trees, defines


def schema_model_places(kind):
    """Where the host's libvirt schema lets a <kind> device hold its model: 'attribute' (a model attribute),
    'child' (a <model type> element), both or neither, following the schema's references."""
    trees, defines = host_schema()
    places, seen = set(), set()

    def walk(node):
        for child in node.iterchildren(RNG + '*'):
            tag = etree.QName(child).localname
            if tag == 'element':  # a nested element holds its own attributes (a <target>'s <model name>)
                if child.get('name') == 'model' and any(a.get('name') == 'type' for a in child.iter(RNG + 'attribute')):
                    places.add('child')
            elif tag == 'attribute' and child.get('name') == 'model':
                places.add('attribute')
            elif tag == 'ref' and child.get('name') not in seen:
                seen.add(child.get('name'))
                for define in defines.get(child.get('name'), []):
                    walk(define)
            else:
                walk(child)

    for tree in trees.values():
        for element in tree.iter(RNG + 'element'):
            if element.get('name') == kind:
                walk(element)
    return places


@pytest.mark.parametrize('kind', spec_.KINDS)
def test_the_models_place_per_kind_is_the_one_libvirts_schema_gives(kind):
    places = schema_model_places(kind)
    if kind in dx.MODEL_CHILD_KINDS:
        assert places == {'child'}
    elif kind in dx.MODELLESS_KINDS:
        assert places == set()
    else:
        assert 'attribute' in places and 'child' not in places, places


def test_the_kinds_a_domain_has_one_of_are_the_ones_libvirts_schema_lets_it_have_once():
    tree = host_schema()[0]['domaincommon.rng']
    devices = next(d for d in tree.iter(RNG + 'define') if d.get('name') == 'devices')
    repeat = {ref.get('name'): etree.QName(ref.getparent()).localname for ref in devices.iter(RNG + 'ref')}
    once = {name for name, held in repeat.items() if held == 'optional'} - {'emulator', 'nvram'}
    assert once == set(dx.SINGLE_DEVICE_KINDS) | {'watchdog'}, repeat
