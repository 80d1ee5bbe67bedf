# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The libvirt domain XML as a model: parse, find and identify devices, compare, stash.

Pure lxml, no libvirt: everything here is unit-tested without a hypervisor.
"""

from __future__ import annotations

import copy
import functools
import itertools
import os
import re

try:
    from lxml import etree
except ImportError:  # pragma: no cover - reported by the modules through missing_required_lib
    etree = None

from ansible_collections.virtuned.libvirt.plugins.module_utils._device_tables import (
    CHARACTER_DEVICES, VIRTIO_FLAVOURS, X86_ARCHES)
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import VirtunedError

METADATA_NS = 'https://virtuned.dev/xmlns/libvirt/1'
METADATA_PREFIX = 'virtuned'
LIBOSINFO_NS = 'http://libosinfo.org/xmlns/libvirt/domain/1.0'

# The stashed properties, as Nova names them (the ones that have defaults).
PROPERTY_KEYS = (
    'hw_cdrom_bus',
    'hw_disk_bus',
    'hw_floppy_bus',
    'hw_input_bus',
    'hw_machine_type',
    'hw_pointer_model',
    'hw_video_model',
    'hw_vif_model',
)

# The keys a kind of device tells: a domain without such a device says nothing about them.
DEVICE_PROPERTY_KEYS = ('hw_cdrom_bus', 'hw_disk_bus', 'hw_floppy_bus', 'hw_video_model', 'hw_vif_model')

POINTER_TYPES = ('tablet', 'mouse')
INPUT_TYPES = POINTER_TYPES + ('keyboard',)

# Attributes whose values must never reach a diff or a log.
SECRET_ATTRIBUTES = ('passwd',)


def _parser():
    # No entities, no DTD, no network: domain XML comes from libvirt, but metadata inside it
    # can come from any client.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse(xml_text, root_tag='domain'):
    """Parse libvirt XML text (a domain by default; any element with root_tag=None) safely into an
    lxml element."""
    if isinstance(xml_text, str):
        xml_text = xml_text.encode('utf-8')
    try:
        root = etree.fromstring(xml_text, _parser())
    except etree.XMLSyntaxError as exc:
        raise VirtunedError('cannot parse the %s XML: %s' % (root_tag or 'device', exc))
    if root_tag is not None and root.tag != root_tag:
        raise VirtunedError('expected a <%s> document, got <%s>' % (root_tag, root.tag))
    return root


def serialize(root):
    return etree.tostring(root, encoding='unicode')


def clone(root):
    return copy.deepcopy(root)


# Canonical XML escapes '<' in attribute values and both '<' and '>' in text: outside comments,
# '>' then whitespace then '<' is only ever whitespace between two tags.
_LAYOUT = re.compile(rb'>[ \t\r\n]+<')


def normalized(root):
    """A canonical text of the document: attribute order, whitespace between tags and prefixes do
    not count."""
    return _LAYOUT.sub(b'><', etree.tostring(root, method='c14n'))


_SCHEMAS = {}


def schema(path):
    """A RelaxNG schema (libvirt's domain.rng), compiled once a process."""
    if path not in _SCHEMAS:
        _SCHEMAS[path] = etree.RelaxNG(etree.parse(path, _parser()))
    return _SCHEMAS[path]


RELAXNG_NS = 'http://relaxng.org/ns/structure/1.0'
# The domain schema with its start replaced by one device's own pattern: that device alone.
_DEVICE_GRAMMAR = '<grammar xmlns="%s"><include href="%s"><start><ref name="%s"/></start></include></grammar>'


def device_schema(path, tag):
    """libvirt's schema for one device element alone (the pattern <devices> names for it), compiled once a
    process; None when <devices> has no such element. Alone, a device is told what it lacks ("Expecting an
    element backend"); inside a domain libxml2 names only the interleave of <devices>."""
    key = (path, tag)
    if key not in _SCHEMAS:
        pattern = _device_patterns(path).get(tag)
        _SCHEMAS[key] = pattern and etree.RelaxNG(
            etree.fromstring(_DEVICE_GRAMMAR % (RELAXNG_NS, os.path.abspath(path), pattern), _parser()))
    return _SCHEMAS[key]


@functools.lru_cache(maxsize=None)
def _device_patterns(path):
    """Device tag -> the name of the schema's pattern for it, as the <devices> element of the schema at path
    (and the grammars it includes) lists them; read once a process."""
    defines, pending, read = {}, [os.path.abspath(path)], set()
    while pending:
        grammar_path = pending.pop()
        if grammar_path in read:
            continue
        read.add(grammar_path)
        grammar = etree.parse(grammar_path, _parser())
        for define in grammar.iter('{%s}define' % RELAXNG_NS):
            defines.setdefault(define.get('name'), []).append(define)
        for include in grammar.iter('{%s}include' % RELAXNG_NS):
            pending.append(os.path.join(os.path.dirname(grammar_path), include.get('href')))

    def first_element(define):
        return next(define.iter('{%s}element' % RELAXNG_NS), None)

    patterns = {}
    refs = (ref for devices in defines.get('devices', []) for ref in devices.iter('{%s}ref' % RELAXNG_NS))
    for ref in refs:
        for define in defines.get(ref.get('name'), []):
            found = first_element(define)
            if found is not None and found.get('name'):
                patterns.setdefault(found.get('name'), ref.get('name'))
    return patterns


def schema_errors(relaxng, root, most=3):
    """The schema's complaints about root, as one line; empty when it is valid."""
    if relaxng.validate(root):
        return ''
    # The element path without positions: the same complaint reads the same before and after an edit.
    errors = ['%s at %s' % (error.message, re.sub(r'\[\d+\]', '', error.path or '?')) for error in relaxng.error_log]
    return '; '.join(errors[:most])


def schema_culprit(relaxng, root):
    """For a definition the schema refuses: the one device without which it takes it, and whether the
    device's <alias> alone is what it refuses, as (device, alias_only); None when no one device is at fault.
    (libxml2 names an interleave, not the device in it.)"""
    copy = clone(root)
    for device in devices(copy):
        parent, position = device.getparent(), device.getparent().index(device)
        parent.remove(device)
        takes_it_without = relaxng.validate(copy)
        parent.insert(position, device)
        if takes_it_without:
            alias = device.find('alias')
            if alias is None:
                return device, False
            device.remove(alias)
            alias_only = relaxng.validate(copy)
            device.append(alias)
            return device, alias_only
    return None


def for_qemu_argv(root):
    """A copy of a definition, as text, that libvirt 9.0's virConnectDomainXMLToNative can build a
    command line for without touching the host (see without_host_effects). Scripts and SR-IOV
    interfaces say nothing about the rest of the definition, and neither do <metadata>, <title>
    and <description> (the schema checks them), so definitions that differ only there get one
    answer."""
    copy = without_host_effects(root)
    for tag in ('metadata', 'title', 'description'):
        for element in copy.findall(tag):
            copy.remove(element)
    return serialize(copy)


# The powers of libvirt's memory unit prefixes (virScaleInteger): 'KiB' or 'k' of 1024, 'KB' of 1000.
_UNIT_POWERS = {'k': 1, 'm': 2, 'g': 3, 't': 4, 'p': 5, 'e': 6}


def memory_kib(element, attribute=None):
    """A memory size libvirt reads from element (its text, or the attribute) and its unit, in KiB as libvirt
    keeps it (rounded up); None when there is none or libvirt would not read it."""
    if element is None:
        return None
    size = _scaled(element.get(attribute) if attribute else element.text, element.get('unit') or 'KiB')
    if size is None:
        return None
    kib, rest = divmod(size, 1024)
    return kib + (1 if rest else 0)


def _scaled(text, unit):
    """The number of bytes a number and its unit give, as libvirt scales them, or None."""
    unit = unit.strip().lower()
    if not text or not text.strip().isdigit():
        return None
    if unit in ('b', 'byte', 'bytes'):
        return int(text)
    if unit[:1] in _UNIT_POWERS and unit[1:] in ('', 'ib', 'b'):
        return int(text) * (1000 if unit[1:] == 'b' else 1024) ** _UNIT_POWERS[unit[:1]]
    return None


def same_quantity(element, wanted):
    """Whether two elements that both give a number and its unit (a memory device's <size unit='GiB'>1</size>)
    give the same quantity: libvirt writes sizes in a unit of its own (<size unit='KiB'>1048576</size>),
    rounded up to whole KiB (<size unit='MB'>500</size> reads back as 488282 KiB)."""
    if element.get('unit') is None or wanted.get('unit') is None:
        return False
    size = memory_kib(element)
    return size is not None and size == memory_kib(wanted)


# The bus on which a start finds a USB device given by vendor and product on the host, as the live XML
# shows it: virConnectDomainXMLToNative does not look it up and refuses every such definition ("USB host
# device is missing bus/device information"), whatever the host has; it judges the rest of the definition
# once it is there. Each such device gets a device number of its own (two of one address: "Hostdev
# already exists"). Bus and device 0 count as missing.
FOUND_USB_BUS = 1


def xml_number(text):
    """A number as libvirt reads one from an attribute (strtoul's base 0: decimal, 0x hexadecimal, 0 octal),
    or None when there is none."""
    text = (text or '').strip().lower()
    try:
        if text.startswith('0x'):
            return int(text[2:], 16)
        if len(text) > 1 and text.startswith('0'):
            return int(text[1:], 8)
        return int(text, 10)
    except ValueError:
        return None


def spelled_alike(element, name, value):
    """Whether value is what element's attribute name already holds, as libvirt reads both: the same
    number (libvirt writes numbers its own way: a PCI bus='7' reads back bus='0x07', a USB vendor
    id='0x1D6B' id='0x1d6b'), or the same MAC address in another case.
    A spelling with a leading 0 ('010') is compared as text: libvirt reads it as octal in some
    attributes and as decimal in others."""
    current = element.get(name)
    if element.tag == 'usbdev' and value == ANY_USB:
        return current is None or current == value
    if current is None or current == value:
        return current == value
    if element.tag == 'mac' and name == 'address':
        return current.lower() == value.lower()
    if element.tag == 'usbdev' and name == 'version':
        version = _usb_version(value)
        return version is not None and version == _usb_version(current)
    number = _unambiguous_number(value)
    if number and _rounded_up_to_a_power_of_two(element, name):
        number = 1 << (number - 1).bit_length()
    return number is not None and number == _unambiguous_number(current)


# A USB redirection filter's class, vendor, product or version that matches any device: libvirt leaves the
# attribute out.
ANY_USB = '-1'


def _usb_version(text):
    """A USB redirection filter's version as libvirt reads it: major and the two digits of minor, padded on the
    right ('1.1' is written back '1.10', '02.0' '2.00'); None when libvirt would refuse it."""
    major, dot, minor = text.strip().partition('.')
    if not (dot and major.isdigit() and minor.isdigit() and len(minor) <= 2):
        return None
    return int(major), minor.ljust(2, '0')


def _rounded_up_to_a_power_of_two(element, name):
    """A video model's ram and vram: libvirt keeps the next power of two (virDomainVideoDefPostParse;
    vram='9216' reads back vram='16384')."""
    parent = element.getparent()
    return element.tag == 'model' and name in ('ram', 'vram') and parent is not None and parent.tag == 'video'


def _unambiguous_number(text):
    text = text.strip().lower()
    if len(text) > 1 and text.startswith('0') and not text.startswith('0x'):
        return None
    return xml_number(text)


def usb_ids(element):
    """The vendor and product numbers element's <vendor id> and <product id> give (a USB host device's
    <source>, a node device's usb_device capability), the ones it gives."""
    ids = {}
    for tag in ('vendor', 'product'):
        child = element.find(tag)
        number = xml_number(child.get('id')) if child is not None else None
        if number is not None:
            ids[tag] = number
    return ids


def usb_source(source):
    """What a USB host device's <source> asks for: vendor, product, bus and device, each a number, the ones
    it gives (bus and device 0 are not an address)."""
    wanted = usb_ids(source)
    address = source.find('address')
    if address is not None and (xml_number(address.get('bus')) or xml_number(address.get('device'))):
        wanted.update(bus=xml_number(address.get('bus')) or 0, device=xml_number(address.get('device')) or 0)
    return wanted


def without_host_effects(root):
    """A copy without what virConnectDomainXMLToNative acts on in the host: it turns every
    interface into a tap that it creates and runs the interface's <script> for, and an
    <interface type='hostdev'> crashes libvirtd (both measured); and with what only a start
    finds on the host: the address of a USB device given by vendor and product, and the backend
    of a PCI device that names none (a start takes VFIO; virConnectDomainXMLToNative refuses
    "invalid PCI passthrough type 'default'")."""
    copy = clone(root)
    for hostdev in copy.xpath("devices/hostdev[@type='pci']"):
        driver = hostdev.find('driver')
        if driver is None:
            driver = new_element('driver')
            hostdev.insert(0, driver)
        if not driver.get('name'):
            driver.set('name', 'vfio')
    for interface in copy.findall('devices/interface'):
        if interface.get('type') == 'hostdev':
            remove_device(interface)
            continue
        for script in interface.findall('script') + interface.findall('downscript'):
            interface.remove(script)
    usb = [(source, usb_source(source)) for source in copy.xpath("devices/hostdev[@type='usb']/source")]
    taken = {wanted['device'] for _source, wanted in usb if wanted.get('bus') == FOUND_USB_BUS}
    free = (device for device in itertools.count(1) if device not in taken)
    for source, wanted in usb:
        if source.find('vendor') is not None and 'bus' not in wanted:
            remove_children(source, 'address')
            source.append(new_element('address', {'bus': FOUND_USB_BUS, 'device': next(free)}))
    return copy


# The patterns libvirt's schema gives a domain's name, uuid and interface MAC addresses
# (basictypes.rng: objectNameWithSlash, UUID, uniMacAddr), absolute paths (absFilePath,
# absDirPath) and disk serials (domaincommon.rng: diskSerial).
_SCHEMA_NAME = re.compile(r'[^\n]+')
_SCHEMA_UUID = re.compile(r'[a-fA-F0-9]{32}|[a-fA-F0-9]{8}-([a-fA-F0-9]{4}-){3}[a-fA-F0-9]{12}')
_SCHEMA_UNICAST_MAC = re.compile(r'[a-fA-F0-9][02468aAcCeE](:[a-fA-F0-9]{2}){5}')
_SCHEMA_ABSOLUTE_PATH = re.compile(r'/.+')
_SCHEMA_DISK_SERIAL = re.compile(r'[A-Za-z0-9_.+\- ]+')
_SCHEMA_TEXT = re.compile(r'.+', re.DOTALL)
ANONYMOUS_NAME = 'virtuned-anonymous'
ANONYMOUS_UUID = '00000000-0000-4000-8000-000000000000'
_ANONYMOUS_PATH = '/virtuned/anonymous/%d'

# Values of one domain alone, which neither the schema (beyond its pattern) nor the QEMU driver
# judges: the driver copies them into the command line as they are, without opening the files
# they name (virConnectDomainXMLToNative builds the command line as for a start, but does not
# prepare the host). Domains made from one template differ in these. (element path, attribute or
# None for the text, the schema's pattern, the fixed value, numbered).
INSTANCE_VALUES = (
    ('devices/disk//source', 'file', _SCHEMA_ABSOLUTE_PATH, _ANONYMOUS_PATH),  # images, backing chains
    ('devices/disk//source', 'dev', _SCHEMA_ABSOLUTE_PATH, _ANONYMOUS_PATH),
    ('devices/disk//source', 'dir', _SCHEMA_ABSOLUTE_PATH, _ANONYMOUS_PATH),
    ('devices/disk/serial', None, _SCHEMA_DISK_SERIAL, 'virtuned%d'),
    ('devices/filesystem/source', 'dir', _SCHEMA_ABSOLUTE_PATH, _ANONYMOUS_PATH),
    ('devices/filesystem/source', 'file', _SCHEMA_ABSOLUTE_PATH, _ANONYMOUS_PATH),
    # Serial consoles' files and sockets; not channels': libvirt drops a virtio channel's socket
    # path that looks generated (.../domain-*/<target name>), which changes its answer.
    ('devices/serial/source', 'path', _SCHEMA_ABSOLUTE_PATH, _ANONYMOUS_PATH),
    ('devices/console/source', 'path', _SCHEMA_ABSOLUTE_PATH, _ANONYMOUS_PATH),
    ('devices/*/log', 'file', _SCHEMA_ABSOLUTE_PATH, _ANONYMOUS_PATH),
    ('devices/graphics', 'passwd', _SCHEMA_TEXT, 'virtuned%d'),
    ('os/nvram', None, _SCHEMA_ABSOLUTE_PATH, _ANONYMOUS_PATH),  # the domain's own UEFI variables
    ("sysinfo/*/entry[@name='serial']", None, _SCHEMA_TEXT, 'virtuned%d'),  # a cloud's instance id
)
_INSTANCE_XPATHS = []


def _instance_xpaths():
    """INSTANCE_VALUES with each path compiled once a process, on first use (lxml may be missing
    at import): libxml2's XPath, not lxml's ElementPath (Python), which was most of the time a
    fleet spent anonymizing."""
    if not _INSTANCE_XPATHS:
        _INSTANCE_XPATHS.extend((etree.XPath(path), attribute, schema_pattern, pattern)
                                for path, attribute, schema_pattern, pattern in INSTANCE_VALUES)
    return _INSTANCE_XPATHS


def _replace(element, attribute, value, originals):
    old = element.text if attribute is None else element.get(attribute)
    if attribute is None:
        element.text = value
    else:
        element.set(attribute, value)
    if originals is not None:
        originals[value] = old


def _uuid_key(text):
    return (text or '').strip().replace('-', '').lower()


def anonymized(root, originals=None):
    """A copy in which the name, uuid (with the SMBIOS uuid that repeats it), MAC addresses and
    INSTANCE_VALUES, where libvirt's schema takes them, are replaced by fixed values it takes too
    (distinct values stay distinct, equal ones equal: libvirt refuses two disks with one serial):
    neither the schema's answer nor the QEMU driver's depends on which valid values they are, so
    the definitions of a fleet made from one template need one question each. A value the
    schema would refuse stays, for the schema to name. originals, when given, receives each
    fixed value -> the value it stands for (see deanonymized)."""
    copy = clone(root)
    name = copy.find('name')
    if name is not None and name.text and _SCHEMA_NAME.fullmatch(name.text):
        _replace(name, None, ANONYMOUS_NAME, originals)
    uuid = copy.find('uuid')
    if uuid is not None and uuid.text and _SCHEMA_UUID.fullmatch(uuid.text.strip()):
        # libvirt refuses an SMBIOS uuid other than the domain's: the two are replaced together.
        for entry in copy.iterfind("sysinfo/system/entry[@name='uuid']"):
            if _uuid_key(entry.text) == _uuid_key(uuid.text):
                entry.text = ANONYMOUS_UUID
        _replace(uuid, None, ANONYMOUS_UUID, originals)
    macs = {}
    for mac in copy.findall('devices/interface/mac'):
        address = mac.get('address') or ''
        if _SCHEMA_UNICAST_MAC.fullmatch(address):
            macs.setdefault(address.lower(), '52:54:00:00:%02x:%02x' % divmod(len(macs), 256))
            _replace(mac, 'address', macs[address.lower()], originals)
    fixed = {}
    for xpath, attribute, schema_pattern, pattern in _instance_xpaths():
        for element in xpath(copy):
            value = element.text if attribute is None else element.get(attribute)
            if value and schema_pattern.fullmatch(value):
                _replace(element, attribute, fixed.setdefault((pattern, value), pattern % len(fixed)), originals)
    return copy


def deanonymized(text, originals):
    """libvirt's words about an anonymized definition, with the domain's own values back in place
    of the fixed ones (longest first: /virtuned/anonymous/10 is not /virtuned/anonymous/1 then 0)."""
    for fixed in sorted(originals, key=len, reverse=True):
        text = text.replace(fixed, originals[fixed])
    return text


def same_document(left, right):
    # Equal text settles most comparisons (an unchanged plan) at a tenth of the canonical form's cost.
    return serialize(left) == serialize(right) or normalized(left) == normalized(right)


MASK = '********'


def _secret_holders(root):
    """(element, attribute) for every secret of the document, in document order."""
    return [(element, name) for element in root.iter() if isinstance(element.tag, str)
            for name in SECRET_ATTRIBUTES if name in element.attrib]


def _mask(root):
    """Replace the secrets (VNC/SPICE passwords) of root by MASK; returns whether it held any."""
    holders = _secret_holders(root)
    for element, name in holders:
        element.set(name, MASK)
    return bool(holders)


def masked(xml_text):
    """The XML text with secrets replaced by MASK, for messages and returned definitions: libvirt's own
    text, as it was, when it holds none."""
    root = parse(xml_text)
    return serialize(root) if _mask(root) else xml_text


def diff_text(xml_text):
    """The XML text as a diff shows it: secrets masked, and laid out the same way whoever wrote it
    (libvirt, or this collection's planned definition), so that only what changes differs."""
    root = parse(xml_text)
    _mask(root)
    etree.indent(root, space='  ')
    return serialize(root) + '\n'


def secrets(xml_text):
    return [element.get(name) for element, name in _secret_holders(parse(xml_text)) if element.get(name) != MASK]


def unmask(root, current):
    """Give every masked secret of root the value the current definition holds at the same place
    (the same element type, in order), so that a definition read back masked keeps its passwords.
    Returns the masked places the current definition cannot fill."""
    holders = {}
    for element, name in _secret_holders(current) if current is not None else []:
        holders.setdefault((element.tag, element.get('type'), name), []).append(element.get(name))
    missing = []
    for element, name in _secret_holders(root):
        known = holders.get((element.tag, element.get('type'), name), [])
        value = known.pop(0) if known else None
        if element.get(name) != MASK:
            continue
        if value is None:
            missing.append('%s type=%s %s' % (element.tag, element.get('type'), name))
        else:
            element.set(name, value)
    return missing


# --- the parts of a domain -------------------------------------------------------------


def domain_name(root):
    return root.findtext('name')


def os_type(root):
    element = root.find('os/type')
    if element is None:
        return {'arch': None, 'machine': None}
    return {'arch': element.get('arch'), 'machine': element.get('machine')}


def virt_type(root):
    return root.get('type')


def emulator(root):
    return root.findtext('devices/emulator')


def devices_element(root):
    devices = root.find('devices')
    if devices is None:
        devices = etree.SubElement(root, 'devices')
    return devices


def devices(root):
    """Every device element, in document order (the emulator path is not a device)."""
    container = root.find('devices')
    if container is None:
        return []
    return [child for child in container if isinstance(child.tag, str) and child.tag != 'emulator']


def is_machine_q35(root):
    machine = os_type(root)['machine'] or ''
    return 'q35' in machine


# --- device identity and the abstract form ---------------------------------------------


# Where libvirt's domain schema puts a device's model (libvirt 9.0's domaincommon.rng, checked against the
# host's schema by tests/integration/test_schema_paths.py): a <model type> child for these kinds, no model at
# all for the device kinds below, the model attribute for every other kind.
MODEL_CHILD_KINDS = ('interface', 'video', 'shmem')
MODELLESS_KINDS = ('channel', 'serial', 'console', 'redirdev', 'smartcard', 'parallel', 'hub', 'graphics', 'audio',
                   'redirfilter')
# Device kinds libvirt 9.0's domaincommon.rng gives no <alias>, found by their type (graphics: one of each
# type), id (audio) or as the one set of USB redirection filters instead; an alias on one is refused up
# front. (A smartcard has none either: the pre-flight's schema check refuses one, with the schema's reason.)
ALIASLESS_KINDS = ('graphics', 'audio', 'redirfilter')
# The device kinds a domain has at most one of (the schema's <devices> makes them optional, the others
# zeroOrMore; checked by the same test): a spec of the kind is the one the domain has, whatever its model.
# Not the watchdog, which libvirt 9.1 takes several of.
SINGLE_DEVICE_KINDS = ('memballoon', 'vsock', 'iommu')


def device_model(element):
    """The device's model, where libvirt's schema puts it for the kind: an attribute, or <model type>."""
    if element.tag in MODEL_CHILD_KINDS:
        model = element.find('model')
        return model.get('type') if model is not None else None
    return None if element.tag in MODELLESS_KINDS else element.get('model')


def set_device_model(element, model):
    """Give the device the model (None: take it away), where libvirt's schema puts it for the kind."""
    if element.tag not in MODEL_CHILD_KINDS:
        if model is None:
            element.attrib.pop('model', None)
        else:
            element.set('model', model)
    elif model is None:
        remove_children(element, 'model')
    elif element.find('model') is not None:
        element.find('model').set('type', model)
    else:
        element.append(new_element('model', {'type': model}))


def device_alias(element):
    alias = element.find('alias')
    return alias.get('name') if alias is not None else None


def device_address(element):
    address = element.find('address')
    return dict(address.attrib) if address is not None else None


def filesystem_target(element):
    target = element.find('target')
    return target.get('dir') if target is not None else None


def is_serial_console(console):
    """Whether a <console> shows a serial port: target type serial, or none (libvirt makes that one the
    serial console)."""
    target = console.find('target')
    return target is None or target.get('type') in (None, 'serial')


def keeps_serial_console(root):
    """Whether libvirt would add a serial console to root: an HVM domain with a serial port shows the first
    one as its first console, and puts one there when its first console is none such (virDomainDefAddConsoleCompat,
    probed with libvirt 9.0: removing it alone changes nothing)."""
    consoles = find_devices(root, 'console')
    return (root.findtext('os/type') == 'hvm' and bool(find_devices(root, 'serial'))
            and not (consoles and is_serial_console(consoles[0])))


def put_back_serial_console(root):
    """root (in place) with the serial console libvirt adds when it keeps one (keeps_serial_console): the
    first serial port's character device again, in front of the other consoles (probed with libvirt 9.0)."""
    if not keeps_serial_console(root):
        return root
    serial = find_devices(root, 'serial')[0]
    console = new_element('console', {'type': serial.get('type')} if serial.get('type') else {})
    for child in serial:
        if isinstance(child.tag, str) and child.tag not in ('target', 'address', 'alias'):
            console.append(copy.deepcopy(child))
    target = serial.find('target')
    port = target.get('port', '0') if target is not None else '0'
    console.append(new_element('target', {'type': 'serial', 'port': port}))
    for alias in serial.findall('alias'):
        console.append(copy.deepcopy(alias))
    consoles = find_devices(root, 'console')
    if consoles:
        consoles[0].addprevious(console)
    else:
        (find_devices(root, 'parallel') or find_devices(root, 'serial'))[-1].addnext(console)
    _indent_like_siblings(devices_element(root), console)
    return root


def character_target(element):
    """The attributes of a character device's <target> (a serial port's type and port, a channel's type and
    name), by which libvirt finds it, without the connection state a running domain shows; or None."""
    target = element.find('target')
    if target is None or not target.attrib:
        return None
    return {name: value for name, value in target.attrib.items() if name != 'state'}


def disk_target(element):
    target = element.find('target')
    return target.get('dev') if target is not None else None


def controller_needed(element):
    """The type of controller a device hangs on that libvirt adds to a domain lacking one: 'scsi' for a SCSI
    disk, 'virtio-serial' for a virtio channel or console; None for other devices."""
    if element.tag == 'disk' and disk_bus(element) == 'scsi':
        return 'scsi'
    target = element.find('target')
    if element.tag in ('channel', 'console') and target is not None and target.get('type') == 'virtio':
        return 'virtio-serial'
    return None


def disk_bus(element):
    target = element.find('target')
    return target.get('bus') if target is not None else None


def interface_mac(element):
    mac = element.find('mac')
    return mac.get('address') if mac is not None else None


def device_bus(element):
    if element.tag == 'disk':
        return disk_bus(element)
    return element.get('bus')


def natural_key(element):
    """A user alias, else what libvirt keys the device on, else its alias, else (for kinds libvirt keys on
    nothing of their own, or an element that leaves the key out) kind, type and model."""
    alias = device_alias(element)
    if alias and alias.startswith('ua-'):
        return ('alias', alias)
    key = libvirt_key(element)
    if key is not None:
        return key
    if alias:
        return ('alias', alias)
    return generic_key(element)


def generic_key(element):
    return (element.tag, element.get('type'), device_model(element))


def libvirt_key(element):
    """What libvirt finds a device of the kind by, or None: a kind it keys on nothing of its own, or an
    element (a spec) that leaves the key out."""
    kind = element.tag
    if kind == 'disk':
        return (kind, disk_target(element))
    if kind == 'interface':
        return (kind, (interface_mac(element) or '').lower())
    if kind == 'controller':
        # A USB 2 set's ehci master and its uhci companions share one index.
        return (kind, element.get('type'), element.get('index'), element.get('model'))
    if kind == 'input':
        return (kind, element.get('type'), element.get('bus'))
    if kind in SINGLE_DEVICE_KINDS or kind == 'redirfilter':
        # libvirt's parser, not its schema, takes one redirfilter ("only one set of redirection filter rule
        # is supported")
        return (kind,)
    if kind in ('graphics', 'audio'):
        # a domain has one graphics device of each type (the QEMU driver refuses a second); audio backends
        # are numbered by their id
        name = element.get('type') if kind == 'graphics' else element.get('id')
        return (kind, name) if name else None
    if kind in ('filesystem', 'shmem'):
        # a filesystem's target dir is the tag the guest mounts it by; a shmem is known by its name
        name = filesystem_target(element) if kind == 'filesystem' else element.get('name')
        return (kind, name) if name else None
    if kind in ('serial', 'parallel', 'console'):
        # serial and parallel ports are numbered across their kind; consoles per target type
        target = element.find('target')
        port = target.get('port') if target is not None else None
        if port is None:
            return None
        if kind == 'console':
            # libvirt makes a console without a target type the serial console (virDomainDefAddConsoleCompat)
            return (kind, target.get('type') or 'serial', port)
        return (kind, port)
    if kind == 'channel':
        known_by = channel_target(element)
        return (kind,) + known_by if known_by is not None else None
    if kind == 'hostdev':
        source = hostdev_source(element)
        return (kind, element.get('mode', 'subsystem'), element.get('type'), source) if source else None
    if kind == 'memory':
        # libvirt finds a memory device by its model, size and guest NUMA node (virDomainMemoryFindByDef)
        size = memory_kib(element.find('target/size'))
        return (kind, element.get('model'), size, (element.findtext('target/node') or '').strip()) if size else None
    return None


# <source> attributes that say how to treat a host device, not which one it is (a USB device's
# startupPolicy and guestReset are left out with everything but its ids or address).
HOSTDEV_POLICIES = ('writeFiltering',)


def hostdev_source(element):
    """The host device a <hostdev> passes through, as libvirt matches it: a USB device by vendor and
    product when its source gives them (a running domain's shows the address a start found as well),
    else by bus and device; other types by the attributes of their <source> and of the elements in it
    (PCI address, SCSI adapter and address, wwpn, mdev uuid), numbers by value (bus='0x05' is bus='5'),
    credentials left out. An empty tuple without a source."""
    source = element.find('source')
    if source is None:
        return ()
    if element.get('type') == 'usb':
        wanted = usb_source(source)
        return tuple((name, wanted.get(name)) for name in (
            ('vendor', 'product') if 'vendor' in wanted else ('bus', 'device')))
    found = []
    for node in source.iter():
        if not isinstance(node.tag, str) or node.tag == 'auth' or node.getparent().tag == 'auth':
            continue
        attributes = tuple(sorted((name, _by_value(value)) for name, value in node.attrib.items()
                                  if name not in HOSTDEV_POLICIES))
        found.append((node.tag, attributes))
    return tuple(found)


def _by_value(text):
    number = xml_number(text)
    return str(number) if number is not None else text.lower()


def channel_target(element):
    """What a channel is known by inside the guest, or None: its target type with the port name of a
    virtio or xen channel, or the address and port of a guestfwd one. libvirt keys channels on it (a second
    one hot-plugged: "chardev already exists"), and QEMU takes one virtio port per name."""
    target = element.find('target')
    if target is None or target.get('type') is None:
        return None
    if target.get('type') == 'guestfwd':
        return ('guestfwd', target.get('address'), target.get('port'))
    return (target.get('type'), target.get('name'))


def without_medium(disk):
    """Whether a drive has no medium: no <source>, or one that names nothing."""
    source = disk.find('source')
    return source is None or (not source.attrib and len(source) == 0)


def qemu_start_refusal(root):
    """Why QEMU would refuse to start a definition libvirt takes and builds a command line for, or None
    (each rule measured with libvirt 9.0 and QEMU 7.2, QEMU's words quoted)."""
    repeated = repeated_port_name(root)
    if repeated:
        return 'virtio-serial-bus: A port already exists by name %s' % repeated
    empty = [disk_target(d) for d in disks(root, 'cdrom') if disk_bus(d) == 'usb' and without_medium(d)]
    if empty:
        return 'usb-storage: drive property not set (the USB cdrom %s has no medium)' % ', '.join(empty)
    if memory_hotplug_without_acpi(root):
        return 'memory hotplug is not enabled: missing acpi device or acpi disabled (a DIMM needs <features><acpi/>)'
    return None


# Memory device models QEMU plugs as DIMMs, through ACPI on x86, at start as at a hot-plug.
DIMM_MODELS = ('dimm', 'nvdimm')


def memory_hotplug_without_acpi(root, devices=None):
    """Whether root, an x86 definition without ACPI, has a DIMM among devices (default: its own)."""
    devices = find_devices(root, 'memory') if devices is None else devices
    return (os_type(root)['arch'] in X86_ARCHES and root.find('features/acpi') is None
            and any(d.tag == 'memory' and d.get('model') in DIMM_MODELS for d in devices))


def virtio_port_name(channel):
    """The name of a virtio channel's port (QEMU's virtio-serial port), or None."""
    target = channel_target(channel)
    return target[1] if target is not None and target[0] == 'virtio' else None


def repeated_port_name(root):
    """A virtio-serial port name two channels of root share, or None: QEMU refuses to start the second."""
    seen = set()
    for name in filter(None, map(virtio_port_name, find_devices(root, 'channel'))):
        if name in seen:
            return name
        seen.add(name)
    return None


def device_identity(element):
    """A key that names one device stably across reads of the same domain, unique in it.

    A user alias wins; otherwise the attributes libvirt itself keys the device on: the
    disk's target, the interface's MAC, the controller's type, index and model, the input's
    type and bus, and so on (libvirt_key); other devices by kind, type and model. Devices that
    share all of that (two video heads, two identical inputs or redirdevs) are told apart by
    their order: the second one's key ends in 1, the third's in 2.
    """
    key = natural_key(element)
    if key[0] == 'alias':
        return key
    parent = element.getparent()
    siblings = list(parent) if parent is not None else [element]
    twins = sum(1 for other in siblings[:siblings.index(element)]
                if isinstance(other.tag, str) and other.tag == element.tag and natural_key(other) == key)
    return key + (twins,) if twins else key


# What the abstract form's target is, per kind: a disk's device name, a filesystem's target dir, the
# <target> attributes of a character device.
_TARGETS = dict({'disk': disk_target, 'filesystem': filesystem_target},
                **{kind: character_target for kind in CHARACTER_DEVICES})


def abstract(element):
    """The abstract form of one device element, as the modules return it."""
    kind = element.tag
    form = {
        'kind': kind,
        'type': element.get('type'),
        'bus': device_bus(element),
        'model': device_model(element),
        'alias': device_alias(element),
        'target': _TARGETS[kind](element) if kind in _TARGETS else None,
        'mac': interface_mac(element) if kind == 'interface' else None,
        'index': None,
        'address': device_address(element),
    }
    if kind == 'disk':
        form['device'] = element.get('device', 'disk')
    if kind == 'controller':
        index = element.get('index')
        form['index'] = int(index) if index is not None and index.isdigit() else None
    return form


def device_label(element):
    """A device named in a message: its kind and alias (or target, MAC, type and bus)."""
    form = abstract(element)
    name = form['alias'] or (form['target'] if isinstance(form['target'], str) else None) or form['mac']
    names = [name] if name else [n for n in (form['type'], form['bus'], form['model']) if n]
    return ' '.join([element.tag] + names)


def selected(element, kinds):
    """kinds: None (every device), a tuple of element names, or a predicate on the element."""
    if kinds is None:
        return True
    if callable(kinds):
        return kinds(element)
    return element.tag in kinds


def abstract_devices(root, kinds=None):
    return [abstract(element) for element in devices(root) if selected(element, kinds)]


# What a running domain adds to a device's definition: runtime names and placement.
RUNTIME_CHILDREN = ('alias', 'address')
# An attribute defined with this value is picked by libvirt at start (a VNC or SPICE port).
PICKED_AT_START = '-1'
# The host-side names libvirt gives a NIC at start, which a definition does not keep (libvirt drops a
# target dev of these prefixes when it defines one).
GENERATED_NIC_NAMES = ('vnet', 'macvtap', 'macvlan')


def as_libvirt_keeps(device):
    """device (in place) as libvirt's post-parse rewrites it when it defines it (domain_postparse.c, probed
    with libvirt 9.0): SPICE graphics with no port, no TLS port and autoport off listens nowhere, so libvirt
    keeps <listen type='none'/> in place of its listen address."""
    if device.tag == 'graphics' and device.get('type') == 'spice':
        listens = device.findall('listen')
        no_port = all(device.get(port) in (None, '0') for port in ('port', 'tlsPort'))
        unplugged = device.get('autoport') != 'yes' and no_port
        if unplugged and len(listens) <= 1 and all(listen.get('type') in ('address', 'none') for listen in listens):
            for name in ('listen', 'autoport', 'port', 'tlsPort'):
                device.attrib.pop(name, None)
            for listen in listens:
                device.remove(listen)
            device.insert(0, new_element('listen', {'type': 'none'}))
    return device


# Where libvirt's QEMU driver makes the sockets of virtio channels given no path (qemu.conf's
# channel_target_dir, its default for qemu:///system); it drops a path under it from a definition
# (qemuDomainChrDefDropDefaultPath).
CHANNEL_TARGET_DIR = '/var/lib/libvirt/qemu/channel/'


def without_runtime_names(device):
    """device (in place) without what a running domain's XML shows that libvirt drops from a definition
    (probed with libvirt 9.0): QEMU's alias (a definition keeps a user alias, ua-..., alone), a NIC's
    generated host-side name, the index of a disk's images, a pty's path (and a console's tty), a channel's
    connection state and the socket libvirt made for it, the display ports picked at start (autoport).
    A disk its live XML shows (its image's index tells) also leaves out the empty <backingStore/> that ends
    the backing chain the start probed, which libvirt would keep if a definition gave it."""
    if device.tag == 'disk' and any('index' in source.attrib for source in device.iter('source')):
        for chain_end in device.findall('backingStore'):
            if not chain_end.attrib and len(chain_end) == 0:
                device.remove(chain_end)
    for alias in device.findall('alias'):
        if not (alias.get('name') or '').startswith('ua-'):
            device.remove(alias)
    if device.tag in CHARACTER_DEVICES:
        _without_runtime_source(device)
    if device.tag == 'graphics' and device.get('autoport') == 'yes':
        for picked in ('port', 'tlsPort'):
            if device.get(picked) != PICKED_AT_START:
                device.attrib.pop(picked, None)
    if device.tag == 'interface':
        for target in device.findall('target'):
            # a tap the user made (managed='no') keeps its name, whatever it looks like
            if target.get('managed') != 'no' and (target.get('dev') or '').startswith(GENERATED_NIC_NAMES):
                del target.attrib['dev']
                if not target.attrib and len(target) == 0:
                    device.remove(target)
    if device.tag == 'disk':
        for source in device.iter('source'):
            source.attrib.pop('index', None)
    return device


def _without_runtime_source(device):
    device.attrib.pop('tty', None)
    for target in device.findall('target'):
        target.attrib.pop('state', None)
    target = channel_target(device) if device.tag == 'channel' else None
    generated = device.get('type') == 'unix' and target is not None and target[0] == 'virtio'
    for source in device.findall('source'):
        path = source.get('path') or ''
        if device.get('type') == 'pty' or (generated and path.startswith(CHANNEL_TARGET_DIR)):
            source.attrib.pop('path', None)
            if source.get('mode') == 'bind':
                del source.attrib['mode']  # a socket without a path is one libvirt makes: bind is implied
            if not source.attrib and len(source) == 0:
                device.remove(source)


def cold_boot_pending(persistent, live, kinds=None):
    """Whether a device of these kinds is defined otherwise than it runs: only a cold boot applies it.

    Every defined device needs a live twin of its own: the same element, and every attribute,
    child element and text of the definition present in the live one. The live XML adds runtime
    state (aliases, addresses, source indexes, backing chains, tap names, pty paths, ports picked
    at start); that is not a difference. A device defined but not running, or running but no
    longer defined, is.
    """
    defined = [element for element in devices(persistent) if selected(element, kinds)]
    running = [element for element in devices(live) if selected(element, kinds)]
    if len(defined) != len(running):
        return True
    for element in defined:
        twin = next((candidate for candidate in running if _runs_as(element, candidate)), None)
        if twin is None:
            return True
        running.remove(twin)
    return False


def platform_pending(persistent, live):
    """Whether the machine type, the features or the clock are defined otherwise than the domain runs."""
    if os_type(persistent)['machine'] != os_type(live)['machine']:
        return True
    return not all(_present(defined, live, {}) for defined in (persistent.find('features'), persistent.find('clock'))
                   if defined is not None)


def _runs_as(defined, running):
    alias = device_alias(defined)
    if alias and alias.startswith('ua-') and device_alias(running) != alias:
        return False  # a user alias is configuration: it names the device for hot-unplug
    source = defined.find('source')
    # A drive without a medium loses its format at start.
    ignored = {'driver': ('type',)} if defined.tag == 'disk' and (source is None or not source.attrib) else {}
    return (defined.tag == running.tag and _same_attributes(defined, running, ())
            and all(_present(child, running, ignored) for child in defined
                    if isinstance(child.tag, str) and child.tag not in RUNTIME_CHILDREN))


def _same_attributes(defined, running, ignored):
    return all(running.get(name) == value for name, value in defined.attrib.items()
               if name not in ignored and value != PICKED_AT_START)


def _present(defined, running_parent, ignored):
    """Whether a child of the definition is among the running element's children, with its attributes,
    text and own children. ignored: attribute names to pass over, by element name."""
    for candidate in running_parent.findall(defined.tag):
        if (_same_attributes(defined, candidate, ignored.get(defined.tag, ()))
                and (defined.text or '').strip() == (candidate.text or '').strip()
                and all(_present(child, candidate, {}) for child in defined if isinstance(child.tag, str))):
            return True
    return False


def find_devices(root, kind, **attributes):
    found = []
    for element in devices(root):
        if element.tag != kind:
            continue
        if all(element.get(name) == value for name, value in attributes.items()):
            found.append(element)
    return found


def disks(root, device=None):
    return [element for element in find_devices(root, 'disk')
            if device is None or element.get('device', 'disk') == device]


def remove_address(element):
    remove_children(element, 'address')


def remove_children(element, *tags):
    """Remove every child element of element with one of these tags."""
    for tag in tags:
        for child in element.findall(tag):
            element.remove(child)


def append_device(root, element):
    """Append a device after the last one of its kind, where libvirt itself would put it."""
    container = devices_element(root)
    same_kind = [child for child in container if child.tag == element.tag]
    if same_kind:
        same_kind[-1].addnext(element)
    else:
        container.append(element)
    _indent_like_siblings(container, element)
    return element


def insert_in_order(parent, child, order):
    """Insert child before the first sibling that order puts after it (elements order does not name
    go last), so that the document keeps the order libvirt writes."""
    rank = order.index(child.tag) if child.tag in order else len(order)
    for position, other in enumerate(parent):
        if isinstance(other.tag, str) and other.tag in order and order.index(other.tag) > rank:
            parent.insert(position, child)
            return child
    parent.append(child)
    return child


def remove_device(element):
    parent = element.getparent()
    previous = element.getprevious()
    if element.tail is not None and previous is not None:
        previous.tail = element.tail
    elif element.tail is not None and previous is None:
        parent.text = element.tail
    parent.remove(element)


def _indent_like_siblings(container, element):
    siblings = [child for child in container if child is not element]
    if not siblings:
        return
    reference = siblings[0].getprevious()
    indent = (container.text if reference is None else reference.tail) or '\n'
    previous = element.getprevious()
    if previous is not None:
        element.tail = previous.tail
        previous.tail = indent
    else:
        element.tail = container.text
        container.text = indent


def device_xml(element):
    """One device as an XML snippet (for hot-plug), without its text tail."""
    snippet = copy.deepcopy(element)
    snippet.tail = None
    return etree.tostring(snippet, encoding='unicode')


def new_element(tag, attributes=None, children=()):
    element = etree.Element(tag, {k: str(v) for k, v in (attributes or {}).items() if v is not None})
    for child in children:
        element.append(child)
    return element


# --- effective hw_* properties ---------------------------------------------------------


def explicit_inputs(root):
    """The pointer and keyboard devices a domain defines beyond the implicit PS/2 pair."""
    return [element for element in find_devices(root, 'input')
            if element.get('type') in INPUT_TYPES and element.get('bus') != 'ps2']


def input_properties(root):
    """hw_pointer_model and hw_input_bus in canonical form, from the explicit input devices.

    The canonical values resolve back to the same devices through the input_devices
    filter: a lone USB tablet is 'usbtablet' (Nova's historic value), a lone USB mouse
    'mouse', a pointer and keyboard on one bus that pointer's type and bus.
    """
    inputs = explicit_inputs(root)
    pointer = next((e for e in inputs if e.get('type') in POINTER_TYPES), None)
    keyboard = next((e for e in inputs if e.get('type') == 'keyboard'), None)
    if pointer is None:
        return {'hw_pointer_model': None, 'hw_input_bus': keyboard.get('bus') if keyboard is not None else None}
    bus = pointer.get('bus')
    if keyboard is None and bus == 'usb':
        return {'hw_pointer_model': 'usbtablet' if pointer.get('type') == 'tablet' else 'mouse',
                'hw_input_bus': None}
    return {'hw_pointer_model': pointer.get('type'), 'hw_input_bus': bus}


def effective_properties(root):
    """The hw_* values the domain's devices have now, Nova's names."""

    def first(elements, read):
        return read(elements[0]) if elements else None

    videos = find_devices(root, 'video')
    primary = [v for v in videos if v.find('model') is not None and v.find('model').get('primary') == 'yes']
    properties = {
        'hw_disk_bus': first(disks(root, 'disk'), disk_bus),
        'hw_cdrom_bus': first(disks(root, 'cdrom'), disk_bus),
        'hw_floppy_bus': first(disks(root, 'floppy'), disk_bus),
        'hw_video_model': first(primary or videos, device_model),
        'hw_vif_model': first(find_devices(root, 'interface'), device_model),
        'hw_machine_type': os_type(root)['machine'],
    }
    properties.update(input_properties(root))
    return _canonical(properties)


def _canonical(properties):
    properties = {key: properties[key] for key in PROPERTY_KEYS}
    if properties['hw_vif_model'] in VIRTIO_FLAVOURS:
        properties['hw_vif_model'] = 'virtio'  # the flavour is virtio_model's business, not the NIC model's
    return properties


def properties_to_stash(root, applied=None):
    """The effective values, where a key that no device of the domain tells keeps the value applied now, else
    the one stashed: a choice for the next disk or cdrom holds while the domain has none."""
    properties = effective_properties(root)
    stashed = stashed_properties(root)
    for key in DEVICE_PROPERTY_KEYS:
        if properties[key] is None:
            properties[key] = (applied or {}).get(key, stashed.get(key))
    return _canonical(properties)


# --- the metadata stash ----------------------------------------------------------------


def _ns(tag):
    return '{%s}%s' % (METADATA_NS, tag)


def stashed_properties(root):
    """What the virtuned metadata holds: key -> value (None for a stashed "none")."""
    stash = root.find('metadata/' + _ns('properties'))
    if stash is None:
        return {}
    values = {}
    for element in stash:
        if not isinstance(element.tag, str) or not element.tag.startswith('{%s}' % METADATA_NS):
            continue
        key = etree.QName(element).localname
        if key in PROPERTY_KEYS:
            values[key] = (element.text or '').strip() or None
    return values


def stash_properties(root, properties):
    """Write the given hw_* values into the metadata, keeping other tools' metadata as is."""
    metadata = root.find('metadata')
    if metadata is None:
        metadata = etree.Element('metadata')
        # libvirt's order: name, uuid, genid, title, description, metadata (the schema insists).
        candidates = (root.find(tag) for tag in ('description', 'title', 'genid', 'uuid', 'name'))
        anchor = next(element for element in candidates if element is not None)
        anchor.addnext(metadata)
        metadata.tail = anchor.tail
    stash = metadata.find(_ns('properties'))
    if stash is None:
        stash = etree.SubElement(metadata, _ns('properties'), nsmap={METADATA_PREFIX: METADATA_NS})
    stashed = stashed_properties(root)
    merged = dict(stashed, **properties)
    if merged == stashed and len(stash):
        return merged  # the same values: libvirt's own layout of them stays, and the text compares equal
    for child in list(stash):
        stash.remove(child)
    for key in PROPERTY_KEYS:
        if key in merged:
            element = etree.SubElement(stash, _ns(key))
            if merged[key] is not None:
                element.text = merged[key]
    return merged


def drift(properties, stashed):
    """The stashed keys whose value no longer matches the domain's devices (none of a kind contradicts nothing)."""
    return sorted(key for key, value in stashed.items() if properties.get(key) != value
                  and not (key in DEVICE_PROPERTY_KEYS and properties.get(key) is None))


def libosinfo_os_id(root):
    element = root.find('metadata/{%s}libosinfo/{%s}os' % (LIBOSINFO_NS, LIBOSINFO_NS))
    return element.get('id') if element is not None else None
