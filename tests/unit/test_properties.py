"""Property-based tests: the input table, and that editing a domain keeps everything it does not manage."""

from __future__ import annotations

import string

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import given, settings, strategies as st
from lxml import etree

from ansible_collections.virtuned.libvirt.plugins.filter.input_devices import input_devices
from ansible_collections.virtuned.libvirt.plugins.module_utils import _buses, _inputs, _usb
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx

pointers = st.one_of(st.none(), st.sampled_from(_inputs.POINTER_MODELS), st.text(max_size=12))
buses = st.one_of(st.none(), st.sampled_from(_inputs.INPUT_BUSES), st.text(max_size=12))
arches = st.one_of(st.sampled_from(['x86_64', 'i686', 'aarch64', 'ppc64le', 's390x']), st.text(max_size=8))


@given(pointers, buses, arches)
def test_input_devices_refuses_naming_both_values_or_returns_sane_devices(pointer, bus, arch):
    properties = {key: value for key, value in (('hw_pointer_model', pointer), ('hw_input_bus', bus))
                  if value is not None}
    valid = (pointer in (None,) + _inputs.POINTER_MODELS and bus in (None,) + _inputs.INPUT_BUSES
             and not (pointer == 'usbtablet' and bus == 'virtio'))
    try:
        devices = input_devices(properties, arch=arch)
    except AnsibleFilterError as exc:
        assert not valid
        assert repr(pointer) in str(exc) and repr(bus) in str(exc)
        return
    assert valid
    pairs = [(d['type'], d['bus']) for d in devices]
    assert len(pairs) == len(set(pairs))
    assert all(t in _inputs.DEVICE_TYPES and b in _inputs.INPUT_BUSES for t, b in pairs)
    assert [t for t, _b in pairs].count('keyboard') <= 1
    assert len({b for _t, b in pairs}) <= 1  # one bus for the whole set
    if not _inputs.has_ps2(arch):
        assert 'keyboard' in [t for t, _b in pairs]


names = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8)
texts = st.text(alphabet=st.characters(blacklist_categories=('Cs', 'Cc')), max_size=30)
attributes = st.dictionaries(names, texts, max_size=3)


@st.composite
def foreign_elements(draw, depth=2):
    """An element from another tool, in its own namespace, with text and children."""
    element = etree.Element('{https://example.com/%s}%s' % (draw(names), draw(names)), draw(attributes))
    element.text = draw(texts)
    if depth:
        for child in draw(st.lists(foreign_elements(depth=depth - 1), max_size=2)):
            element.append(child)
    return element


@st.composite
def domains(draw):
    machine = draw(st.sampled_from(['pc-q35-7.2', 'pc-i440fx-7.2']))
    root = dx.parse("<domain type='qemu'><name>d</name><uuid>u</uuid><metadata/><os>"
                    "<type arch='x86_64' machine='%s'>hvm</type></os><devices/></domain>" % machine)
    metadata = root.find('metadata')
    for element in draw(st.lists(foreign_elements(), max_size=3)):
        metadata.append(element)
    devices = root.find('devices')
    for kind in draw(st.lists(st.sampled_from(['panic', 'watchdog', 'shmem', 'hub', 'smartcard']), max_size=4)):
        unknown = etree.SubElement(devices, kind, draw(attributes))
        unknown.text = draw(texts)
    for kind, bus in draw(st.lists(st.sampled_from([('tablet', 'usb'), ('mouse', 'ps2'), ('keyboard', 'virtio')]),
                                   max_size=3)):
        etree.SubElement(devices, 'input', type=kind, bus=bus)
    etree.SubElement(devices, 'controller', type='usb', index='0', model='qemu-xhci')
    video = etree.SubElement(devices, 'video')
    etree.SubElement(video, 'model', type=draw(st.sampled_from(['cirrus', 'vga', 'virtio'])))
    description = draw(texts)
    if description:
        element = etree.Element('description')
        element.text = description
        root.find('uuid').addnext(element)
    return root


MANAGED = {'input', 'video', 'controller'}


def unmanaged(root):
    """Everything an edit of inputs, video or USB controllers must keep: canonical text of each part."""
    kept = [etree.tostring(e, method='c14n') for e in root if e.tag not in ('devices', 'metadata')]
    kept += [etree.tostring(e, method='c14n') for e in root.find('metadata')
             if not e.tag.startswith('{%s}' % dx.METADATA_NS)]
    kept += [etree.tostring(e, method='c14n') for e in dx.devices(root) if e.tag not in MANAGED]
    return kept


edits = st.sampled_from([
    lambda root: _inputs.plan(root, None, {'pointer_model': 'tablet', 'input_bus': 'virtio', 'exclusive': True}),
    lambda root: _inputs.plan(root, None, {'devices': [{'type': 'mouse', 'bus': 'usb'}], 'state': 'absent'}),
    lambda root: _buses.set_video_model(root, 'qxl'),
    lambda root: _usb.plan(root, {'model': 'usb2', 'index': None, 'count': 1, 'ports': None, 'state': 'present'}),
    lambda root: dx.stash_properties(root, dx.effective_properties(root)),
])


@settings(max_examples=200, deadline=None)
@given(domains(), st.lists(edits, min_size=1, max_size=3))
def test_edits_round_trip_and_keep_what_they_do_not_manage(root, chosen):
    before = unmanaged(root)
    for edit in chosen:
        edit(root)
    again = dx.parse(dx.serialize(root))
    assert unmanaged(again) == before
    assert dx.same_document(again, root)


@settings(max_examples=100, deadline=None)
@given(domains())
def test_every_edit_is_idempotent(root):
    for edit in (lambda r: _inputs.plan(r, None, {'pointer_model': 'mouse', 'input_bus': 'usb', 'exclusive': True}),
                 lambda r: _buses.set_video_model(r, 'bochs'),
                 lambda r: dx.stash_properties(r, dx.effective_properties(r))):
        edit(root)
        once = dx.normalized(root)
        edit(root)
        assert dx.normalized(root) == once


@pytest.mark.parametrize('depth', [10, 200])
def test_deep_foreign_metadata_is_parsed_and_kept(depth):
    nested = '<x:n xmlns:x="https://example.com/x">' * depth + 'leaf' + '</x:n>' * depth
    root = dx.parse('<domain><name>d</name><metadata>%s</metadata><devices/></domain>' % nested)
    dx.stash_properties(root, {'hw_disk_bus': 'virtio'})
    assert 'leaf' in dx.serialize(dx.parse(dx.serialize(root)))
