#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: virt_device_info
short_description: Report the devices, effective hw_* properties and stashed values of libvirt domains
version_added: 0.1.0
description:
  - Reads the persistent definition (and the live one of a running domain) of each domain and reports its
    devices in an abstract form, the effective C(hw_*) bus and model values derived from them, the values
    stashed in the domain's metadata by M(virtuned.libvirt.virt_device_bus), and where the two drift apart.
  - Never changes anything, and reads over a read-only connection (libvirt's read-only socket), so an audit
    account needs no write access to libvirt. Definitions are read without their passwords.
extends_documentation_fragment:
  - virtuned.libvirt.virt
attributes:
  check_mode:
    support: full
    description: Runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
author:
  - virtuned maintainers (@virtuned)
'''

EXAMPLES = r'''
- name: Read the devices of two domains
  virtuned.libvirt.virt_device_info:
    name:
      - web01
      - db01
  register: info

- name: Fail when someone changed a stashed bus by hand
  ansible.builtin.assert:
    that: info.domains.web01.drift == []
'''

RETURN = r'''
unmatched_patterns:
  description: The name patterns (O(name) entries with C(*), C(?) or C([)) that matched no domain; each also gives a
    warning. A domain really named like a pattern is taken by its name.
  returned: always
  type: list
  elements: str
domains:
  description: Per domain name, its report.
  returned: always
  type: dict
  contains:
    running:
      description: Whether the domain runs.
      type: bool
    machine:
      description: The machine type of the persistent definition.
      type: str
    arch:
      description: The guest architecture.
      type: str
    os_id:
      description: The libosinfo OS id from the domain's metadata, or null.
      type: str
    devices:
      description:
        - The devices in the abstract form (kind, type, bus, model, alias, target, mac, index, address).
        - From the live XML when the domain runs (aliases and addresses filled in), else from the persistent XML.
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
    persistent_devices:
      description: The devices of the persistent definition, in the same form.
      type: list
      elements: dict
    properties:
      description: The effective hw_* values (hw_disk_bus, hw_cdrom_bus, hw_floppy_bus, hw_input_bus,
        hw_machine_type, hw_pointer_model, hw_video_model, hw_vif_model) derived from the persistent definition;
        null where the domain has no such device.
      type: dict
    stashed:
      description: The hw_* values stashed in the virtuned metadata; empty when nothing was stashed.
      type: dict
    drift:
      description: The stashed keys whose value differs from the effective one. A key whose kind of device the
        domain has none of (a stashed hw_disk_bus on a domain without disks) is no drift.
      type: list
      elements: str
    reboot_required:
      description: The domain runs with devices other than its persistent definition holds (a change made
        while it ran); only a cold boot applies the definition.
      type: bool
    machine_missing:
      description: The domain's machine type is not among those its emulator offers on this host (it cannot
        start here); see M(virtuned.libvirt.virt_machine).
      type: bool
    machine_deprecated:
      description: The domain's machine type is deprecated on this host (QEMU will drop it).
      type: bool
    newer_machines:
      description: The host's non-deprecated machine types of the domain's family newer than its own, newest first.
      type: list
      elements: str
    live_properties:
      description: For a running domain, the effective hw_* values of the devices it runs with (they differ
        from RV(domains.properties) while a change waits for a cold boot); null when it does not run.
      type: dict
    recommended:
      description:
        - The best values for the domain's guest OS (from its C(<libosinfo:os id=...>) metadata and the
          host's osinfo-db, read as libosinfo reads it) on this domain (machine type, architecture, graphics,
          SPICE agent, firmware), per key, each a dict with C(value) and a one-line C(reason) naming its osinfo
          evidence.
        - "Keys: the bus and model ones (C(hw_disk_bus), C(hw_cdrom_bus), C(hw_vif_model), C(hw_video_model),
          C(virtio_model)), C(hw_pointer_model) and C(hw_input_bus), the device ones (C(usb_model), C(rng),
          C(memballoon), C(guest_agent)) and the platform ones (C(hw_machine_type), C(features), C(firmware)).
          The rules and their sources are in C(docs/policies.md)."
        - Empty when the OS is not known; RV(domains.recommended_message) says why.
      type: dict
    recommended_message:
      description: What the recommendation is for, or why there is none.
      type: str
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
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtuned.libvirt.plugins.module_utils import _info, _runner


def main():
    module = AnsibleModule(argument_spec=_runner.common_argument_spec(), supports_check_mode=True)
    _runner.inspect(module, _info.describe)


if __name__ == '__main__':
    main()
