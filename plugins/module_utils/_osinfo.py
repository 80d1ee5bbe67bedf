# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hypervisor's osinfo-db, read with lxml: which devices a guest OS drives.

libosinfo's own API would need GObject introspection (python3-gi), which does not install
into a virtualenv with pip alone; the database is plain XML that Debian's osinfo-db package
puts in /usr/share/osinfo, so it is read directly. Devices are inherited along
<derives-from>, and a <device supported="false"/> takes one away, as libosinfo does.
"""

from __future__ import annotations

import os
import re

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption, VirtunedError

# Where libosinfo looks: the system database, then the local one (later wins for an id).
DEFAULT_DIRECTORIES = ('/usr/share/osinfo', '/etc/osinfo')

PCI = 'http://pcisig.com/pci/'
USB = 'http://usb.org/usb/'
DEVICES = {
    'virtio-net': PCI + '1af4/1000',
    'virtio-block': PCI + '1af4/1001',
    'virtio1.0-net': PCI + '1af4/1041',
    'virtio1.0-block': PCI + '1af4/1042',
    'virtio1.0-gpu': PCI + '1af4/1050',
    'virtio1.0-input': PCI + '1af4/1052',
    'qemu-xhci': PCI + '1b36/0004',
    'nec-xhci': PCI + '1033/0194',
    'ich9-ehci1': PCI + '8086/293a',
    'qxl': PCI + '1b36/0100',
    'e1000e': PCI + '8086/10d3',
    'e1000': PCI + '8086/100e',
    'rtl8139': PCI + '10ec/8139',
    'usb-tablet': USB + '80ee/0021',
    'q35': 'http://qemu.org/chipset/x86/q35',
}

_OS_ID = re.compile(r'<os\s+id="([^"]+)"')
_SHORT_ID = re.compile(r'<short-id>([^<]+)</short-id>')


def directories():
    configured = os.environ.get('OSINFO_SYSTEM_DIR')
    system = (configured,) if configured else DEFAULT_DIRECTORIES[:1]
    return system + DEFAULT_DIRECTORIES[1:]


class OsinfoDb:
    """An index of the OS files (id and short ids -> file), parsed lazily."""

    def __init__(self, roots=None):
        self.roots = [root for root in (roots or directories()) if os.path.isdir(os.path.join(root, 'os'))]
        self._paths = {}
        self._short_ids = {}
        self._parsed = {}
        for root in self.roots:
            for folder, _dirs, files in os.walk(os.path.join(root, 'os')):
                if folder.endswith('.d'):
                    continue  # <os>.d/ holds install-time driver fragments, not the OS's devices
                for name in files:
                    if name.endswith('.xml'):
                        self._index(os.path.join(folder, name))

    def _index(self, path):
        with open(path, encoding='utf-8') as handle:
            head = handle.read()
        ids = _OS_ID.findall(head)
        for os_id in ids:
            self._paths[os_id] = path
        for short_id in _SHORT_ID.findall(head)[:1] if ids else ():
            self._short_ids[short_id.strip()] = ids[0]

    @property
    def available(self):
        return bool(self._paths)

    def resolve(self, name, option='os'):
        """An OS id (URI) from a short id or an id; InvalidOption when osinfo-db does not know it."""
        if name in self._paths:
            return name
        if name in self._short_ids:
            return self._short_ids[name]
        close = sorted(short for short in self._short_ids if short.startswith(re.sub(r'[0-9.]+$', '', name)))[:8]
        raise InvalidOption(option, name, close or ['a libosinfo short id (rhel9.0, win10…) or id URI'],
                            reason='not in the osinfo database at %s' % ', '.join(self.roots or directories()))

    def _element(self, os_id):
        if os_id not in self._parsed:
            with open(self._paths[os_id], 'rb') as handle:
                root = dx.parse(handle.read(), 'libosinfo')
            self._parsed[os_id] = next(e for e in root.findall('os') if e.get('id') == os_id)
        return self._parsed[os_id]

    def short_id(self, os_id):
        return self._element(os_id).findtext('short-id')

    def devices(self, os_id, seen=None):
        """The device ids the OS supports, inherited along derives-from."""
        seen = seen or set()
        if os_id in seen or os_id not in self._paths:
            return set()
        seen.add(os_id)
        element = self._element(os_id)
        supported = set()
        for parent in element.findall('derives-from'):
            supported |= self.devices(parent.get('id'), seen)
        for device in element.findall('devices/device'):
            if device.get('supported') == 'false':
                supported.discard(device.get('id'))
            else:
                supported.add(device.get('id'))
        return supported


_DB = {}


def database():
    """One index per process: building it reads every OS file once."""
    key = directories()
    if key not in _DB:
        _DB[key] = OsinfoDb(list(key))
    if not _DB[key].available:
        raise VirtunedError('no osinfo database found in %s (install the osinfo-db package)' % ', '.join(key))
    return _DB[key]
