# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The libvirt connection: open a URI, look domains up, read and define their XML.

The only module_utils file that imports libvirt. Every libvirt error leaves here as a
VirtunedError that names the domain.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import stat
import tempfile
import threading
import traceback
from urllib.parse import urlparse

try:
    import libvirt
except ImportError:
    libvirt = None
    LIBVIRT_IMPORT_ERROR = traceback.format_exc()
else:
    LIBVIRT_IMPORT_ERROR = None

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _host_resources
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import (
    ConcurrentChange, NoSuchDomain, RefusedByLibvirt, RefusedByQemu, VirtunedError)


def _private_directory(path):
    """path as a folder of this user's alone: created 0700, or else refused when it is a link, not a
    folder, another user's or open to others (a /tmp fallback must not be another user's trap)."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise OSError('%s is a link or not a folder' % path)
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise OSError('%s belongs to another user or is open to others (mode %o)' % (path, info.st_mode & 0o777))
    return path


def _lock_directory():
    reasons = []
    for directory in ('/run/virtuned', os.path.join(tempfile.gettempdir(), 'virtuned-%d' % os.getuid())):
        try:
            return _private_directory(directory)
        except OSError as exc:
            reasons.append(str(exc))
    raise VirtunedError('no safe folder for the definition locks: %s' % '; '.join(reasons))


@contextlib.contextmanager
def writer_lock(uri, name):
    """Serialize this collection's writers of one domain on this machine.

    libvirt has no compare-and-swap for defineXML: without the lock, two module runs could both
    see the XML they planned on and the second define would silently drop the first one's change.
    """
    key = hashlib.sha256(('%s\0%s' % (uri, name)).encode('utf-8')).hexdigest()[:32]
    descriptor = os.open(os.path.join(_lock_directory(), key + '.lock'), os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW,
                         0o600)
    with os.fdopen(descriptor, 'w', encoding='utf-8') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def writer_locks(uri, names):
    """writer_lock for several domains at once, taken in one order, so that two runs locking sets
    that overlap never wait for each other in a circle."""
    with contextlib.ExitStack() as stack:
        for name in sorted(set(names)):
            stack.enter_context(writer_lock(uri, name))
        yield


# The domain schema that the installed libvirt (package libvirt0 on Debian) ships.
DOMAIN_SCHEMA = '/usr/share/libvirt/schemas/domain.rng'

# How many calls one connection may have in flight from threads. libvirtd serves one connection's
# calls from several worker threads, and libvirt-python lets go of the GIL while it waits, so
# calls overlap; but past max_client_requests (5 by default) libvirtd stops reading the
# connection, its keepalive answers included, and drops it when the calls take over 30 s.
# Measured on 2 cores with 200 defines (benchmarks/fleet.py): 1 at once 0.42 s, 2 0.30 s, 4 0.27 s.
CALLS_AT_ONCE = 4


def is_local(uri):
    """Whether the URI names a daemon on this machine (no host): its files are this machine's."""
    return not urlparse(uri).hostname


def local_schema_applies(uri, daemon_version, library_version, schema_path=DOMAIN_SCHEMA):
    """Whether the schema file here is the one the daemon validates with: a local URI, a daemon of
    this machine's libvirt version, and the file present."""
    return (is_local(uri) and daemon_version is not None and daemon_version == library_version
            and os.path.exists(schema_path))


_EVENTS = []


def _event_loop():
    """libvirt's default event loop, on a thread of its own: it must exist before the connection
    opens for that connection to deliver events (a device's removal)."""
    if not _EVENTS:
        libvirt.virEventRegisterDefaultImpl()
        thread = threading.Thread(target=_run_events, name='libvirt-events', daemon=True)
        thread.start()
        _EVENTS.append(thread)


def _run_events():
    while True:
        libvirt.virEventRunDefaultImpl()


# How messages name each live action (live_changes' actions), in a run and in check mode's prediction.
LIVE_OPERATIONS = {'detached': 'hot-unplugging %s', 'updated': 'updating %s live', 'attached': 'hot-plugging %s'}


def _device_label(device_xml):
    """A device (its XML text) named in a message, see dx.device_label."""
    return dx.device_label(dx.parse(device_xml, root_tag=None))


def _quiet(_context, _error):
    # libvirt prints every error to stderr by default; ours are raised and reported instead.
    return None


def _reason(exc):
    return exc.get_error_message() if hasattr(exc, 'get_error_message') else str(exc)


def _schema_refusal(schema, path, root, refused):
    """What the schema refuses in root, a definition it refuses with the errors refused: the one device at
    fault, with what the schema says of that device alone (what it lacks, where), else refused as it is."""
    found = dx.schema_culprit(schema, root)
    if found is None:
        return refused
    device, alias_only = found
    alias = device.find('alias')
    if alias_only:
        return "a <%s> takes no <alias> in this libvirt (alias '%s'; give the device without one): %s" % (
            device.tag, alias.get('name'), refused)
    alone = dx.device_schema(path, device.tag)
    return 'it refuses the <%s> device%s: %s' % (
        device.tag, " with alias '%s'" % alias.get('name') if alias is not None else '',
        (alone is not None and dx.schema_errors(alone, device)) or refused)


def _usb_device(node_device):
    """A node device's usb_device capability, as dx.usb_source reads a USB host device's <source>."""
    capability = node_device.find("capability[@type='usb_device']")
    if capability is None:
        return {}
    found = {tag: dx.xml_number(capability.findtext(tag)) for tag in ('bus', 'device')}
    found.update(dx.usb_ids(capability))
    return found


class Hypervisor:
    """One connection, used for every domain of a module call."""

    def __init__(self, uri, schema_path=DOMAIN_SCHEMA, read_only=False, run_command=None):
        """read_only: a read-only connection (libvirt's read-only socket), enough for reports and
        open to accounts without write access; it reads definitions without their passwords.
        run_command: Ansible's module.run_command, for what check mode asks of the host's tools."""
        self.uri = uri
        self.read_only = read_only
        self._capabilities = {}
        self._host_capabilities = None
        self._schema_path = schema_path
        self._schema = None
        self._answers = {}  # anonymized definition -> libvirt's refusal or None, for this run
        self._driver_answers = {}  # what the QEMU driver was asked (dx.for_qemu_argv) -> (command line, refusal)
        self.host_resources = _host_resources.HostResources(self, run_command)  # what check mode asks of the host
        self._host_answers = {}  # ('network' or 'interface', name) -> libvirt's refusal or None, for this run
        libvirt.registerErrorHandler(_quiet, None)
        if not read_only:
            _event_loop()  # a read-only connection never unplugs, so it waits for no event
        try:
            self.conn = libvirt.openReadOnly(uri) if read_only else libvirt.open(uri)
        except libvirt.libvirtError as exc:
            raise VirtunedError('cannot connect to libvirt at %r: %s' % (uri, _reason(exc)))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        try:
            self.conn.close()
        except libvirt.libvirtError:
            pass

    def domain_names(self):
        """Every domain's name, running or defined."""
        try:
            return sorted(dom.name() for dom in self.conn.listAllDomains(0))
        except libvirt.libvirtError as exc:
            raise VirtunedError('cannot list the domains on %s: %s' % (self.uri, _reason(exc)))

    def domain(self, name):
        return find_domain(self, name)

    def domains(self, names):
        """{name: (Domain, running)} for each of names defined here, from two listings however many
        names there are (a lookup and a state call per name cost two calls each)."""
        try:
            listed = {handle.name(): handle for handle in self.conn.listAllDomains(0)}
            running = {handle.name() for handle in self.conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)}
        except libvirt.libvirtError as exc:
            raise VirtunedError('cannot list the domains on %s: %s' % (self.uri, _reason(exc)))
        return {name: (Domain(self, listed[name], name), name in running) for name in names if name in listed}

    def is_local(self):
        return is_local(self.uri)

    def running_definitions(self):
        """(name, live XML as an element) of every running domain, one after the other."""
        try:
            handles = self.conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
        except libvirt.libvirtError as exc:
            raise VirtunedError('cannot list the domains on %s: %s' % (self.uri, _reason(exc)))
        for handle in handles:
            try:
                yield handle.name(), dx.parse(handle.XMLDesc(0))
            except libvirt.libvirtError:
                continue  # stopped since the listing: it holds nothing

    def network_refusal(self, name):
        """Why libvirt could not connect a running domain's interface to its network name, or None; asked
        once a run."""
        key = ('network', name)
        if key not in self._host_answers:
            try:
                active = self.conn.networkLookupByName(name).isActive()
                self._host_answers[key] = None if active else "network '%s' is not active" % name
            except libvirt.libvirtError as exc:
                self._host_answers[key] = _reason(exc)
        return self._host_answers[key]

    def host_interface_refusal(self, name):
        """Why a host interface (a bridge, a macvtap's device) is not there to connect to, when libvirt's
        interface driver says so; None when it is there or the driver cannot tell. Asked once a run."""
        key = ('interface', name)
        if key not in self._host_answers:
            self._host_answers[key] = None
            try:
                self.conn.interfaceLookupByName(name)
            except libvirt.libvirtError as exc:
                if exc.get_error_code() == libvirt.VIR_ERR_NO_INTERFACE:
                    self._host_answers[key] = "host interface '%s' is not there (%s)" % (name, _reason(exc))
        return self._host_answers[key]

    def host_usb_devices(self):
        """Each USB device on the host as libvirt's node device driver lists it: a dict of its vendor, product,
        bus and device numbers; read once a run. None when that driver does not answer."""
        key = ('usb devices',)
        if key not in self._host_answers:
            try:
                listed = self.conn.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_DEV)
                self._host_answers[key] = [_usb_device(dx.parse(device.XMLDesc(0), root_tag='device')) for device in listed]
            except libvirt.libvirtError:
                self._host_answers[key] = None
        return self._host_answers[key]

    def schema(self):
        """libvirt's domain schema, when the one installed here is the daemon's own (see
        local_schema_applies), compiled once. None otherwise: definitions are then validated by
        libvirtd itself when they are defined (define_flags)."""
        if self._schema is None:
            self._schema = False
            try:
                daemon_version = self.conn.getLibVersion()
            except libvirt.libvirtError:
                daemon_version = None
            if local_schema_applies(self.uri, daemon_version, libvirt.getVersion(), self._schema_path):
                self._schema = dx.schema(self._schema_path)
        return self._schema or None

    def refusal(self, root):
        """Why libvirt would refuse the definition root (an element) as a persistent definition, or
        None when it takes it.

        Asks libvirt's domain schema and the daemon's own QEMU driver, which parses the XML, runs
        its define-time validation and builds the QEMU command line against the emulator's real
        capabilities, without defining or starting anything. Each answer is kept for the run: the
        definitions of a fleet made from one template differ in what dx.anonymized replaces, and
        need one question each. A refusal names the domain's own values, not the fixed ones asked
        about.
        """
        originals = {}
        anonymous = dx.anonymized(root, originals)
        question = dx.serialize(anonymous)
        if question not in self._answers:
            self._answers[question] = self._ask(anonymous)
        reason = self._answers[question]
        return dx.deanonymized(reason, originals) if reason else None

    def _ask(self, anonymous):
        schema = self.schema()
        if schema is not None:
            refused = dx.schema_errors(schema, anonymous)
            if refused:
                return "libvirt's domain schema: %s" % _schema_refusal(schema, self._schema_path, anonymous, refused)
        return self._driver_refusal(anonymous)

    def _driver_refusal(self, anonymous):
        if self.conn.getType() != 'QEMU':
            return None  # the question belongs to the QEMU driver
        refused = self._driver_answer(dx.for_qemu_argv(anonymous))[1]
        return "libvirt's QEMU driver: %s" % refused if refused else None

    def start_refusal(self, root):
        """Why libvirt's QEMU driver would refuse to start the persistent definition root (an element), or
        None: virConnectDomainXMLToNative runs the checks a start makes before it launches QEMU (the CPU
        mode the emulator offers, hugepages, NUMA nodes, firmware, host devices) and builds the command
        line, as for refusal(), but without the schema, which a start does not ask. Asked once for
        definitions that differ only in what dx.anonymized replaces. Then what QEMU refuses of a command
        line the driver builds (dx.qemu_start_refusal)."""
        originals = {}
        reason = self._driver_refusal(dx.anonymized(root, originals))
        if reason:
            return dx.deanonymized(reason, originals)
        refused = dx.qemu_start_refusal(root)
        return 'QEMU: %s' % refused if refused else None

    def _driver_answer(self, xml_text):
        """(the QEMU command line, None) or (None, the refusal) for a definition's text, asked once a run."""
        if xml_text not in self._driver_answers:
            try:
                self._driver_answers[xml_text] = (self.conn.domainXMLToNative('qemu-argv', xml_text, 0), None)
            except libvirt.libvirtError as exc:
                self._driver_answers[xml_text] = (None, _reason(exc))
        return self._driver_answers[xml_text]

    def qemu_argv(self, root):
        """The QEMU command line libvirt's QEMU driver builds for the definition root (an element), or
        None when it builds none (another driver, or a refusal). Asked once for definitions that differ only in what
        dx.anonymized replaces."""
        return self._driver_answer(dx.for_qemu_argv(dx.anonymized(root, {})))[0]

    def preflight(self, name, definition, current, requested):
        """Refuse (RefusedByLibvirt, naming the requested options) a definition (an element) libvirt
        would not take, and (RefusedByQemu) one QEMU would not start.

        Runs in check mode as in real runs, so check mode predicts a refusal as it predicts a
        change. A definition libvirt takes but QEMU would not start (dx.qemu_start_refusal) is
        refused too, unless the current definition has the same fault. When libvirt refuses the
        domain's current definition (current, an element or None) as well (a host device or an
        emulator this host lacks), the change cannot be judged here: the returned warning says so
        and libvirt's define decides.
        """
        reason = self.refusal(definition)
        if reason is None:
            refused = dx.qemu_start_refusal(definition)
            if refused and refused != (current is not None and dx.qemu_start_refusal(current)):
                raise RefusedByQemu(requested, refused, domain=name)
            return None
        current_refused = current is not None and self.refusal(current)
        if current_refused:
            return ("domain '%s': libvirt refuses the current definition too (%s), so the change could not be "
                    "checked before writing: %s" % (name, current_refused, reason))
        raise RefusedByLibvirt(requested, reason, domain=name)

    def define_flags(self):
        """Validate at define time only when the schema could not be asked here."""
        return 0 if self.schema() is not None else libvirt.VIR_DOMAIN_DEFINE_VALIDATE

    def host_capabilities(self):
        """The host's capabilities XML (the machine types of each emulator among them), read once."""
        if self._host_capabilities is None:
            try:
                self._host_capabilities = self.conn.getCapabilities()
            except libvirt.libvirtError as exc:
                raise VirtunedError('cannot read the host capabilities: %s' % _reason(exc))
        return self._host_capabilities

    def capabilities(self, root):
        """The host's domain capabilities for this domain's emulator, arch, machine and virt type."""
        os_type = dx.os_type(root)
        key = (dx.emulator(root), os_type['arch'], os_type['machine'], dx.virt_type(root))
        if key not in self._capabilities:
            try:
                text = self.conn.getDomainCapabilities(*key, 0)
            except libvirt.libvirtError as exc:
                raise VirtunedError('cannot read the domain capabilities for %s: %s'
                                    % ('/'.join(str(k) for k in key), _reason(exc)),
                                    domain=dx.domain_name(root))
            self._capabilities[key] = Capabilities(text)
        return self._capabilities[key]


class Domain:
    """One domain: its persistent and live XML, define and live (un)plug."""

    def __init__(self, hypervisor, handle, name):
        self.hypervisor = hypervisor
        self.handle = handle
        self.name = name

    def _call(self, what, function, *args):
        try:
            return function(*args)
        except libvirt.libvirtError as exc:
            # The domain can be undefined by another client between the lookup and this call.
            error = NoSuchDomain if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN else VirtunedError
            raise error('%s failed: %s' % (what, _reason(exc)), domain=self.name)

    def is_running(self):
        return bool(self._call('reading the state', self.handle.isActive))

    def _secure(self):
        # SECURE: a definition read without it loses its VNC/SPICE passwords when redefined. A
        # read-only connection may not ask for them, and never defines.
        return 0 if self.hypervisor.read_only else libvirt.VIR_DOMAIN_XML_SECURE

    def inactive_xml(self):
        return self._call('reading the persistent XML', self.handle.XMLDesc,
                          libvirt.VIR_DOMAIN_XML_INACTIVE | self._secure())

    def live_xml(self):
        return self._call('reading the live XML', self.handle.XMLDesc, self._secure())

    def check_unchanged(self, expected_before):
        """ConcurrentChange unless the persistent XML is still expected_before, as read when the
        change was planned. Call it under the domain's writer lock, right before defining."""
        if self.inactive_xml() != expected_before:
            raise ConcurrentChange('the persistent XML changed since it was read (another client '
                                   'redefined the domain); nothing was written, run again', domain=self.name)

    def define_locked(self, xml_text):
        """Define the new persistent XML; the caller holds the writer lock and checked the domain
        (check_unchanged) under it."""
        define_xml(self.hypervisor, self.name, xml_text, 'defining the new XML')

    def restore(self, xml_text):
        """Put back a definition this run replaced (libvirt's own earlier output)."""
        with writer_lock(self.hypervisor.uri, self.name):
            self._call('restoring the previous XML', self.hypervisor.conn.defineXML, xml_text)

    def attach_live(self, device_xml):
        self._call(LIVE_OPERATIONS['attached'] % _device_label(device_xml), self.handle.attachDeviceFlags, device_xml,
                   libvirt.VIR_DOMAIN_AFFECT_LIVE)

    def detach_live(self, device_xml, alias=None, timeout=10):
        """Hot-unplug a device (by its alias when it has one) and wait up to timeout seconds for
        libvirt's device-removed event: True when it left, False when the guest has not released it
        (a PCI unplug needs the guest's consent)."""
        removed = threading.Event()

        def on_removed(_conn, _domain, removed_alias, _opaque):
            if alias is None or removed_alias == alias:
                removed.set()

        conn = self.hypervisor.conn
        callback = conn.domainEventRegisterAny(self.handle, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
                                               on_removed, None)
        try:
            if alias:
                self._call(LIVE_OPERATIONS['detached'] % alias, self.handle.detachDeviceAlias, alias,
                           libvirt.VIR_DOMAIN_AFFECT_LIVE)
            else:
                self._call(LIVE_OPERATIONS['detached'] % _device_label(device_xml), self.handle.detachDeviceFlags,
                           device_xml, libvirt.VIR_DOMAIN_AFFECT_LIVE)
            if removed.wait(timeout):
                return True
        finally:
            conn.domainEventDeregisterAny(callback)
        # The removal may have completed before the event could be delivered.
        return alias is not None and alias not in [dx.device_alias(e) for e in dx.devices(dx.parse(self.live_xml()))]

    def update_live(self, device_xml):
        """Change a device of the running domain in place (media, link state, …)."""
        self._call(LIVE_OPERATIONS['updated'] % _device_label(device_xml), self.handle.updateDeviceFlags, device_xml,
                   libvirt.VIR_DOMAIN_AFFECT_LIVE)

    def start(self):
        self._call('starting', self.handle.create)

    def destroy(self):
        self._call('forcing off', self.handle.destroy)

    def shutdown(self):
        self._call('asking for an ACPI shutdown', self.handle.shutdownFlags, libvirt.VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN)

    def undefine(self, remove_nvram=False):
        """Remove the definition; UEFI variables (NVRAM) stay unless remove_nvram, as virsh's --nvram."""
        flags = libvirt.VIR_DOMAIN_UNDEFINE_NVRAM if remove_nvram else libvirt.VIR_DOMAIN_UNDEFINE_KEEP_NVRAM
        self._call('undefining', self.handle.undefineFlags, flags)


def no_such_domain(uri, name):
    return NoSuchDomain('no such domain on %s' % uri, domain=name)


def find_domain(hypervisor, name):
    """The Domain of that name; NoSuchDomain when there is none."""
    try:
        return Domain(hypervisor, hypervisor.conn.lookupByName(name), name)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            raise no_such_domain(hypervisor.uri, name)
        raise VirtunedError(_reason(exc), domain=name)


def write_definition(hypervisor, name, xml_text, what):
    """Define xml_text (libvirt validating it, see define_flags) under the domain's writer lock."""
    with writer_lock(hypervisor.uri, name):
        define_xml(hypervisor, name, xml_text, what)


def define_xml(hypervisor, name, xml_text, what):
    """Define xml_text (libvirt validating it, see define_flags); the caller holds the writer lock."""
    try:
        hypervisor.conn.defineXMLFlags(xml_text, hypervisor.define_flags())
    except libvirt.libvirtError as exc:
        raise VirtunedError('%s failed: %s' % (what, _reason(exc)), domain=name)


class Capabilities:
    """The enums of <domainCapabilities>: what this emulator and machine type take."""

    def __init__(self, xml_text):
        self.root = dx.parse(xml_text, 'domainCapabilities')
        self.machine = self.root.findtext('machine')

    def values(self, device, enum):
        """The values of devices/<device>/enum[@name=enum], or None when libvirt does not say."""
        element = self.root.find('devices/%s' % device)
        if element is None or element.get('supported') == 'no':
            return [] if element is not None else None
        enum_element = element.find("enum[@name='%s']" % enum)
        if enum_element is None:
            return None
        return [value.text for value in enum_element.findall('value')]

    def os_values(self, enum):
        """The values of os/enum[@name=enum] (firmware, loader types), or None when libvirt does not say."""
        enum_element = self.root.find("os/enum[@name='%s']" % enum)
        return None if enum_element is None else [value.text for value in enum_element.findall('value')]

    def hyperv_features(self):
        """The Hyper-V enlightenments this emulator and virt type take, or None when libvirt does not say."""
        hyperv = self.root.find('features/hyperv')
        if hyperv is None:
            return None
        if hyperv.get('supported') == 'no':
            return []
        return [value.text for value in hyperv.findall("enum[@name='features']/value")]


class Lifecycle:
    """Power and definition operations on one domain by name, which may not exist (yet, or any more):
    for virt_domain and the role."""

    def __init__(self, hypervisor, name):
        self.hypervisor = hypervisor
        self.name = name

    def _found(self):
        try:
            return find_domain(self.hypervisor, self.name)
        except NoSuchDomain:
            return None

    def _existing(self, what):
        domain = self._found()
        if domain is None:
            raise NoSuchDomain('%s failed: the domain is gone (another client undefined it)' % what, domain=self.name)
        return domain

    def state(self):
        """'running', 'shutoff' (defined, not running), or 'undefined'."""
        domain = self._found()
        if domain is None:
            return 'undefined'
        return 'running' if domain.is_running() else 'shutoff'

    def inactive_xml(self):
        domain = self._found()
        return None if domain is None else domain.inactive_xml()

    def live_xml(self):
        return self._existing('reading the live XML').live_xml()

    def define(self, xml_text):
        write_definition(self.hypervisor, self.name, xml_text, 'defining the domain')

    def start(self):
        self._existing('starting').start()

    def destroy(self):
        self._existing('forcing off').destroy()

    def shutdown(self):
        self._existing('asking for an ACPI shutdown').shutdown()

    def undefine(self, remove_nvram=False):
        self._existing('undefining').undefine(remove_nvram)
