# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's recommendations side by side with what virt-install chooses for the same OS and machine.

virt-install (Debian's virtinst, reading the same osinfo-db through libosinfo) prints the domain it would
define; the collection's recommendation is computed for that very domain (its libosinfo metadata, machine,
graphics, firmware) with the domain capabilities of the local libvirtd. Usage, with the collection
installed (scripts/install_collection.sh):

    .venv/bin/python scripts/virt_install_side_by_side.py [short id ...] > build/side-by-side.md

Without short ids, a spread of guest OSes. Prints a Markdown table; every row where the two differ
carries the collection's reason, which names the osinfo data that decides it.
"""

from __future__ import annotations

import subprocess
import sys

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _recommend
from ansible_collections.virtuned.libvirt.plugins.module_utils._hypervisor import Hypervisor

URI = 'qemu:///system'
SPREAD = ('rhel6.10', 'rhel7.9', 'rhel9.0', 'rocky9', 'almalinux8', 'centos7.0', 'ubuntu16.04', 'ubuntu22.04',
          'debian11', 'fedora36', 'opensuse15.4', 'freebsd13.1', 'winxp', 'win7', 'win10', 'win11', 'win2k19')
# The runs per OS: (label, virt-install's --machine or None to let it choose, --graphics)
RUNS = (('i440fx', 'pc', 'vnc'), ('q35', 'q35', 'vnc'), ('q35, SPICE', 'q35', 'spice'), ('its choice', None, 'vnc'))
KEYS = ('hw_disk_bus', 'hw_cdrom_bus', 'hw_vif_model', 'hw_video_model', 'hw_pointer_model', 'hw_input_bus',
        'virtio_model', 'usb_model', 'rng', 'memballoon', 'guest_agent', 'features', 'firmware')


def virt_install_xml(os_name, machine, graphics):
    command = ['virt-install', '--connect', URI, '--print-xml', '--dry-run', '--osinfo', os_name, '--import',
               '--name', 'side-by-side', '--memory', '512', '--disk', 'size=1', '--disk', 'device=cdrom',
               '--network', 'user', '--graphics', graphics]
    if machine:
        command += ['--machine', machine]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def chosen(root):
    """What virt-install chose, in the collection's recommendation keys."""
    def first(xpath, attribute):
        element = root.find(xpath)
        return element.get(attribute) if element is not None else None

    tablet = root.find("devices/input[@type='tablet']")
    usb = [c.get('model') for c in root.findall("devices/controller[@type='usb']")]
    disk_model = first("devices/disk[@device='disk']", 'model') or ''
    agent = root.find("devices/channel/target[@name='%s']" % _recommend.GUEST_AGENT)
    return {
        'hw_disk_bus': first("devices/disk[@device='disk']/target", 'bus'),
        'hw_cdrom_bus': first("devices/disk[@device='cdrom']/target", 'bus'),
        'hw_vif_model': first('devices/interface/model', 'type'),
        'hw_video_model': first('devices/video/model', 'type') or 'none',
        'hw_pointer_model': None if tablet is None else ('tablet' if tablet.get('bus') == 'virtio' else 'usbtablet'),
        'hw_input_bus': first("devices/input[@type='keyboard']", 'bus'),
        'virtio_model': ('transitional' if 'transitional' in disk_model else 'virtio')
        if first("devices/disk[@device='disk']/target", 'bus') == 'virtio' else None,
        'usb_model': 'usb2' if 'ich9-ehci1' in usb else (usb[0] if usb else None),
        'rng': first('devices/rng', 'model'),
        'memballoon': first('devices/memballoon', 'model'),
        'guest_agent': 'virtio' if agent is not None else None,
        'features': ['hyperv'] if root.find('features/hyperv') is not None else None,
        'firmware': 'efi' if root.find('os').get('firmware') == 'efi' or root.find('os/loader') is not None else None,
        'hw_machine_type': 'q35' if 'q35' in dx.os_type(root)['machine'] else 'pc',
    }


def rows(os_names, hypervisor):
    """(os, run, key, collection, virt-install, collection's reason) for every key of every run."""
    for os_name in os_names:
        for label, machine, graphics in RUNS:
            root = dx.parse(virt_install_xml(os_name, machine, graphics))
            theirs = chosen(root)
            if machine is None:  # the machine type virt-install picks, against ours for an i440fx guest
                as_i440fx = dx.clone(root)
                as_i440fx.find('os/type').set('machine', 'pc')
                ours, _message = _recommend.for_domain(as_i440fx, os_name, hypervisor.capabilities(as_i440fx))
                keys = ('hw_machine_type',)
            else:
                ours, _message = _recommend.for_domain(root, os_name, hypervisor.capabilities(root))
                keys = KEYS
            for key in keys:
                item = ours.get(key, {'value': None, 'reason': 'no recommendation'})
                yield os_name, label, key, item['value'], theirs[key], item['reason']


def main(argv):
    os_names = argv[1:] or SPREAD
    with Hypervisor(URI) as hypervisor:
        found = list(rows(os_names, hypervisor))
    print('| OS | machine | key | collection | virt-install | why (the collection\'s reason) |')
    print('|---|---|---|---|---|---|')
    for os_name, label, key, ours, theirs, reason in found:
        if ours != theirs:
            print('| %s | %s | %s | %s | %s | %s |' % (os_name, label, key, ours, theirs, reason))
    same = sum(1 for row in found if row[3] == row[4])
    print('\n%d of %d values the same; the rows above are the others.' % (same, len(found)))


if __name__ == '__main__':
    main(sys.argv)
