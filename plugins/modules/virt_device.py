#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: virt_device
short_description: Add, change or remove any device of libvirt domains, by its alias, persistently and live
version_added: 0.1.0
description:
  - Makes each domain have (or not have) the devices described, persistently and, on a running domain, live
    (hot-plug, hot-unplug, live update) where QEMU can.
  - A device is found by its user alias first (C(ua-) is added when missing), then by what libvirt finds its
    kind by (see O(devices); a channel by its virtio port name, so the spec of a guest agent channel takes the
    one the guest has). Two devices holding one alias are refused, and so is a channel taking the
    port name another channel has (QEMU starts no domain with two ports of one name).
  - With O(state=absent), the serial console (libvirt shows the first serial port as the first console, and puts
    it back while a serial port stays) goes only with its serial port; alone it is refused.
  - A device that exists but differs from the spec gets the spec's attributes and elements (the others stay;
    an element that repeats, such as a network disk's hosts, goes onto the one at its position, and the
    list the spec gives is the list);
    a cdrom's or floppy's medium and an interface's link state (on a bridge or network interface also its
    source, bandwidth and filter) are also updated live, other changes (a NIC's model, MTU or driver, a
    drive's cache mode or serial) wait for a cold boot (RV(domains.reboot_required)). An empty C(source) (V('')) takes the medium out of a cdrom or
    floppy, live as well. A USB cdrom changes its medium live only when its target is C(removable='on') (QEMU
    fixes the others); a new drive without a medium is not hot-plugged, and a USB cdrom without one is refused
    (QEMU would not start the domain).
  - A value libvirt reads as the one the device has is no change, however the spec spells it - numbers by
    value (an address with C(bus=7) is libvirt's C(bus='0x07'); a video's C(ram) and C(vram) as the power of
    two libvirt rounds them up to), MAC addresses in either case - since libvirt writes them its own way.
  - What a new device's spec leaves out is filled from the domain, in this order - the domain's stashed
    C(hw_*) values (see M(virtuned.libvirt.virt_device_bus)), its guest OS's recommendations, then libvirt's
    defaults - and the result says where each filled value came from (RV(domains.filled)). A virtio device on
    a domain whose virtio devices are transitional is made transitional. A SCSI disk on a domain without a
    SCSI controller gets a virtio-scsi one, a virtio channel or console on a domain without a virtio-serial
    controller gets one; on a running domain the controller is hot-plugged first (libvirt cannot hot-plug a
    virtio-serial controller, so such a channel waits for a cold boot). A new RNG without C(model) or
    C(source) is C(virtio) fed from C(/dev/urandom), as virt-install adds it (libvirt has no default for either).
  - A hot-unplug waits for libvirt's device-removed event up to O(unplug_timeout) seconds; a device the guest
    has not released by then is reported V(pending), never V(detached), and the domain waits for a cold boot.
  - The P(virtuned.libvirt.device_xml#filter) filter returns the snippet this module would use.
requirements:
  - qemu-img on the hypervisor (QEMU's tools), optional - check mode asks it whether a disk image opens as the format
    its driver names; without it only a run tells.
extends_documentation_fragment:
  - virtuned.libvirt.virt
  - virtuned.libvirt.virt.CHANGING
options:
  devices:
    description:
      - The devices, each either the abstract form (as M(virtuned.libvirt.virt_device_info) returns it) or an
        XML snippet.
      - "Abstract form keys: C(kind) (required: V(disk), V(interface), V(controller), V(input), V(rng), V(video),
        V(sound), V(watchdog), V(channel), V(serial), V(console), V(filesystem), V(hostdev), V(redirdev),
        V(memballoon), V(panic), V(vsock), V(tpm), V(smartcard), V(shmem), V(parallel), V(hub), V(iommu),
        V(graphics), V(audio), V(memory), V(redirfilter)), C(alias) (none on graphics, audio and redirfilter:
        libvirt gives them none), C(type), C(device) (disks), C(bus), C(model), C(source), C(target), C(mac),
        C(driver), C(boot_order), C(address), C(index) (controllers), C(readonly) (disks), C(action) (watchdogs)."
      - "C(source) is a path for file-backed disks, filesystems, file serials and an rng's backend, otherwise a
        dict of the C(<source>) element's attributes (V({network: default}), V({bridge: br0})); V('') (or V({}))
        on a cdrom or floppy is no medium, and is refused on other disks; C(target) is a
        disk's device name (V(vdb); left out, the next free name on its bus), a filesystem's target dir (the
        tag the guest mounts it by) or a dict of C(<target>) attributes; C(model) goes where libvirt keeps it
        for the kind (an attribute, or an interface's, video's or shmem's C(<model type>)), and is refused on
        the kinds that have none (channel, serial, console, redirdev, smartcard, parallel, hub, graphics, audio,
        redirfilter);
        C(driver) and C(address) are dicts of attributes; C(boot_order) an integer."
      - "C(alias) is a user alias (C(ua-) is added when missing), or the alias QEMU gave a device of the running
        domain (V(net0), V(virtio-disk0), V(pci.1)), as M(virtuned.libvirt.virt_device_info) reports a running
        domain's devices: given without C(ua-) and shown by the running domain on the device the spec names
        otherwise, it names that device and is written nowhere (a device holding C(ua-)I(alias) wins; give
        V(ua-net0) to give a running device that user alias). libvirt keeps no user alias with a C(.), so such
        an alias must be QEMU's (which gives an i440fx guest's companion USB controllers one, V(usb)). A serial port
        and the C(<console>) libvirt shows it as share one alias."
      - Or C(xml), a device snippet (with an optional C(alias)). A running domain's device may be given as its
        live XML shows it - what a definition does not keep is left out (QEMU's alias, as against a user alias
        C(ua-...); a NIC's host-side name that libvirt generates, C(vnet...), C(macvtap...), C(macvlan...), unless
        the NIC is a tap the user made, C(managed='no'); the index of a disk's image; a pty's path and a
        console's C(tty); a channel's C(state) and the socket libvirt made for a virtio channel; the display
        ports picked at start with C(autoport='yes'); the empty C(<backingStore/>) that ends a disk's probed
        backing chain).
      - A new disk needs an C(alias) or a C(target), a new interface an C(alias) or a C(mac), so that it can be
        found again; a new filesystem needs a C(target), by which libvirt finds it.
      - A device is found by its alias, else by what libvirt finds its kind by (a disk's target, an interface's
        MAC, a controller's type, index and model, an input's type and bus, a serial port's C(target.port), a
        console's target type and port (without a type, the serial console, as libvirt makes it), a
        channel's C(target.name), a filesystem's target, the C(<source>) of a host device, a graphics device's
        type, an audio backend's id, a memory device's model, size (compared in KiB, whatever the unit) and NUMA
        node, the kind alone for
        the memballoon, vsock, IOMMU and redirfilter a domain has one of); a spec that leaves that out takes the device of
        its kind and type. Among devices of one key (two USB redirections, two video heads) the spec takes the
        one it leaves as it is, else the one at its C(address); with O(state=absent) a spec with an
        C(address) removes the device at that address alone.
      - Required unless O(recommended=true).
    type: list
    elements: raw
    default: []
  recommended:
    description:
      - Also add the devices recommended for the domain's guest OS (see
        RV(virtuned.libvirt.virt_device_info#module:domains.recommended)) that it lacks - a virtio RNG, a memory
        balloon, the QEMU guest agent's channel - and give its USB controller the recommended model (V(usb2) for
        an OS that drives no xHCI controller). A kind given in O(devices) wins; a device of the kind that the
        domain has stays as it is; a USB controller turned off (V(none)) stays off.
      - USB controllers are cold-plug only; the other devices are hot-plugged where QEMU can.
      - A domain whose OS is not known gets no recommendation (a warning says so) rather than a guess.
    type: bool
    default: false
  os:
    description:
      - With O(recommended=true), the guest OS as a libosinfo short id (V(rhel6.10), V(win10)) or id URI, instead
        of the domain's C(<libosinfo:os>) metadata. An OS osinfo-db does not know is refused, naming close matches.
    type: str
  state:
    description:
      - V(present) adds the devices that are missing and changes the ones that differ.
      - V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  live:
    description:
      - V(auto) also applies the change to a running domain where QEMU can (hot-plug, hot-unplug, live
        update); otherwise the persistent definition changes and RV(domains.reboot_required) is true.
      - V(false) changes the persistent definition only.
    type: str
    choices: [auto, 'false']
    default: auto
  unplug_timeout:
    description: Seconds a hot-unplug waits for the guest to release the device before it is reported V(pending).
    type: int
    default: 10
author:
  - virtuned maintainers (@virtuned)
'''

EXAMPLES = r'''
- name: A data disk on the bus the domain is stashed with, hot-plugged while it runs
  virtuned.libvirt.virt_device:
    name: web01
    devices:
      - kind: disk
        alias: data
        source: /var/lib/libvirt/images/web01-data.qcow2
        driver: {name: qemu, type: qcow2}

- name: A NIC on the default network, and an rng
  virtuned.libvirt.virt_device:
    name: [web01, web02]
    devices:
      - {kind: interface, alias: backend, source: {network: default}}
      - {kind: rng, alias: rng, model: virtio, source: /dev/urandom}

- name: Change a cdrom's medium while the guest runs
  virtuned.libvirt.virt_device:
    name: web01
    devices:
      - {kind: disk, device: cdrom, target: sda, source: /srv/iso/tools.iso}

- name: Eject it
  virtuned.libvirt.virt_device:
    name: web01
    devices:
      - {kind: disk, device: cdrom, target: sda, source: ''}

- name: Unplug the data disk by its alias
  virtuned.libvirt.virt_device:
    name: web01
    devices: [{kind: disk, alias: data}]
    state: absent
  register: unplugged

- name: Any device as a snippet
  virtuned.libvirt.virt_device:
    name: web01
    devices:
      - xml: "<redirdev bus='usb' type='spicevmc'><alias name='ua-redir0'/></redirdev>"
'''

RETURN = r'''
unmatched_patterns:
  description: The name patterns (O(name) entries with C(*), C(?) or C([)) that matched no domain; each also gives a
    warning.
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
    reboot_required:
      description: The running domain's devices differ from its persistent definition; only a cold boot applies it.
      type: bool
    devices:
      description: The managed devices as libvirt placed them (alias, address, target, MAC), in the abstract form;
        from the live XML when the domain runs.
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
      description: For a running domain, the managed devices of its persistent definition.
      type: list
      elements: dict
    live_devices:
      description: For a running domain, the managed devices it runs with.
      type: list
      elements: dict
    filled:
      description: Per new device (its alias, or kind and target), the keys filled from the domain and where
        each came from (stashed value, recommendation, default).
      type: dict
    recommended:
      description: With O(recommended=true), what was recommended for the domain's OS (key -> value and reason).
      type: dict
      returned: when O(recommended=true)
    recommended_message:
      description: With O(recommended=true), what the recommendation is for, or why there is none.
      type: str
      returned: when O(recommended=true)
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

from ansible_collections.virtuned.libvirt.plugins.module_utils import _device_spec, _runner


def main():
    module = AnsibleModule(
        argument_spec=_runner.common_argument_spec(
            devices=dict(type='list', elements='raw', default=[]),  # checked by _device_spec.check
            recommended=dict(type='bool', default=False),
            os=dict(type='str'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            live=dict(type='str', default='auto', choices=['auto', 'false']),
            unplug_timeout=dict(type='int', default=_runner.DEFAULT_UNPLUG_TIMEOUT),
        ),
        supports_check_mode=True,
    )
    wanted = _runner.check_options(module, _device_spec.check_all)

    def plan(state):
        return _device_spec.plan(state, wanted, module.params)

    _runner.converge(module, plan, kinds=lambda element: _device_spec.in_scope(element, wanted, module.params),
                     devices_from_live=True, plugs_live=True)


if __name__ == '__main__':
    main()
