# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether the host has what a domain needs to open a device (and, to start, its memory and ports):
check mode's prediction of the hot-plugs, live updates and starts (virt_domain) that fail on the host's
side. No definition check sees these (libvirt defines a domain whose image, network or socket is not
there; only a start, a hot-plug or a live update opens them), and each is answered the way libvirt or
QEMU answers it:

- libvirt's own objects, asked of libvirt (over any URI): a network that is not there or not running
  ("network 'default' is not active"); a host interface a bridge or direct (macvtap) interface
  connects to, from libvirt's interface driver (a host without that driver is not judged); a host USB
  device passed through, from libvirt's node devices: it must be there and, given by vendor and product
  alone, be the only one ("Did not find USB device", "Multiple USB devices"), and on a host without
  USB libvirt finds none ("cannot open directory '/sys/bus/usb/devices'");
- paths, asked of the file system when the hypervisor is this machine (a local URI; over a remote
  one nothing here can look, and the run tells), each rule the check libvirt 9.0 makes first:
  an image (a file or block disk) must be there ("Cannot access storage file"), a file disk's a regular
  file and a block disk's a device ("'file' driver requires"), and open to QEMU's account for what the
  disk does: libvirt gives it to the account of the domain's live DAC label and keeps its mode, so the
  owner's read bit, and write bit for a disk that writes, decide ("Permission denied"); a character device's
  file and a UNIX socket it listens on are created, so their directory must be there ("Unable to
  open file", "Unable to bind to UNIX socket path"); a device node and a socket it connects to must
  be there ("unable to stat"); an RNG's random source and a passed-through input's evdev node must be
  there ("is not accessible"), and for a vsock device the host's vhost-vsock device; a vhost-user
  interface's socket must be there for a client and its directory for a server ("Failed to connect",
  "Failed to bind socket"); an ethernet interface's tap (/sys/class/net) must not be there yet when
  libvirt creates it ("already exists") and must be when it is given (managed='no');
- an image with a format (<driver type>) other than raw, asked of QEMU's own qemu-img on a local URI
  (`qemu-img info --force-share --format`, with the backing chain the image names when the definition
  gives none): QEMU opens it only as that format ("Image is not in qcow2 format") and, before it,
  libvirt opens each backing file ("Cannot access backing file"); a raw image, and a disk without a
  format (libvirt takes it as raw), open whatever the file holds. A host without qemu-img is not judged;
- QEMU's image locking: an image open in a running domain (this one or another) can be opened again
  only when neither side writes to it while the other does not share it (<shareable/>). A writer is a
  disk without <readonly/>; a cdrom never writes. Refused with 'Failed to get "write" lock' (the new
  disk writes) or 'Failed to get shared "write" lock' (an open one writes). The images open are read
  from the running domains' live XML once a run and follow the hot-(un)plugs and medium changes
  predicted in it, in the order a run makes them.
- a start's guest RAM, on a local URI: QEMU allocates it privately, all at once or one NUMA cell at a
  time, as libvirt rounds it up; under the kernel's default, heuristic overcommit one allocation larger
  than the host's RAM and swap together is refused ("cannot set up guest memory ... Cannot allocate
  memory"). Other backings (hugepages, memfd, files, shared access) and hot-pluggable memory are not judged;
- a start's fixed graphics ports: libvirt's register of the ports its running domains take (their live
  XML, and the domains started before in the run), over any URI ("Failed to reserve port"); on a local
  URI, the kernel's answer to binding the port at the listen address, as QEMU does ("Address already in
  use").
A volume of a storage pool needs no question here: libvirt's QEMU driver resolves it when it checks
the planned definition, and the task fails before writing, running domain or not.
tests/integration/test_host_resource_prediction.py holds each rule against libvirt and QEMU (those of a
USB device that is there only in tests/unit: the test host has no USB device).
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import stat

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils._device_tables import CHARACTER_DEVICES

# The disk types whose storage is a path on the hypervisor, and the <source> attribute holding it.
PATH_SOURCES = {'file': 'file', 'block': 'dev'}
# By disk type: QEMU's driver for the path (libvirt 9.0 opens a block cdrom as a host_device too), what it
# requires the path to be, and the tests of that (raw_open_common in QEMU's block/file-posix.c).
IMAGE_FILE_KINDS = {'file': ('file', 'a regular file', (stat.S_ISREG,)),
                    'block': ('host_device', 'either a character or block device', (stat.S_ISCHR, stat.S_ISBLK))}
# Interface types and the <source> attribute naming the host interface they connect to.
HOST_INTERFACE_SOURCES = {'bridge': 'bridge', 'direct': 'dev'}
# What libvirt says when the directory of a path it creates is not there, by character device type.
CREATED_PATH_REFUSALS = {'file': 'Unable to open file: %s: No such file or directory',
                         'unix': "Unable to bind to UNIX socket path '%s': No such file or directory"}
# What QEMU says when a vhost-user interface's socket cannot be made (a server's) or reached (a client's),
# by whether it is created.
VHOST_USER_REFUSALS = {True: 'Failed to bind socket to %s: No such file or directory',
                       False: "Failed to connect to '%s': No such file or directory"}
# Where the host lists its network devices by name.
NETWORK_DEVICES = '/sys/class/net'
# Tap names libvirt takes for its own and drops from a definition (VIR_NET_GENERATED_VNET_PREFIX,
# VIR_NET_GENERATED_MACVTAP_PREFIX, VIR_NET_GENERATED_MACVLAN_PREFIX).
GENERATED_TAP_PREFIXES = ('vnet', 'macvtap', 'macvlan')
# Character device types whose path must be there: a device node, a socket connected to. (A pipe is
# never hot-plugged: see _hotplug.)
OPENED_PATH_TYPES = ('dev', 'unix')
# QEMU's image tool: it opens an image with QEMU's own block drivers, without taking its locks.
QEMU_IMG = 'qemu-img'
# The image format QEMU opens any file as: libvirt's own when a disk names none.
RAW = 'raw'
# The startupPolicy of a host USB device that libvirt does not require for a hot-plug, and at a start
# (virHostdevPrepareUSBDevices), and where it looks for USB devices (virUSBDeviceSearch).
USB_NOT_REQUIRED_ON_HOT_PLUG = ('optional', 'requisite')
USB_NOT_REQUIRED_AT_START = ('optional',)
USB_DEVICES = '/sys/bus/usb/devices'
# _mode's answer for a path that is not there.
MISSING = 'missing'
# The host device libvirt opens for a vsock device (qemuProcessOpenVhostVsock).
VHOST_VSOCK = '/dev/vhost-vsock'
# The kernel's overcommit policy and what it counts (mm/util.c __vm_enough_memory): in its default,
# heuristic mode one private allocation larger than the host's RAM and swap together is refused; in
# mode 1 none is; mode 2 (a commit limit shared by every process) is not judged here.
OVERCOMMIT_MODE = '/proc/sys/vm/overcommit_memory'
MEMINFO = '/proc/meminfo'
HEURISTIC_OVERCOMMIT = '0'
# How libvirt rounds the guest's memory, and each NUMA cell's, up before QEMU allocates it, in KiB
# (qemuDomainGetMemorySizeAlignment): 256 MiB on ppc64, 1 MiB on every other architecture.
MEMORY_ALIGNMENT_KIB = {'ppc64': 256 * 1024, 'ppc64le': 256 * 1024}
DEFAULT_MEMORY_ALIGNMENT_KIB = 1024
# The attributes of a graphics device holding the TCP ports it takes on the host, by type. libvirt keeps
# one register of the ports its running domains take (virPortAllocator): a start reserves each port a
# definition fixes and refuses one taken ("Failed to reserve port"); QEMU then binds them at the listen
# address, which fails when another program listens there ("Address already in use").
GRAPHICS_PORTS = {'vnc': ('port', 'websocket'), 'spice': ('port', 'tlsPort')}
# A port that libvirt picks at start (autoport, and websocket='-1') is free by construction.
AUTOMATIC_PORTS = ('port', 'tlsPort')
# Graphics listening on the network; a UNIX socket or no listener takes no port.
NETWORK_LISTENS = ('address', 'network')
# <memoryBacking> children that leave QEMU's RAM one private anonymous allocation (with NUMA cells,
# one per cell); any other (hugepages, a memfd or file source, shared access, locked) is not judged.
PRIVATE_RAM_BACKING = ('nosharepages', 'discard', 'allocation')


def source_path(disk):
    """The path a file or block disk opens, or None (no medium, or storage that is not a path)."""
    source = disk.find('source')
    attribute = PATH_SOURCES.get(disk.get('type', 'file'))
    if source is None or attribute is None:
        return None
    return source.get(attribute) or None


def relabelled_account(live):
    """The uid a running domain's QEMU runs as, when libvirt gives its images to that same uid (the DAC
    label of its live XML, relabel='yes', label and image label alike); None otherwise or for root."""
    label = live.find("seclabel[@model='dac']")
    if label is None or label.get('relabel', 'yes') != 'yes':
        return None
    process, image = (label.findtext('label') or '').strip(), (label.findtext('imagelabel') or '').strip()
    user = process.split(':')[0]
    if process != image or not (user.startswith('+') and user[1:].isdigit()):  # libvirt writes '+uid:+gid'
        return None
    return int(user[1:]) or None


def ram_allocations(definition):
    """The private allocations, in KiB, QEMU makes for the guest's RAM as libvirt rounds it: one for
    the whole memory, or one per NUMA cell. None when the RAM is not only private anonymous memory
    (see PRIVATE_RAM_BACKING) or memory is hot-pluggable (<maxMemory>): not judged."""
    backing = definition.find('memoryBacking')
    if definition.find('maxMemory') is not None or (
            backing is not None and any(child.tag not in PRIVATE_RAM_BACKING for child in backing)):
        return None
    cells = definition.findall('cpu/numa/cell')
    sizes = [dx.memory_kib(cell, 'memory') for cell in cells] if cells else [dx.memory_kib(definition.find('memory'))]
    if None in sizes:
        return None
    arch = dx.os_type(definition)['arch']
    alignment = MEMORY_ALIGNMENT_KIB.get(arch, DEFAULT_MEMORY_ALIGNMENT_KIB)
    return [-(-size // alignment) * alignment for size in sizes]


def graphics_ports(definition, fixed_only=False):
    """(port, listen address or None) of every TCP port the definition's graphics take; with fixed_only,
    only those the definition fixes (libvirt picks the others at start)."""
    ports = []
    for graphics in definition.findall('devices/graphics'):
        attributes = GRAPHICS_PORTS.get(graphics.get('type'), ())
        listen = graphics.find('listen')
        if listen is not None and listen.get('type') not in NETWORK_LISTENS:
            continue
        address = (listen.get('address') if listen is not None else None) or graphics.get('listen')
        for attribute in attributes:
            port = dx.xml_number(graphics.get(attribute))
            automatic = attribute in AUTOMATIC_PORTS and graphics.get('autoport') == 'yes'
            if port and 0 < port < 65536 and not (fixed_only and automatic):
                ports.append((port, address))
    return ports


def _bindable(address, port):
    """Whether the kernel lets a socket with QEMU's options (SO_REUSEADDR) bind address:port now; the probe
    is closed at once, never listening. An address the host does not have is not judged."""
    family = socket.AF_INET6 if ':' in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((address, port))
    except OSError as exc:
        return exc.errno != errno.EADDRINUSE
    return True


def _writes(disk):
    return disk.get('device') != 'cdrom' and disk.find('readonly') is None


def _shares(disk):
    return disk.find('shareable') is not None


class HostResources:
    """What the host has for the running domains of one run: libvirt's answers, the file system's, and
    the images open."""

    def __init__(self, hypervisor, run_command=None):
        """run_command(argv) -> (rc, stdout, stderr), Ansible's module.run_command: how the image formats
        are asked of qemu-img; without it they are not judged."""
        self._hypervisor = hypervisor
        self._run_command = run_command
        self._users = None  # image -> [(domain name, target, disk element)]
        self._ports = None  # TCP port -> the running domain whose graphics take it
        self._accounts = None  # running domain name -> the account it runs as, when libvirt relabels its images
        self._format_answers = {}  # (path, format, whether the backing chain is the image's) -> refusal or None

    def refusal(self, name, device, plugged=True, cold_boot=False):
        """Why the running domain name could not open what device (to hot-plug, or with plugged false
        as it should run after a live update; with cold_boot, to start) needs on the host, or None. A
        drive's own old medium does not count."""
        if device.tag == 'disk':
            return self._image_refusal(name, device)
        if device.tag == 'interface':
            return self._interface_refusal(device, plugged)
        if device.tag in CHARACTER_DEVICES:
            return self._path_refusal(device.get('type'), device.findall('source'))
        if device.tag == 'rng':
            return self._rng_refusal(device.find('backend'))
        if device.tag == 'input' and device.get('type') == 'passthrough':
            source = device.find('source')
            return self._node_refusal(source.get('evdev') if source is not None else None)
        if device.tag == 'hostdev' and device.get('type') == 'usb' and device.get('mode', 'subsystem') == 'subsystem':
            return self._usb_refusal(device.find('source'), cold_boot)
        if device.tag == 'vsock' and self._missing(VHOST_VSOCK):
            return 'unable to open vhost-vsock device (%s is not there)' % VHOST_VSOCK
        return None

    def start_refusal(self, name, definition):
        """Why starting the domain name with the persistent definition (an element) would fail for what
        its devices open on the host, or None. The rules are a hot-plug's, at a cold boot: a disk that is
        optional at start (startupPolicy) goes without its missing medium, a USB device requisite at start
        is required. Each image the domain opens counts for its later disks and the domains started
        after it in the run."""
        for device in dx.devices(definition):
            source = device.find('source')
            optional = source is not None and source.get('startupPolicy') == 'optional'
            if device.tag == 'disk' and optional and source_path(device) and self._missing(source_path(device)):
                continue
            reason = self.refusal(name, device, cold_boot=True)
            if reason:
                return reason
            self.opened(name, device)
        return self._memory_refusal(definition) or self._port_refusal(name, definition)

    def _port_refusal(self, name, definition):
        """A port the definition's graphics fix that a running domain (or one started before it in the run)
        takes, as libvirt's register says, or that another program listens on at its address (a local URI,
        asked of the kernel by binding it, as QEMU does, and letting it go at once). The domain takes its
        ports when it starts."""
        self._load()
        fixed = graphics_ports(definition, fixed_only=True)
        for port, address in fixed:
            holder = self._ports.get(port)
            if holder is not None and holder != name:
                return "Failed to reserve port %d: domain '%s' takes it" % (port, holder)
            if address and self._hypervisor.is_local() and not _bindable(address, port):
                return 'port %d at %s: Address already in use (another program listens there)' % (port, address)
        self._ports.update((port, name) for port, dummy in fixed)
        return None

    def _memory_refusal(self, definition):
        """QEMU's refusal to allocate the guest's RAM under the kernel's heuristic overcommit (a local URI)."""
        allocations = ram_allocations(definition)
        if not allocations:
            return None
        largest, limit = max(allocations), self._overcommit_limit()
        if limit is None or largest <= limit:
            return None
        return ('cannot set up guest memory: Cannot allocate memory (%s KiB at once; the kernel allows one '
                'allocation of at most the host\'s RAM and swap, %s KiB)' % (largest, limit))

    def _overcommit_limit(self):
        """The largest private allocation, in KiB, the kernel of a local hypervisor grants; None when it
        grants any or that is not known here."""
        if not self._hypervisor.is_local():
            return None
        try:
            with open(OVERCOMMIT_MODE) as handle:
                mode = handle.read().strip()
            with open(MEMINFO) as handle:
                meminfo = dict(line.split(':', 1) for line in handle if ':' in line)
            if mode != HEURISTIC_OVERCOMMIT:
                return None
            return sum(int(meminfo[key].split()[0]) for key in ('MemTotal', 'SwapTotal'))
        except (OSError, KeyError, ValueError):
            return None

    def update_refusal(self, name, device):
        """refusal() for a live update; a drive that takes its new medium closes the old one."""
        reason = self.refusal(name, device, plugged=False)
        if reason is None and device.tag == 'disk':
            self.closed(name, device)
            self.opened(name, device)
        return reason

    def opened(self, name, device):
        """The running domain name now has device open (only images are followed)."""
        path = source_path(device) if device.tag == 'disk' else None
        if path is not None:
            self._load().setdefault(self._key(path), []).append((name, dx.disk_target(device), device))

    def closed(self, name, device):
        """The running domain name no longer has the disk at device's target open."""
        if device.tag != 'disk':
            return
        target = dx.disk_target(device)
        for users in self._load().values():
            users[:] = [user for user in users if (user[0], user[1]) != (name, target)]

    def _key(self, path):
        return os.path.realpath(path) if self._hypervisor.is_local() else path

    def _load(self):
        if self._users is None:
            self._users, self._accounts, self._ports = {}, {}, {}
            for name, live in self._hypervisor.running_definitions():
                self._accounts[name] = relabelled_account(live)
                self._ports.update((port, name) for port, dummy in graphics_ports(live))
                for disk in dx.disks(live):
                    self.opened(name, disk)
        return self._users

    def _image_refusal(self, name, disk):
        path = source_path(disk)
        if path is None:
            return None
        mode = self._mode(path)
        if mode is MISSING:
            return "Cannot access storage file '%s': No such file or directory" % path
        # QEMU checks what the path is when it opens it, takes its lock, then reads it as a format.
        refusal = None
        if mode is not None:
            refusal = self._kind_refusal(path, disk.get('type', 'file'), mode) or \
                self._access_refusal(name, path, disk, mode)
        return refusal or self._lock_refusal(name, path, disk) or self._format_refusal(path, disk)

    def _access_refusal(self, name, path, disk, mode):
        """QEMU's refusal to open the image (of this mode) as the domain's account: libvirt gives the image to
        that account (relabel='yes'), so the owner's permission bits decide, read for every disk, write for
        one that writes. Not judged when libvirt would not relabel the image, or QEMU runs as root."""
        self._load()
        account = self._accounts.get(name)
        if account is None or disk.find("source/seclabel[@model='dac']") is not None:
            return None
        needed = stat.S_IRUSR | (stat.S_IWUSR if _writes(disk) else 0)
        if mode & needed == needed:
            return None
        return "Could not open '%s': Permission denied (for uid %d)" % (path, account)

    @staticmethod
    def _kind_refusal(path, disk_type, mode):
        """QEMU's refusal of a file disk that is not a regular file, or a block disk that is not a device."""
        driver, wanted, kinds = IMAGE_FILE_KINDS[disk_type]
        if any(kind(mode) for kind in kinds):
            return None
        return "'%s' driver requires '%s' to be %s" % (driver, path, wanted)

    def _format_refusal(self, path, disk):
        """QEMU's refusal to open the image at path as the disk's format, or None."""
        driver = disk.find('driver')
        image_format = driver.get('type') if driver is not None else None
        if not image_format or image_format == RAW or not self._hypervisor.is_local() or self._run_command is None:
            return None
        qemu_img = shutil.which(QEMU_IMG)
        if qemu_img is None:
            return None
        # A definition that gives the backing chain (<backingStore>) is opened with it, not with the image's.
        own_chain = disk.find('backingStore') is None
        key = (path, image_format, own_chain)
        if key not in self._format_answers:
            chain = ['--backing-chain'] if own_chain else []
            rc, dummy, err = self._run_command(
                [qemu_img, 'info', '--force-share', '--output=json', '--format', image_format] + chain + [path])
            reason = err.strip().replace(QEMU_IMG + ': ', '', 1)
            self._format_answers[key] = None if rc == 0 else 'QEMU would not open the image as %s: %s' % (image_format, reason)
        return self._format_answers[key]

    def _lock_refusal(self, name, path, disk):
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

    def _interface_refusal(self, interface, plugged):
        """An interface's network, bridge or host interface; when it is plugged, also the tap or vhost-user
        socket it opens then (a live update keeps them)."""
        kind = interface.get('type')
        if kind == 'ethernet':
            return self._tap_refusal(interface.find('target')) if plugged else None
        source = interface.find('source')
        if source is None:
            return None
        if kind == 'network' and source.get('network'):
            return self._hypervisor.network_refusal(source.get('network'))
        if kind == 'vhostuser':
            return self._vhost_user_refusal(source) if plugged else None
        host_interface = source.get(HOST_INTERFACE_SOURCES[kind]) if kind in HOST_INTERFACE_SOURCES else None
        return self._hypervisor.host_interface_refusal(host_interface) if host_interface else None

    def _vhost_user_refusal(self, source):
        if source.get('type') == 'unix':
            # QEMU creates the socket of a server, and connects to a client's.
            path = source.get('path')
            created = source.get('mode') == 'server'
            if path and self._missing(os.path.dirname(path) if created else path):
                return VHOST_USER_REFUSALS[created] % path
        return None

    def _tap_refusal(self, target):
        """An ethernet interface's tap device: one libvirt creates must not be there yet, one it is given
        (managed='no') must be. Asked of the host's network devices (a local URI)."""
        name = target.get('dev') if target is not None else None
        if not name or not self._hypervisor.is_local() or name.startswith(GENERATED_TAP_PREFIXES):
            return None
        there = not self._missing(os.path.join(NETWORK_DEVICES, name))
        if target.get('managed') == 'no':
            return None if there else "target managed='no' but specified dev doesn't exist (%s)" % name
        return 'The %s interface already exists' % name if there else None

    def _path_refusal(self, kind, sources):
        """A character device of type kind with these <source> elements."""
        for source in sources:
            path = source.get('path')
            if not path:
                continue
            if kind == 'file' or (kind == 'unix' and source.get('mode') == 'bind'):  # libvirt creates it
                if self._missing(os.path.dirname(path)):
                    return CREATED_PATH_REFUSALS[kind] % path
            elif kind in OPENED_PATH_TYPES and self._missing(path):
                return 'unable to stat: %s: No such file or directory' % path
        return None

    def _usb_refusal(self, source, cold_boot):
        """A host USB device passed through, looked for among libvirt's node devices as libvirt looks for it
        (virHostdevFindUSBDevice): by vendor and product, at its address when one is given, or by address. A
        hot-plug does without one that is optional or requisite at start, a start without an optional one;
        on a host without USB (no USB_DEVICES) libvirt's search fails before it asks."""
        if source is not None and self._missing(USB_DEVICES):
            return "cannot open directory '%s': No such file or directory" % USB_DEVICES
        not_required = USB_NOT_REQUIRED_AT_START if cold_boot else USB_NOT_REQUIRED_ON_HOT_PLUG
        if source is None or source.get('startupPolicy') in not_required:
            return None
        wanted, found = dx.usb_source(source), self._hypervisor.host_usb_devices()
        if not wanted or found is None:
            return None
        matches = [device for device in found if all(device.get(key) == value for key, value in wanted.items())]
        named = ' '.join('%s:%x' % (key, value) if key in ('vendor', 'product') else '%s:%d' % (key, value)
                         for key, value in wanted.items())
        if not matches:
            return 'Did not find USB device %s among the host devices libvirt lists' % named
        if len(matches) > 1:
            return 'Multiple USB devices for %s, use <address> to specify one' % named
        return None

    def _rng_refusal(self, backend):
        if backend is None:
            return None
        if backend.get('model') == 'random':
            return self._node_refusal((backend.text or '').strip())
        return self._path_refusal(backend.get('type'), backend.findall('source'))

    def _node_refusal(self, path):
        """A device node libvirt hands to QEMU (an RNG's random source, an input's evdev)."""
        if path and self._missing(path):
            return "Path '%s' is not accessible: No such file or directory" % path
        return None

    def _missing(self, path):
        """Whether path is known not to be there (see _mode)."""
        return self._mode(path) is MISSING

    def _mode(self, path):
        """What path is (its st_mode), MISSING when it is known not to be there, or None when that is not
        known here: only a local hypervisor's paths are looked at, and one this account may not look at is
        left to libvirt."""
        if not self._hypervisor.is_local():
            return None
        try:
            return os.stat(path).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return MISSING
        except OSError:
            return None
