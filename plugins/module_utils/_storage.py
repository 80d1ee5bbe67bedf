# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a running domain can open a disk's storage: check mode's prediction of the hot-plugs and
medium changes that fail on the storage itself, which no definition check sees (libvirt defines a
domain whose image is not there; only a start, a hot-plug or a medium change opens it).

- A file or block device that is not there: libvirt looks before QEMU opens it ("Cannot access
  storage file '…': No such file or directory"). Asked of the file system when the hypervisor is
  this machine (a local URI); over a remote URI nothing here can look, and the run tells.
- A volume of a storage pool needs no question here: libvirt's QEMU driver resolves it when it
  checks the planned definition (a pool that is not there or not running, a volume it lacks), and
  the task fails before writing, running domain or not.
- QEMU's image locking: an image open in a running domain (this one or another) can be opened again
  only when neither side writes to it while the other does not share it (<shareable/>). A writer is a
  disk without <readonly/>; a cdrom never writes. Refused with 'Failed to get "write" lock' (the new
  disk writes) or 'Failed to get shared "write" lock' (an open one writes).
  tests/integration/test_hot_plug_prediction.py holds both sides of that rule against QEMU.
"""

from __future__ import annotations

import os

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx

# The disk types whose storage is a path on the hypervisor, and the <source> attribute holding it.
PATH_SOURCES = {'file': 'file', 'block': 'dev'}


def source_path(disk):
    """The path a file or block disk opens, or None (no medium, or storage that is not a path)."""
    source = disk.find('source')
    attribute = PATH_SOURCES.get(disk.get('type', 'file'))
    if source is None or attribute is None:
        return None
    return source.get(attribute) or None


def _writes(disk):
    return disk.get('device') != 'cdrom' and disk.find('readonly') is None


def _shares(disk):
    return disk.find('shareable') is not None


class OpenImages:
    """The images the running domains have open, read from their live XML once a run, and kept up to
    date with the hot-(un)plugs and medium changes predicted in it, in the order a run makes them."""

    def __init__(self, hypervisor):
        self._hypervisor = hypervisor
        self._users = None  # image -> [(domain name, target, disk element)]

    def _key(self, path):
        return os.path.realpath(path) if self._hypervisor.is_local() else path

    def _load(self):
        if self._users is None:
            self._users = {}
            for name, live in self._hypervisor.running_definitions():
                for disk in dx.disks(live):
                    self.opened(name, disk)
        return self._users

    def opened(self, name, disk):
        """The running domain name now has disk open."""
        path = source_path(disk)
        if path is not None:
            self._load().setdefault(self._key(path), []).append((name, dx.disk_target(disk), disk))

    def closed(self, name, disk):
        """The running domain name no longer has the disk at disk's target open."""
        target = dx.disk_target(disk)
        for users in self._load().values():
            users[:] = [user for user in users if (user[0], user[1]) != (name, target)]

    def refusal(self, name, disk):
        """Why the running domain name could not open disk's storage (a disk to hot-plug, or a removable
        drive with its new medium), or None. The drive's own old medium does not count: it goes first."""
        path = source_path(disk)
        if path is None:
            return None
        if self._hypervisor.is_local() and _missing(path):
            return "Cannot access storage file '%s': No such file or directory" % path
        target = dx.disk_target(disk)
        for user_name, user_target, user in self._load().get(self._key(path), []):
            if (user_name, user_target) == (name, target):
                continue
            where = "domain '%s' has '%s' open as %s" % (user_name, path, user_target)
            if _writes(disk) and not _shares(user):
                return 'QEMU would refuse its image lock (Failed to get "write" lock): %s, not shareable' % where
            if _writes(user) and not _shares(disk):
                return ('QEMU would refuse its image lock (Failed to get shared "write" lock): %s for writing, '
                        'and this disk is not shareable' % where)
        return None

    def medium_refusal(self, name, drive):
        """refusal() for a running drive given a new medium (drive, as it should run); when it takes it,
        the old medium is closed and the new one open from then on."""
        reason = self.refusal(name, drive)
        if reason is None:
            self.closed(name, drive)
            self.opened(name, drive)
        return reason


def _missing(path):
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False  # not ours to read (permissions): libvirt may well see it
    return False
