#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: virt_device_bus
short_description: Move the devices of libvirt domains to other buses and models, and keep them there
version_added: 0.1.0
description:
  - Moves disks, cdroms and floppies to another bus, and changes the video, NIC and SCSI controller models
    and the virtio flavour (transitional or not) of stopped or running domains, without a rebuild.
  - Every value is checked against the host's domain capabilities for each domain's emulator, architecture,
    machine type and virt type (for instance V(ide) on q35 is refused) before anything is written.
  - A disk moved to another bus loses what that bus cannot carry (listed in RV(domains.dropped)); a readonly
    disk is not moved to SATA or IDE and a vhost-user disk stays on virtio (both refused, naming the disks).
    New target names avoid every drive address in use, SCSI host devices' included.
  - Whenever it applies values (or O(pin=true)), the effective C(hw_disk_bus), C(hw_cdrom_bus),
    C(hw_floppy_bus), C(hw_input_bus), C(hw_pointer_model), C(hw_video_model) and C(hw_vif_model) are
    stashed in the domain's metadata (namespace C(https://virtuned.dev/xmlns/libvirt/1)), where
    M(virtuned.libvirt.virt_device_info) compares them with the devices. A key that no device of the domain
    tells keeps the value applied now, else the one stashed. O(disk_bus=scsi) on a domain without disks is
    stashed, and the next disk M(virtuned.libvirt.virt_device) adds without a bus goes on SCSI.
  - Bus and model changes need a cold boot; on a running domain the persistent definition changes and
    RV(domains.reboot_required) is true.
extends_documentation_fragment:
  - virtuned.libvirt.virt
  - virtuned.libvirt.virt.CHANGING
options:
  disk_bus:
    description:
      - The bus of every disk (device V(disk)), such as V(virtio), V(scsi), V(sata), V(ide), V(usb).
      - Targets are renamed to the bus's prefix (V(vdX), V(sdX), V(hdX)) without clashing with other disks,
        old addresses are dropped so that libvirt places the disks afresh, and a SCSI controller is added
        when the domain has none (O(scsi_model), else V(virtio-scsi)). Per-device boot order is kept.
    type: str
  cdrom_bus:
    description:
      - The bus of every cdrom, such as V(sata), V(scsi), V(ide) or V(usb), not V(virtio).
    type: str
  floppy_bus:
    description:
      - The bus of every floppy, V(fdc).
    type: str
  video_model:
    description:
      - The model of the primary video device, such as V(virtio), V(qxl), V(vga), V(cirrus), V(bochs), V(ramfb),
        V(vmvga) or V(none). A domain without video gets one.
    type: str
  vif_model:
    description:
      - The model of every emulated network interface (V(virtio), V(e1000), V(e1000e), V(rtl8139)…).
      - V(virtio) leaves a transitional or non-transitional virtio NIC as it is; O(virtio_model) sets that.
    type: str
  scsi_model:
    description:
      - The model of every SCSI controller, such as V(virtio-scsi), V(lsilogic), V(lsisas1068) or V(vmpvscsi).
    type: str
  virtio_model:
    description:
      - The flavour of every device that has one (virtio disks, interfaces, rng, memballoon, 9p filesystems,
        vsock, vhost-scsi host devices, SCSI and virtio-serial controllers).
      - Virtio input devices and video keep plain V(virtio), since they exist in virtio 1.0 only and libvirt
        refuses a flavour on them.
      - V(transitional) devices work with legacy guests (RHEL 6) and only in conventional PCI slots; on q35
        libvirt re-places them behind a pcie-to-pci-bridge. V(non-transitional) and V(virtio) may sit in
        PCI or PCIe slots.
    type: str
    choices: [virtio, transitional, non-transitional]
  recommended:
    description:
      - Apply the values recommended for the domain's guest OS (see RV(virtuned.libvirt.virt_device_info#module:domains.recommended))
        to the options not given; explicit options win.
      - A domain whose OS is not known gets no recommendation (a warning says so) rather than a guess.
    type: bool
    default: false
  os:
    description:
      - With O(recommended=true), the guest OS as a libosinfo short id (V(rhel6.10), V(win10)) or id URI, instead
        of the domain's C(<libosinfo:os>) metadata. An OS osinfo-db does not know is refused.
    type: str
  pin:
    description:
      - Record the domain's current effective buses and models in its metadata before anything else, so
        that they stay stable (Nova's "register existing defaults").
    type: bool
    default: false
author:
  - virtuned maintainers (@virtuned)
'''

EXAMPLES = r'''
- name: QEMU dropped IDE on q35 - move the cdroms to SATA
  virtuned.libvirt.virt_device_bus:
    name: "{{ q35_instances }}"
    cdrom_bus: sata

- name: A RHEL 6 guest on q35 needs transitional virtio devices
  virtuned.libvirt.virt_device_bus:
    name: legacy01
    virtio_model: transitional

- name: Move disks to virtio-scsi
  virtuned.libvirt.virt_device_bus:
    name: db01
    disk_bus: scsi
    scsi_model: virtio-scsi

- name: Register what the domains have now, so drift can be seen later
  virtuned.libvirt.virt_device_bus:
    name: "{{ all_instances }}"
    pin: true
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
      description: Whether this domain's persistent XML changed (devices or stashed values).
      type: bool
    reboot_required:
      description: The domain runs and its persistent devices now differ from the live ones.
      type: bool
    devices:
      description: The disks, interfaces, video, controllers, rng, memballoon, input and vsock devices of the
        persistent definition after the run, in the abstract form (kind, type, bus, model, alias, target, mac,
        index, address).
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
    dropped:
      description:
        - What the moved disks lost because their new bus cannot carry it (libvirt refuses it there), such as
          C(<wwn>) off IDE and SCSI, C(<vendor>) and C(<product>) off SCSI, C(rotation_rate) off SCSI, IDE and
          SATA, C(removable) off USB, virtio-blk's driver tuning off virtio.
        - Empty when nothing was lost. In check mode, what would be lost.
      type: list
      elements: dict
      contains:
        device:
          description: The device, with its old and new target, for instance C(disk vdb (now sdb)).
          type: str
        element:
          description: The element or attribute that went, for instance C(<wwn>) or C(<target> rotation_rate=).
          type: str
        reason:
          description: Why the new bus cannot carry it (libvirt's own words where it has them).
          type: str
    recommended:
      description: With O(recommended=true), what was recommended for the domain's OS (key -> value and reason).
      type: dict
      returned: when O(recommended=true)
    recommended_message:
      description: With O(recommended=true), what the recommendation is for, or why there is none.
      type: str
      returned: when O(recommended=true)
    live_devices:
      description: The same devices of the running domain.
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
from ansible_collections.virtuned.libvirt.plugins.module_utils import _buses, _device_tables, _recommend, _runner


def main():
    module = AnsibleModule(
        argument_spec=_runner.common_argument_spec(
            disk_bus=dict(type='str'),
            cdrom_bus=dict(type='str'),
            floppy_bus=dict(type='str'),
            video_model=dict(type='str'),
            vif_model=dict(type='str'),
            scsi_model=dict(type='str'),
            virtio_model=dict(type='str', choices=list(_device_tables.VIRTIO_MODELS)),
            pin=dict(type='bool', default=False),
            recommended=dict(type='bool', default=False),
            os=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    _runner.check_options(module, _recommend.check_os_option)

    def plan(state):
        params, report = module.params, {}
        if params['recommended']:
            params, report = _recommend.bus_options(params, state.before, state.capabilities())
        after = dx.clone(state.before)
        report['dropped'] = _buses.plan(after, params, state.capabilities())
        return _runner.Change(state, after, report=report)

    _runner.converge(module, plan, kinds=_buses.KINDS)


if __name__ == '__main__':
    main()
