# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: device_xml
short_description: The device XML snippet for a device spec, filled with a domain's defaults
version_added: 0.1.0
description:
  - Turns a device spec (the abstract form M(virtuned.libvirt.virt_device) takes) into the XML snippet that
    module would use, with the same code.
  - With O(domain_xml), what the spec leaves out is filled from that domain as the module fills it (its
    stashed C(hw_*) values, its guest OS's recommendations, then libvirt's defaults; the next free disk target;
    the virtio flavour of its devices). With O(policy) (a P(virtuned.libvirt.device_policy#filter) result),
    the policy's values come first. A spec that names a device the domain has gives that device whole, as
    the spec changes it (what the module writes; for C(virsh update-device)).
  - The snippet is for C(virsh attach-device), M(virtuned.libvirt.virt_device)'s C(xml) key, or any libvirt
    client. A bad spec raises an error naming the key, the value and what is allowed.
positional: _input
options:
  _input:
    description: "The device spec, for instance V({kind: disk, alias: data, source: /var/lib/libvirt/images/d.img})."
    type: dict
    required: true
  domain_xml:
    description: The domain's XML (persistent or live), to fill the spec from.
    type: str
  policy:
    description: A P(virtuned.libvirt.device_policy#filter) result whose C(hw_*) values fill the spec first.
    type: dict
author:
  - virtuned maintainers (@virtuned)
'''

EXAMPLES = r'''
- name: Read the domain
  virtuned.libvirt.virt_domain:
    name: web01
    return_xml: true
  register: web01

- name: A data disk on the domain's stashed disk bus, with the next free target
  ansible.builtin.copy:
    dest: /tmp/data-disk.xml
    content: "{{ {'kind': 'disk', 'alias': 'data', 'source': '/var/lib/libvirt/images/web01-data.img'}
                 | virtuned.libvirt.device_xml(domain_xml=web01.domains.web01.previous_xml) }}"
    mode: "0644"
  # then: virsh attach-device web01 /tmp/data-disk.xml --live --config

- name: A NIC whose model follows the modern profile
  ansible.builtin.debug:
    msg: "{{ {'kind': 'interface', 'alias': 'backend', 'source': {'network': 'default'}}
             | virtuned.libvirt.device_xml(policy=['modern'] | virtuned.libvirt.device_policy) }}"
  # <interface type="network"><source network="default"/><model type="virtio"/><alias name="ua-backend"/></interface>

- name: An rng and a USB redirection channel
  ansible.builtin.debug:
    msg:
      - "{{ {'kind': 'rng', 'model': 'virtio', 'source': '/dev/urandom'} | virtuned.libvirt.device_xml }}"
      - "{{ {'kind': 'redirdev', 'bus': 'usb', 'type': 'spicevmc', 'alias': 'redir0'} | virtuned.libvirt.device_xml }}"
'''

RETURN = r'''
_value:
  description: The device's XML snippet.
  type: str
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.virtuned.libvirt.plugins.module_utils._device_spec import snippet
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import VirtunedError


def device_xml(spec, domain_xml=None, policy=None):
    if not isinstance(spec, Mapping):
        raise AnsibleFilterError('device_xml: the input must be a device spec (a dict), got %r' % (spec,))
    if policy is not None and not isinstance(policy, Mapping):
        raise AnsibleFilterError('device_xml: policy must be a device_policy result (a dict), got %r' % (policy,))
    try:
        return snippet(dict(spec), domain_xml=domain_xml, policy=dict(policy or {}))
    except VirtunedError as exc:
        raise AnsibleFilterError('device_xml: %s' % exc.msg)


class FilterModule:

    def filters(self):
        return {'device_xml': device_xml}
