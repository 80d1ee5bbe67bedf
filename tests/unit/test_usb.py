"""USB controller validation and plans."""

from __future__ import annotations

import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _usb
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption

DOMAIN = """<domain type='qemu'><name>d</name><os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os><devices>
  <controller type='usb' index='0' model='piix3-uhci'/>
  <controller type='pci' index='0' model='pci-root'/>
  <input type='tablet' bus='usb'><address type='usb' bus='0' port='1'/></input>
</devices></domain>"""


def params(**given):
    base = {'model': None, 'index': None, 'count': 1, 'ports': None, 'state': 'present'}
    base.update(given)
    return base


def controllers(root):
    return [(c.get('model'), int(c.get('index'))) for c in _usb.usb_controllers(root)]


def test_usb2_set_on_the_lowest_free_index():
    root = dx.parse(DOMAIN)
    _usb.plan(root, params(model='usb2'))
    assert controllers(root) == [
        ('piix3-uhci', 0), ('ich9-ehci1', 1), ('ich9-uhci1', 1), ('ich9-uhci2', 1), ('ich9-uhci3', 1)]
    startports = [c.find('master').get('startport') for c in _usb.usb_controllers(root) if c.find('master') is not None]
    assert startports == ['0', '2', '4']


def test_count_is_a_floor_not_an_increment():
    root = dx.parse(DOMAIN)
    _usb.plan(root, params(model='nec-xhci', count=2))
    once = dx.serialize(root)
    _usb.plan(root, params(model='nec-xhci', count=2))
    assert dx.serialize(root) == once
    assert controllers(root) == [('piix3-uhci', 0), ('nec-xhci', 1), ('nec-xhci', 2)]


def test_pinned_index_and_ports():
    root = dx.parse(DOMAIN)
    _usb.plan(root, params(model='usb3', index=5, ports=8))
    xhci = [c for c in _usb.usb_controllers(root) if c.get('model') == 'qemu-xhci']
    assert [(c.get('index'), c.get('ports')) for c in xhci] == [('5', '8')]


@pytest.mark.parametrize('given, option, fragment', [
    ({'model': 'qusb1'}, 'model', 'not available to a qemu domain'),
    ({'model': 'vt82c686b-uhci'}, 'model', 'not available'),
    ({'model': 'ehci', 'index': -1}, 'index', '0 or more'),
    ({'model': 'ehci', 'index': 0}, 'index', 'index 0 is used by piix3-uhci'),
    ({'model': 'ehci', 'count': 0}, 'count', '1 or more'),
    ({'model': 'ehci', 'ports': 4}, 'ports', 'for xhci models'),
    ({'model': 'qemu-xhci', 'ports': 16}, 'ports', '1 to 15'),
    ({'model': 'none'}, 'model', 'USB devices exist: input tablet'),
    ({'model': 'piix3-uhci', 'state': 'absent'}, 'model', 'still use the controller(s) at index 0: input tablet'),
    ({'index': 0, 'state': 'absent'}, 'index', 'input tablet'),
])
def test_refusals(given, option, fragment):
    root = dx.parse(DOMAIN)
    with pytest.raises(InvalidOption) as raised:
        _usb.plan(root, params(**given))
    assert raised.value.option == option and fragment in raised.value.msg, raised.value.msg
    assert dx.same_document(root, dx.parse(DOMAIN))


def test_the_none_refusal_lists_only_what_the_domain_takes():
    root = dx.parse(DOMAIN)
    with pytest.raises(InvalidOption) as raised:
        _usb.plan(root, params(model='none'))
    assert raised.value.allowed == [m for m in _usb.allowed_models('x86_64', 'qemu') if m != 'none']
    assert not {'qusb1', 'qusb2', 'vt82c686b-uhci'} & set(raised.value.allowed), raised.value.msg


def test_removing_a_usb2_master_takes_its_companions():
    root = dx.parse(DOMAIN)
    _usb.plan(root, params(model='usb2'))
    _usb.plan(root, params(model='ich9-ehci1', state='absent'))
    assert dx.same_document(root, dx.parse(DOMAIN))


def test_a_device_with_another_controller_left_may_lose_its_own_when_unaddressed():
    root = dx.parse(DOMAIN.replace("<address type='usb' bus='0' port='1'/>", ''))
    _usb.plan(root, params(model='qemu-xhci'))
    _usb.plan(root, params(model='piix3-uhci', state='absent'))
    assert controllers(root) == [('qemu-xhci', 1)]


def test_removing_the_last_controller_says_no_usb_so_libvirt_adds_no_default_back():
    root = dx.parse(DOMAIN.replace("<input type='tablet' bus='usb'><address type='usb' bus='0' port='1'/></input>", ''))
    _usb.plan(root, params(model='piix3-uhci', state='absent'))
    assert controllers(root) == [('none', 0)]
    settled = dx.serialize(root)
    _usb.plan(root, params(model='piix3-uhci', state='absent'))
    assert dx.serialize(root) == settled


def test_none_replaces_every_controller_and_a_model_replaces_none():
    root = dx.parse(DOMAIN.replace("<input type='tablet' bus='usb'><address type='usb' bus='0' port='1'/></input>", ''))
    _usb.plan(root, params(model='none'))
    assert controllers(root) == [('none', 0)]
    again = dx.serialize(root)
    _usb.plan(root, params(model='none'))
    assert dx.serialize(root) == again
    _usb.plan(root, params(model='qemu-xhci'))
    assert controllers(root) == [('qemu-xhci', 0)]


def test_xen_takes_qusb():
    root = dx.parse(DOMAIN.replace("type='qemu'", "type='xen'"))
    _usb.plan(root, params(model='qusb2'))
    assert ('qusb2', 1) in controllers(root)
