#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: virt_usb_controller
short_description: Add or remove the USB controllers of libvirt domains
version_added: 0.1.0
description:
  - Makes sure that O(count) USB controllers of a model exist (each on its own index), or removes them.
  - USB controllers are cold-plug only; on a running domain the persistent definition changes, the live
    domain is left alone and RV(domains.reboot_required) is true.
  - Every input is checked against each domain before anything is written, including the models the
    domain's emulator and architecture can take.
extends_documentation_fragment:
  - virtuned.libvirt.virt
  - virtuned.libvirt.virt.CHANGING
options:
  model:
    description:
      - A libvirt USB controller model, or a set.
      - V(usb2) is an ich9-ehci1 USB 2 master with its ich9-uhci1, ich9-uhci2 and ich9-uhci3 companions
        on one index (C(master startport) 0, 2, 4); V(usb3) is V(qemu-xhci).
      - V(none) disables USB; it is refused while USB devices exist.
      - V(qusb1) and V(qusb2) are for Xen domains only; V(vt82c686b-uhci) is not in QEMU for x86; the
        UHCI companions come with V(usb2).
      - Required with O(state=present).
    type: str
    choices: [piix3-uhci, piix4-uhci, ehci, ich9-ehci1, vt82c686b-uhci, pci-ohci, nec-xhci, qemu-xhci, qusb1, qusb2,
              none, usb2, usb3]
  index:
    description:
      - Pin one controller to this index. Omitted, new controllers take the lowest free indexes.
      - An index that another USB controller uses is refused.
      - With O(state=absent), remove only the controller at this index.
    type: int
  count:
    description: With O(state=present), how many controllers of this model must exist at least.
    type: int
    default: 1
  ports:
    description: The number of ports (1 to 15), for the xhci models only.
    type: int
  state:
    description:
      - V(present) adds the controllers that are missing.
      - V(absent) removes the matching controllers (a usb2 master with its companions); refused while USB
        devices (input, hostdev, redirdev, disk on bus usb…) still need them, naming those devices.
      - Removing the last USB controller leaves a C(model=none) controller, as O(model=none) does; without it
        libvirt would add its default controller back.
    type: str
    choices: [present, absent]
    default: present
author:
  - virtuned maintainers (@virtuned)
'''

EXAMPLES = r'''
- name: A USB 2 controller set for USB 2 passthrough
  virtuned.libvirt.virt_usb_controller:
    name: desktop01
    model: usb2

- name: Two xhci controllers with 8 ports each
  virtuned.libvirt.virt_usb_controller:
    name: [ci01, ci02]
    model: qemu-xhci
    count: 2
    ports: 8

- name: Remove the controller at index 1
  virtuned.libvirt.virt_usb_controller:
    name: ci01
    index: 1
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
      description: The domain runs and its persistent USB controllers differ from the live ones.
      type: bool
    devices:
      description: The USB controllers of the persistent definition after the run, in the abstract form
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
      description: The USB controllers of the running domain.
      type: list
      elements: dict
      returned: when the domain runs
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
from ansible_collections.virtuned.libvirt.plugins.module_utils import _runner, _usb


def main():
    module = AnsibleModule(
        argument_spec=_runner.common_argument_spec(
            model=dict(type='str', choices=list(_usb.CHOICES)),
            index=dict(type='int'),
            count=dict(type='int', default=1),
            ports=dict(type='int'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
        ),
        required_if=[('state', 'present', ['model'])],
        supports_check_mode=True,
    )

    _runner.check_options(module, _usb.check_options)

    def plan(state):
        after = dx.clone(state.before)
        _usb.plan(after, module.params)
        return _runner.Change(state, after)

    _runner.converge(module, plan, kinds=_usb.is_usb_controller)


if __name__ == '__main__':
    main()
