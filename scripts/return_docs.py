# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parts of the modules' RETURN documentation that several modules share, written from here.

ansible-doc reads RETURN as one literal string per module (doc fragments do not reach it), so the
shared parts are kept here and copied between the `# shared: NAME` and `# end shared` lines of
each module's RETURN, indented as the first line is:

    python scripts/return_docs.py

tests/unit/test_return_docs_shared.py fails while a module's copy differs from this one.
"""

from __future__ import annotations

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = os.path.join(ROOT, 'plugins', 'modules')

# The abstract form of a device, as every module returns it (_domain_xml.abstract).
DEVICE_KEYS = '''\
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
'''
DISK_DEVICE_KEY = '''\
  device:
    description: V(disk), V(cdrom), V(floppy) or V(lun).
    type: str
    returned: for disks
'''

SHARED = {
    'device form': DEVICE_KEYS + DISK_DEVICE_KEY,
    'device form, not disks': DEVICE_KEYS,
    # What _runner reports of the (un)plugs on a running domain.
    'live changes': '''\
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
''',
    # What _runner adds to a failure when a value was refused (_errors.InvalidOption).
    'refusal': '''\
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
''',
    # What _runner adds to a failure of a batch of definitions.
    'batch failure': '''\
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
''',
}

MARKED = re.compile(r'^( *)# shared: ([^\n]+)\n(.*?)^\1# end shared\n', re.M | re.S)


def generated(text):
    """The module's text with every marked part written from SHARED."""
    def write(match):
        indent, name = match.group(1), match.group(2)
        body = ''.join(indent + line if line.strip() else line for line in SHARED[name].splitlines(True))
        return '%s# shared: %s\n%s%s# end shared\n' % (indent, name, body, indent)
    return MARKED.sub(write, text)


def module_paths():
    return sorted(os.path.join(MODULES, name) for name in os.listdir(MODULES) if name.endswith('.py'))


def main():
    for path in module_paths():
        with open(path) as handle:
            current = handle.read()
        wanted = generated(current)
        if wanted != current:
            with open(path, 'w') as handle:
                handle.write(wanted)
            print('wrote %s' % os.path.relpath(path, ROOT))
    return 0


if __name__ == '__main__':
    sys.exit(main())
