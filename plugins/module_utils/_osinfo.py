# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hypervisor's osinfo-db, read with libosinfo's semantics: which devices a guest OS drives.

libosinfo's own API would need GObject introspection (python3-gi), which does not install
into a virtualenv with pip alone; the database is plain XML that Debian's osinfo-db package
puts in /usr/share/osinfo, so it is read directly, as libosinfo reads it:

- an entity's files are ``<name>.xml`` and every file of ``<name>.d/`` (merged);
- an OS's devices are those of the OS and of every OS it derives from or clones, recursively
  (``osinfo_os_get_all_devices``); where they disagree (``supported="false"``), the first
  of them in libosinfo's order decides: the OS itself, then what it derives from (depth
  first), then what it clones;
- its firmwares are likewise collected along derives-from and clones, the OS's own first
  (``osinfo_os_get_complete_firmware_list``);
- every ``<short-id>`` of an OS names it (``ubuntu22.04``, ``ubuntujammy``, ``ubuntu-lts-latest``).

tests/corpus/test_osinfo_parity.py compares these answers with libosinfo's for every OS entry.
"""

from __future__ import annotations

import difflib
import os
import re

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption, VirtunedError

# Where libosinfo looks: the system database, then the local one (later wins for an id).
DEFAULT_DIRECTORIES = ('/usr/share/osinfo', '/etc/osinfo')

PCI = 'http://pcisig.com/pci/'
USB = 'http://usb.org/usb/'
# The osinfo device ids the rules read (osinfo-db's device/ folder names each one).
DEVICES = {
    'virtio-net': PCI + '1af4/1000',
    'virtio-block': PCI + '1af4/1001',
    'virtio-balloon': PCI + '1af4/1002',
    'virtio-console': PCI + '1af4/1003',
    'virtio-scsi': PCI + '1af4/1004',
    'virtio-rng': PCI + '1af4/1005',
    'virtio1.0-net': PCI + '1af4/1041',
    'virtio1.0-block': PCI + '1af4/1042',
    'virtio1.0-console': PCI + '1af4/1043',
    'virtio1.0-rng': PCI + '1af4/1044',
    'virtio1.0-balloon': PCI + '1af4/1045',
    'virtio1.0-scsi': PCI + '1af4/1048',
    'virtio1.0-gpu': PCI + '1af4/1050',
    'virtio1.0-input': PCI + '1af4/1052',
    'qemu-xhci': PCI + '1b36/0004',
    'nec-xhci': PCI + '1033/0194',
    'qxl': PCI + '1b36/0100',
    'e1000e': PCI + '8086/10d3',
    'e1000': PCI + '8086/100e',
    'rtl8139': PCI + '10ec/8139',
    'usb-tablet': USB + '80ee/0021',
    'q35': 'http://qemu.org/chipset/x86/q35',
}

_OS_ID = re.compile(r'<os\s+id="([^"]+)"')
_DEVICE_ID = re.compile(r'<device\s+id="([^"]+)"')
_SHORT_ID = re.compile(r'<short-id>([^<]+)</short-id>')


def directories():
    configured = os.environ.get('OSINFO_SYSTEM_DIR')
    system = (configured,) if configured else DEFAULT_DIRECTORIES[:1]
    return system + DEFAULT_DIRECTORIES[1:]


def _entity_files(folder):
    """Each entity file of a folder with the files of its .d/ folder, as libosinfo's loader pairs them."""
    for parent, dirs, files in os.walk(folder):
        dirs.sort()
        if parent.endswith('.d'):
            continue
        for name in sorted(files):
            if name.endswith('.xml'):
                yield os.path.join(parent, name)
        for name in dirs:
            if name.endswith('.d'):
                for extra in sorted(os.listdir(os.path.join(parent, name))):
                    if extra.endswith('.xml'):
                        yield os.path.join(parent, name, extra)


class OsinfoDb:
    """An index of the OS files (id and short ids -> files), parsed lazily."""

    def __init__(self, roots=None):
        self.roots = [root for root in (roots or directories()) if os.path.isdir(os.path.join(root, 'os'))]
        self._paths = {}
        self._short_ids = {}
        self._device_paths = {}
        self._parsed = {}
        self._devices = {}
        for root in self.roots:
            for path in _entity_files(os.path.join(root, 'os')):
                self._index(path)
            for path in _entity_files(os.path.join(root, 'device')):
                with open(path, encoding='utf-8') as handle:
                    for device_id in _DEVICE_ID.findall(handle.read()):
                        self._device_paths.setdefault(device_id, []).append(path)

    def _index(self, path):
        with open(path, encoding='utf-8') as handle:
            text = handle.read()
        ids = _OS_ID.findall(text)
        if not ids:
            return
        if path.endswith('.xml') and os.path.dirname(path).endswith('.d'):
            self._paths.setdefault(ids[0], []).append(path)
        else:  # a later database's file replaces the entity, its own .d/ files follow
            self._paths[ids[0]] = [path]
        for short_id in _SHORT_ID.findall(text):
            self._short_ids.setdefault(short_id.strip(), ids[0])

    @property
    def available(self):
        return bool(self._paths)

    def os_ids(self):
        return sorted(self._paths)

    def short_ids(self, os_id):
        """Every short id of the OS, its main one first."""
        found = []
        for element in self._fragments(os_id):
            found.extend(e.text.strip() for e in element.findall('short-id') if e.text)
        return list(dict.fromkeys(found))

    def resolve(self, name, option='os'):
        """An OS id (URI) from any short id or an id; InvalidOption naming close matches when unknown."""
        if name in self._paths:
            return name
        if name in self._short_ids:
            return self._short_ids[name]
        raise InvalidOption(option, name, self.close_matches(name) or ['a libosinfo short id (rhel9.0, win10…) or id URI'],
                            reason='not in the osinfo database at %s' % ', '.join(self.roots or directories()))

    def close_matches(self, name):
        """Short ids that look like name: the same prefix without its version, then spelling neighbours."""
        stem = re.sub(r'[0-9.]+$', '', name)
        prefixed = sorted((s for s in self._short_ids if stem and s.startswith(stem)), key=_version_key)[-5:]
        similar = difflib.get_close_matches(name, list(self._short_ids), n=5, cutoff=0.75)
        return list(dict.fromkeys(similar + prefixed))[:8]

    def _fragments(self, os_id):
        if os_id not in self._parsed:
            fragments = []
            for path in self._paths.get(os_id, ()):
                with open(path, 'rb') as handle:
                    root = dx.parse(handle.read(), 'libosinfo')
                fragments.extend(e for e in root.findall('os') if e.get('id') == os_id)
            self._parsed[os_id] = fragments
        return self._parsed[os_id]

    def short_id(self, os_id):
        ids = self.short_ids(os_id)
        return ids[0] if ids else os_id

    def family(self, os_id):
        """The OS's own <family> (linux, winnt, …); libosinfo does not inherit it."""
        for element in self._fragments(os_id):
            if element.findtext('family'):
                return element.findtext('family').strip()
        return None

    def related(self, os_id, seen=None):
        """The OS, then depth first every OS it derives from, then every OS it clones: libosinfo's order
        (osinfo_product_foreach_related), in which the first word on a device or firmware decides."""
        seen = [] if seen is None else seen
        if os_id in seen or os_id not in self._paths:
            return seen
        seen.append(os_id)
        for relation in ('derives-from', 'clones'):
            for element in self._fragments(os_id):
                for link in element.findall(relation):
                    self.related(link.get('id'), seen)
        return seen

    def devices(self, os_id):
        """The device ids the OS supports: inherited along derives-from and clones, the first word deciding."""
        decided = {}
        for related in self.related(os_id):
            for device in self._device_links(related):
                decided.setdefault(device.get('id'), device.get('supported') != 'false')
        return {device for device, supported in decided.items() if supported}

    def decided_by(self, os_id, device_id):
        """The OS (os_id itself or one it inherits from) whose word on a device decides, or None."""
        return next((related for related in self.related(os_id)
                     if any(d.get('id') == device_id for d in self._device_links(related))), None)

    def _device_links(self, os_id):
        return [device for element in self._fragments(os_id) for device in element.findall('devices/device')]

    def firmwares(self, os_id):
        """(arch, type) -> supported, the OS's own entries before those it inherits."""
        found = {}
        for related in self.related(os_id):
            for element in self._fragments(related):
                for firmware in element.findall('firmware'):
                    key = (firmware.get('arch'), firmware.get('type'))
                    found.setdefault(key, firmware.get('supported') != 'false')
        return found

    def requires_uefi(self, os_id, arch):
        """UEFI is supported and BIOS is not, for this arch (a BIOS entry missing means BIOS works)."""
        firmwares = self.firmwares(os_id)
        return firmwares.get((arch, 'efi'), False) and not firmwares.get((arch, 'bios'), True)

    def device_info(self, device_id):
        """{'name', 'class'} of a device from osinfo-db's device files, or {} when it has none."""
        if device_id not in self._devices:
            info = {}
            for path in self._device_paths.get(device_id, ()):
                with open(path, 'rb') as handle:
                    root = dx.parse(handle.read(), 'libosinfo')
                for element in root.findall('device'):
                    for key in ('name', 'class'):
                        text = element.findtext(key)
                        if text and key not in info:
                            info[key] = text.strip()
            self._devices[device_id] = info
        return self._devices[device_id]


def _version_key(short_id):
    return [int(part) if part.isdigit() else 0 for part in re.findall(r'\d+', short_id)] or [0]


_DB = {}


def database():
    """One index per process: building it reads every OS file once."""
    key = directories()
    if key not in _DB:
        _DB[key] = OsinfoDb(list(key))
    if not _DB[key].available:
        raise VirtunedError('no osinfo database found in %s (install the osinfo-db package)' % ', '.join(key))
    return _DB[key]
