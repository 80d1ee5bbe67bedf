#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: virt_machine
short_description: The platform under the devices of libvirt domains - machine type, i440fx to q35, PCIe hot-plug room, features
version_added: 0.1.0
description:
  - Updates a domain's machine type within its family (V(pc-q35-6.2) to V(pc-q35-7.2)), never to an older version,
    never to one the domain's emulator does not offer (the host's capabilities list them, aliases such as V(q35)
    and deprecation included), never to a deprecated one (the refusal names the newer ones). Each refusal lists
    what the domain may move to - its type and its family's newer ones (with O(allow_family_change=true), from
    i440fx, the q35 ones).
  - With O(allow_family_change=true), converts an i440fx domain to q35 as a person would by hand (and as
    C(virt-xml --convert-to-q35) does) - IDE disks and cdroms to SATA with new targets, PCI and IDE controllers and
    PCI addresses dropped so that libvirt re-places the devices on PCIe root ports, piix USB to V(qemu-xhci),
    V(e1000) to V(e1000e), V(ich6) sound to V(ich9), V(cirrus) video to V(vga), 14 root ports. RV(domains.converted)
    lists what changed.
  - O(pcie_free_ports) keeps that many PCIe root ports free for hot-plug after a cold boot.
  - O(features) turns on platform features from a table with sources (see C(docs/policies.md)).
  - The effective machine type is stashed as C(hw_machine_type) with the other C(hw_*) values.
  - Stopped domains change now; running ones change persistently, and RV(domains.reboot_required) is true.
extends_documentation_fragment:
  - virtuned.libvirt.virt
  - virtuned.libvirt.virt.CHANGING
options:
  machine_type:
    description: A machine type the domain's emulator offers, such as V(pc-q35-7.2) or an alias such as V(q35).
    type: str
  allow_family_change:
    description: Allow i440fx (V(pc…)) to q35, converting the devices (see above). Other family changes are refused.
    type: bool
    default: false
  pcie_free_ports:
    description:
      - For q35 domains, add C(pcie-root-port) controllers until this many are free (no device sits behind them)
        after the next cold boot, so that as many PCIe devices can be hot-plugged. Counts the free ports; a second
        run adds none.
    type: int
  features:
    description:
      - Platform features to turn on, from the table in C(docs/policies.md) - V(vmcoreinfo), V(pvpanic) (an ISA
        panic device), V(acpi), V(apic), V(hyperv) (the recommended Hyper-V enlightenments for Windows guests, each
        only where the domain capabilities list it).
    type: list
    elements: str
  recommended:
    description:
      - Apply the platform values recommended for the domain's guest OS (see
        RV(virtuned.libvirt.virt_device_info#module:domains.recommended)) to the options not given; explicit
        options win.
      - V(hyperv) for Windows guests.
      - V(q35) for an i440fx guest whose OS supports it, only with O(allow_family_change=true).
      - A recommended firmware (UEFI for an OS that refuses BIOS) is reported, not applied, since an installed
        guest would not boot with another firmware. What is not applied gives a warning.
    type: bool
    default: false
  os:
    description:
      - With O(recommended=true), the guest OS as a libosinfo short id (V(win11), V(rhel9.0)) or id URI, instead
        of the domain's C(<libosinfo:os>) metadata. An OS osinfo-db does not know is refused, naming close matches.
    type: str
  pin:
    description: Stash the current C(hw_machine_type) (and the other C(hw_*) values) without changing anything else.
    type: bool
    default: false
author:
  - virtuned maintainers (@virtuned)
'''

EXAMPLES = r'''
- name: Move q35 domains to the newest q35 this host offers
  virtuned.libvirt.virt_machine:
    name: "web-*"
    machine_type: q35

- name: Convert an i440fx domain to q35, with room for three hot-plugged devices
  virtuned.libvirt.virt_machine:
    name: legacy01
    machine_type: q35
    allow_family_change: true
    pcie_free_ports: 3

- name: Crash dumps from the host and a panic notifier
  virtuned.libvirt.virt_machine:
    name: db01
    features: [vmcoreinfo, pvpanic]
'''

RETURN = r'''
unmatched_patterns:
  description: The name patterns that matched no domain; each also gives a warning.
  returned: always
  type: list
  elements: str
reboot_required:
  description: The domains whose change waits for a cold boot.
  returned: always
  type: list
  elements: str
domains:
  description: Per domain name, the outcome.
  returned: always
  type: dict
  contains:
    changed:
      description: Whether the persistent definition changed.
      type: bool
    machine:
      description: The machine type of the persistent definition after the task.
      type: str
    converted:
      description: What an i440fx to q35 conversion changed, one line each.
      type: list
      elements: str
    root_ports_added:
      description: How many PCIe root ports were added for O(pcie_free_ports).
      type: int
    reboot_required:
      description: The running domain's machine type, features or devices differ from its persistent definition.
      type: bool
    recommended:
      description: With O(recommended=true), what was recommended for the domain's OS (key -> value and reason).
      type: dict
      returned: when O(recommended=true)
    recommended_message:
      description: With O(recommended=true), what the recommendation is for, or why there is none.
      type: str
      returned: when O(recommended=true)
    devices:
      description: The devices after the task, in the abstract form.
      type: list
      elements: dict
      # shared: device form
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
        device:
          description: V(disk), V(cdrom), V(floppy) or V(lun).
          type: str
          returned: for disks
      # end shared
    live_devices:
      description: For a running domain, the devices it runs with, in the form of RV(domains.devices).
      type: list
      elements: dict
      returned: when the domain runs
diff:
  description: The persistent domain XML before and after, one entry per changed domain (secrets masked).
  returned: when diff mode is on and a domain changed
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
from ansible_collections.virtuned.libvirt.plugins.module_utils import _machine, _runner


def main():
    module = AnsibleModule(
        argument_spec=_runner.common_argument_spec(
            machine_type=dict(type='str'),
            allow_family_change=dict(type='bool', default=False),
            pcie_free_ports=dict(type='int'),
            features=dict(type='list', elements='str'),
            pin=dict(type='bool', default=False),
            recommended=dict(type='bool', default=False),
            os=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    _runner.check_options(module, _machine.check_options)

    def plan(state):
        after = dx.clone(state.before)
        machines = _machine.machine_types(state.hypervisor, after)
        report = _machine.plan(after, module.params, machines, state.capabilities())
        report['machine'] = dx.os_type(after)['machine']
        return _runner.Change(state, after, report=report)

    _runner.converge(module, plan, kinds=None, platform=True)


if __name__ == '__main__':
    main()
