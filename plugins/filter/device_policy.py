# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: device_policy
short_description: Merge policy profiles and dicts of hw_* values into one policy
version_added: 0.1.0
description:
  - Takes a list of shipped profile names (V(modern), V(legacy-guest), V(windows)) and dicts of policy keys,
    and merges them in order, later items winning. A key set to null in a later item unsets it.
  - "An item V({prefer: <profile name or dict>}) is a preference (KubeVirt's semantics) - its keys fill only
    the keys no enforced item sets, wherever it stands in the list; among preferences the later wins.
    V({enforce: <profile name or dict>}) is the same as the bare name or dict."
  - Policy keys are C(hw_disk_bus), C(hw_cdrom_bus), C(hw_floppy_bus), C(hw_input_bus), C(hw_pointer_model),
    C(hw_video_model), C(hw_vif_model), C(hw_scsi_model), C(virtio_model) and C(usb_model), and the platform
    keys C(hw_machine_type), C(pcie_free_ports) (an integer) and C(features) (a list of names from
    M(virtuned.libvirt.virt_machine)'s table), applied by M(virtuned.libvirt.virt_machine).
  - An unknown profile or key, a value a key cannot take, or a merged result that cannot stand (a
    V(usbtablet) pointer on the V(virtio) input bus) raises an error naming it.
  - With O(modules=true) the result is grouped by the module and option that apply each key, as the
    P(virtuned.libvirt.device_update#role) role uses it.
positional: _input
options:
  _input:
    description: Profile names and dicts, in the order they are merged; a single name or dict is a list of one.
    type: list
    elements: raw
    required: true
  modules:
    description: Group the merged keys as C(virt_device_bus), C(virt_input), C(virt_usb_controller) and C(virt_machine)
      options.
    type: bool
    default: false
author:
  - virtuned maintainers (@virtuned)
'''

EXAMPLES = r'''
- name: The modern profile, but with qxl video for SPICE clients
  ansible.builtin.set_fact:
    policy: "{{ ['modern', {'hw_video_model': 'qxl'}] | virtuned.libvirt.device_policy }}"

- name: Site policy from a YAML file on top of a shipped profile
  ansible.builtin.set_fact:
    policy: "{{ ['legacy-guest', lookup('ansible.builtin.file', 'site-policy.yml') | from_yaml]
                | virtuned.libvirt.device_policy }}"
'''

RETURN = r'''
_value:
  description: The merged policy (key -> value), or with O(modules=true) module -> option -> value.
  type: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.virtuned.libvirt.plugins.module_utils import _policy
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption


def device_policy(items, modules=False):
    try:
        merged = _policy.merge(items)
    except InvalidOption as exc:
        raise AnsibleFilterError('device_policy: %s' % exc.msg)
    return _policy.module_options(merged) if modules else merged


class FilterModule:

    def filters(self):
        return {'device_policy': device_policy}
