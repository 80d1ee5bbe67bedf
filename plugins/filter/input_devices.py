# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: input_devices
short_description: Resolve hw_pointer_model and hw_input_bus into the explicit input devices to define
version_added: 0.1.0
description:
  - Nova's matrix of C(hw_pointer_model) and C(hw_input_bus), with its keyboard rule; a keyboard follows
    C(hw_input_bus) when it is set, and architectures without PS/2 always get one.
  - The same table M(virtuned.libvirt.virt_input) applies.
  - An invalid value or combination (V(usbtablet) on V(virtio)) raises an error naming both values.
positional: _input
options:
  _input:
    description: Image or instance properties; C(hw_pointer_model) and C(hw_input_bus) are read, other keys ignored.
    type: dict
    required: true
  arch:
    description: The guest architecture. Only x86_64 and i686 PC machines have PS/2.
    type: str
    default: x86_64
  machine:
    description: The machine type (V(microvm) has no PS/2).
    type: str
author:
  - virtuned maintainers (@virtuned)
'''

EXAMPLES = r'''
- name: The devices for a virtio tablet and keyboard
  ansible.builtin.debug:
    msg: "{{ {'hw_pointer_model': 'tablet', 'hw_input_bus': 'virtio'} | virtuned.libvirt.input_devices }}"
  # [{"type": "tablet", "bus": "virtio"}, {"type": "keyboard", "bus": "virtio"}]

- name: An aarch64 guest always gets a keyboard
  ansible.builtin.debug:
    msg: "{{ {} | virtuned.libvirt.input_devices(arch='aarch64') }}"
  # [{"type": "tablet", "bus": "usb"}, {"type": "keyboard", "bus": "usb"}]
'''

RETURN = r'''
_value:
  description: The explicit input devices to define, each with C(type) and C(bus); empty when the implicit
    PS/2 devices are enough.
  type: list
  elements: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption
from ansible_collections.virtuned.libvirt.plugins.module_utils._inputs import resolve


def input_devices(properties, arch='x86_64', machine=None):
    if not isinstance(properties, Mapping):
        raise AnsibleFilterError('input_devices: the input must be a dict of hw_* properties, got %r' % (properties,))
    try:
        return resolve(properties.get('hw_pointer_model'), properties.get('hw_input_bus'), arch, machine,
                       options=('hw_pointer_model', 'hw_input_bus'))
    except InvalidOption as exc:
        raise AnsibleFilterError('input_devices: %s' % exc.msg)


class FilterModule:

    def filters(self):
        return {'input_devices': input_devices}
