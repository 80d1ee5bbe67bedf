"""The hw_pointer_model x hw_input_bus table, the filter, and the input plan."""

from __future__ import annotations

import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.virtuned.libvirt.plugins.filter.input_devices import input_devices
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _inputs
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption

with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), 'data', 'input-matrix.yaml')) as handle:
    MATRIX = yaml.safe_load(handle)

VECTORS = [(arch, v) for arch in ('x86_64', 'aarch64') for v in MATRIX[arch]] + \
          [('x86_64', v) for v in MATRIX['invalid']]


def _key(devices):
    return sorted((d['type'], d['bus']) for d in devices)


def test_the_matrix_is_complete():
    assert len(MATRIX['x86_64']) == 12 and len(MATRIX['aarch64']) == 5 and len(MATRIX['invalid']) == 3


@pytest.mark.parametrize('arch, vector', VECTORS, ids=str)
def test_matrix_vector_through_the_filter(arch, vector):
    properties = {}
    if vector['pointer'] is not None:
        properties['hw_pointer_model'] = vector['pointer']
    if vector['bus'] is not None:
        properties['hw_input_bus'] = vector['bus']
    if vector.get('error'):
        with pytest.raises(AnsibleFilterError) as raised:
            input_devices(properties, arch=arch)
        assert repr(vector['pointer']) in str(raised.value) and repr(vector['bus']) in str(raised.value)
    else:
        assert _key(input_devices(properties, arch=arch)) == _key(vector['expect'])


@pytest.mark.parametrize('arch, vector', [v for v in VECTORS if not v[1].get('error')], ids=str)
def test_resolve_is_what_the_filter_uses(arch, vector):
    assert _key(_inputs.resolve(vector['pointer'], vector['bus'], arch)) == _key(vector['expect'])


def test_errors_name_option_value_and_allowed():
    with pytest.raises(InvalidOption) as raised:
        _inputs.resolve('usbtablet', 'virtio')
    assert raised.value.option == 'input_bus' and raised.value.value == 'virtio'
    assert 'usbtablet' in raised.value.msg and "'tablet'" in raised.value.msg
    with pytest.raises(InvalidOption) as raised:
        _inputs.resolve('ps2mouse', None)
    assert 'usbtablet, tablet, mouse' in raised.value.msg


def test_filter_rejects_a_non_dict_and_ignores_other_properties():
    with pytest.raises(AnsibleFilterError, match='must be a dict'):
        input_devices('tablet')
    assert input_devices({'hw_disk_bus': 'scsi', 'hw_pointer_model': 'tablet'}) == [{'type': 'tablet', 'bus': 'usb'}]


def test_microvm_has_no_ps2():
    assert _key(_inputs.resolve(None, None, 'x86_64', 'microvm')) == [('keyboard', 'usb'), ('tablet', 'usb')]


@pytest.mark.parametrize('devices, option', [
    ([{'type': 'tablet', 'bus': 'ps2'}], 'devices.bus'),
    ([{'type': 'joystick', 'bus': 'usb'}], 'devices.type'),
    ([{'type': 'mouse', 'bus': 'serial'}], 'devices.bus'),
    ([{'type': 'mouse', 'bus': 'usb', 'model': 'x'}], 'devices'),
])
def test_check_devices_refuses(devices, option):
    with pytest.raises(InvalidOption) as raised:
        _inputs.check_devices(devices)
    assert raised.value.option == option


def test_the_options_are_checked_before_any_domain_architecture_is_known():
    params = {'unplug_timeout': 10, 'exclusive': False, 'state': 'present'}
    with pytest.raises(InvalidOption) as raised:
        _inputs.check_options(dict(params, devices=[{'type': 'tablet', 'bus': 'ps2'}]))
    assert raised.value.msg.endswith("(there is no PS/2 tablet); allowed: usb, virtio"), raised.value.msg
    # Whether a PS/2 keyboard exists depends on the domain: not refused before the domain is read.
    _inputs.check_options(dict(params, devices=[{'type': 'keyboard', 'bus': 'ps2'}]))


def test_ps2_keyboard_on_aarch64_is_refused():
    with pytest.raises(InvalidOption, match='no PS/2 keyboard'):
        _inputs.check_devices([{'type': 'keyboard', 'bus': 'ps2'}], arch='aarch64')


DOMAIN = """<domain><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os><devices>
  <controller type='usb' index='0' model='qemu-xhci'/>
  <input type='tablet' bus='usb'><address type='usb' bus='0' port='1'/></input>
  <input type='mouse' bus='ps2'/>
  <input type='keyboard' bus='ps2'/>
</devices></domain>"""


def _inputs_of(root):
    return [(e.get('type'), e.get('bus')) for e in dx.find_devices(root, 'input')]


def test_plan_exclusive_switches_usb_to_virtio():
    root = dx.parse(DOMAIN)
    attach, detach = _inputs.plan(root, None, {'pointer_model': 'tablet', 'input_bus': 'virtio', 'exclusive': True})
    assert _inputs_of(root) == [('mouse', 'ps2'), ('keyboard', 'ps2'), ('tablet', 'virtio'), ('keyboard', 'virtio')]
    assert attach == [] and detach == []


def test_plan_on_a_running_domain_plugs_what_the_live_domain_lacks():
    root, live = dx.parse(DOMAIN), dx.parse(DOMAIN)
    attach, detach = _inputs.plan(root, live, {'pointer_model': 'tablet', 'input_bus': 'virtio', 'exclusive': True})
    assert [(e.get('type'), e.get('bus')) for e in attach] == [('tablet', 'virtio'), ('keyboard', 'virtio')]
    assert [(e.get('type'), e.get('bus')) for e in detach] == [('tablet', 'usb')]
    assert detach[0].getroottree().getroot() is live  # the live element, with its address, is what gets unplugged


def test_plan_is_idempotent_and_leaves_ps2_alone():
    root = dx.parse(DOMAIN)
    params = {'devices': [{'type': 'tablet', 'bus': 'usb'}, {'type': 'mouse', 'bus': 'ps2'}], 'exclusive': True}
    _inputs.plan(root, None, params)
    assert dx.same_document(root, dx.parse(DOMAIN))
    _inputs.plan(root, None, {'devices': [{'type': 'mouse', 'bus': 'ps2'}], 'state': 'absent'})
    assert dx.same_document(root, dx.parse(DOMAIN))


def test_plan_absent_removes_only_the_listed():
    root = dx.parse(DOMAIN)
    _inputs.plan(root, None, {'devices': [{'type': 'tablet', 'bus': 'usb'}], 'state': 'absent'})
    assert _inputs_of(root) == [('mouse', 'ps2'), ('keyboard', 'ps2')]


def test_usb_devices_are_refused_without_a_usb_controller():
    root = dx.parse(DOMAIN.replace("model='qemu-xhci'", "model='none'"))
    with pytest.raises(InvalidOption, match="model='none'"):
        _inputs.plan(root, None, {'pointer_model': 'tablet', 'input_bus': 'usb'})
    _inputs.plan(root, None, {'pointer_model': 'tablet', 'input_bus': 'virtio'})
