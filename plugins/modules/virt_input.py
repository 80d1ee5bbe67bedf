#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: virt_input
short_description: Keep the pointer and keyboard devices of libvirt domains as wanted
version_added: 0.1.0
description:
  - Resolves Nova's C(hw_pointer_model) and C(hw_input_bus) pair (O(pointer_model), O(input_bus)) into
    explicit input devices with the same table as the P(virtuned.libvirt.input_devices#filter) filter, or
    takes an explicit O(devices) list, and makes each domain's input devices match.
  - On a running domain, USB and virtio input devices are also hot-plugged or unplugged, so the guest has
    them now. What cannot be done live leaves RV(domains.reboot_required=true).
  - The implicit PS/2 mouse and keyboard that every x86 PC machine has are never removed and never cause a
    change.
extends_documentation_fragment:
  - virtuned.libvirt.virt
  - virtuned.libvirt.virt.CHANGING
options:
  pointer_model:
    description:
      - Nova's C(hw_pointer_model). V(usbtablet) is a USB tablet; V(tablet) and V(mouse) go on O(input_bus).
      - Omitted with O(input_bus) omitted, x86 PC machines keep only their implicit PS/2 devices; other
        architectures get a USB tablet and keyboard.
    type: str
    choices: [usbtablet, tablet, mouse]
  input_bus:
    description:
      - Nova's C(hw_input_bus). When set, a keyboard on this bus is added beside the pointer.
      - V(virtio) with O(pointer_model=usbtablet) is refused.
    type: str
    choices: [usb, virtio]
  devices:
    description:
      - Instead of O(pointer_model) and O(input_bus), the explicit devices, each a dict with C(type)
        (V(tablet), V(mouse) or V(keyboard)) and C(bus) (V(ps2), V(usb) or V(virtio)).
      - V(ps2) only for a mouse or keyboard on x86 PC machines.
    type: list
    elements: raw
  state:
    description:
      - V(present) adds the resolved devices that are missing.
      - V(absent) removes the resolved devices.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), also remove every other explicit pointer and keyboard device, so that only
        the resolved set remains (implicit PS/2 devices stay).
    type: bool
    default: false
  unplug_timeout:
    description:
      - Seconds a hot-unplug waits for libvirt's device-removed event; a device the guest has not released by
        then (a virtio input device is a PCI device, whose unplug needs the guest's consent) is reported
        V(pending) in RV(domains.live_changes) and the domain waits for a cold boot.
    type: int
    default: 10
author:
  - virtuned maintainers (@virtuned)
'''

EXAMPLES = r'''
- name: Move instances from a USB tablet to a virtio tablet and keyboard
  virtuned.libvirt.virt_input:
    name: [web01, web02]
    pointer_model: tablet
    input_bus: virtio
    exclusive: true

- name: Add a USB tablet from image properties, the way Nova resolves them
  virtuned.libvirt.virt_input:
    name: desktop01
    pointer_model: "{{ image_properties.hw_pointer_model | default(omit) }}"
    input_bus: "{{ image_properties.hw_input_bus | default(omit) }}"

- name: Remove a USB mouse
  virtuned.libvirt.virt_input:
    name: desktop01
    devices:
      - {type: mouse, bus: usb}
    state: absent
'''

RETURN = r'''
unmatched_patterns:
  description: The name patterns (O(name) entries with C(*), C(?) or C([)) that matched no domain; each also gives a
    warning. A domain really named like a pattern is taken by its name.
  returned: always
  type: list
  elements: str
domains:
  description: Per domain name, what happened.
  returned: always
  type: dict
  contains:
    changed:
      description: Whether this domain's persistent XML changed.
      type: bool
    reboot_required:
      description: The persistent input devices now differ from the running ones (a device could not be
        plugged or unplugged live); only a cold boot applies them.
      type: bool
    devices:
      description: The input devices of the persistent definition after the run, in the abstract form
        (kind, type, bus, model, alias, target, mac, index, address).
      type: list
      elements: dict
      # shared: device form, not disks
      contains:
        kind:
          description: The device element, for instance C(disk), C(interface), C(controller) or C(input).
          type: str
          sample: disk
        type:
          description: Its C(type) attribute (C(file), C(network), C(usb), C(tablet)), or null.
          type: str
        bus:
          description: Its bus (a disk's target bus, an input's bus), or null.
          type: str
          sample: virtio
        model:
          description: Its model (a NIC's or video's model type, a controller's model), or null.
          type: str
        alias:
          description: Its alias (names starting with C(ua-) are the user's), or null.
          type: str
        target:
          description:
            - A disk's target device name, a filesystem's target dir (its mount tag), a string.
            - A serial, parallel or console port's or a channel's C(<target>) attributes, a dict (C(type) and C(port),
              or C(type) and C(name)), by which libvirt finds it. Else null.
          type: raw
          sample: vda
        mac:
          description: An interface's MAC address, else null.
          type: str
        index:
          description: A controller's index, else null.
          type: int
        address:
          description: The attributes of its C(<address>) (C(type), C(bus), C(slot)...), or null.
          type: dict
      # end shared
    live_devices:
      description: The input devices of the running domain after the run.
      type: list
      elements: dict
      returned: when the domain runs
    # shared: live changes
    live_changes:
      description:
        - What was done to the running domain, in order; empty when it does not run.
        - In check mode, what a run would do. A hot-plug libvirt would refuse (a kind or bus it never plugs live, no
          free hot-pluggable slot in the running domain, a DIMM the running domain has no C(<maxMemory>) slot, NUMA node
          or ACPI for) is predicted V(not attached), an unplug it would refuse (such a
          kind or bus, a device held by its PCI slot, a SCSI controller with disks left on it) V(not detached), a device
          whose host side is missing (an image, a network or one not running, a bridge, a USB device, a socket, a
          directory, a tap; paths on a local URI), an image another disk holds under QEMU's image locking or one QEMU's C(qemu-img) does not open as
          its driver's format with its backing chain V(not attached) or V(not updated); every other (un)plug and update
          is predicted done, a controller a new device needs first included. V(pending) and refusals for other reasons
          (the guest, a peer a socket connects to) show only in a real run.
      type: list
      elements: dict
      contains:
        action:
          description:
            - V(attached), V(detached) or V(updated) when done; V(pending) when the guest has not released an
              unplugged device within the unplug timeout (a cold boot removes it).
            - V(not attached), V(not detached) or V(not updated) when the running domain refused; the persistent
              definition has the change all the same and RV(domains.reboot_required) is true.
          type: str
          sample: attached
        device:
          description: The device, in the form of RV(domains.devices).
          type: dict
        error:
          description: Why the running domain refused.
          type: str
          returned: when the action starts with C(not)
    # end shared
reboot_required:
  description: Names of the domains whose change waits for a cold boot.
  returned: always
  type: list
  elements: str
diff:
  description: The persistent domain XML before and after, one entry per changed domain (secrets masked).
  returned: when diff mode is on
  type: list
  elements: dict
# shared: refusal
option:
  description: The option whose value was refused.
  returned: on failure, when a value was refused
  type: str
  sample: disk_bus
value:
  description: The refused value, as given.
  returned: on failure, when a value was refused
  type: raw
  sample: ide
allowed:
  description: What the option takes there; null when libvirt refused the definition the value would give.
  returned: on failure, when a value was refused
  type: list
  elements: raw
  sample: [sata, scsi, usb, virtio]
# end shared
# shared: batch failure
refused_domains:
  description: The domains that refused the value, when more than one did (RV(option), RV(value) and RV(allowed)
    are the first one's). Nothing was written.
  returned: on failure, when several domains refused
  type: list
  elements: str
defined_then_restored:
  description: When libvirt refused a definition after others of the call were written, the domains whose
    previous definition was put back.
  returned: on failure, when a definition was refused after others were written
  type: list
  elements: str
kept_new_definition:
  description: The domains that keep their new definition although the task failed (libvirt went away before
    they could be put back); running the task again finishes the job.
  returned: on failure, when a definition was refused after others were written
  type: list
  elements: str
# end shared
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _inputs, _runner


def main():
    module = AnsibleModule(
        argument_spec=_runner.common_argument_spec(
            pointer_model=dict(type='str', choices=list(_inputs.POINTER_MODELS)),
            input_bus=dict(type='str', choices=list(_inputs.INPUT_BUSES)),
            # raw, not dict: _inputs.check_options names the option, the value and the form for any
            # element, where Ansible's own message for a non-dict element names neither.
            devices=dict(type='list', elements='raw'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            exclusive=dict(type='bool', default=False),
            unplug_timeout=dict(type='int', default=_runner.DEFAULT_UNPLUG_TIMEOUT),
        ),
        mutually_exclusive=[('devices', 'pointer_model'), ('devices', 'input_bus')],
        supports_check_mode=True,
    )
    _runner.check_options(module, _inputs.check_options)

    def plan(state):
        after = dx.clone(state.before)
        attach, detach = _inputs.plan(after, state.live, module.params)
        return _runner.Change(state, after, attach, detach)

    _runner.converge(module, plan, kinds=('input',), plugs_live=True)


if __name__ == '__main__':
    main()
