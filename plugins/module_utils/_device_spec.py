# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Device specs: the abstract form (or an XML snippet) -> a device element, filled from the domain.

What virt_device and the device_xml filter share: checking a spec, building its element, filling
what it leaves out from the domain (policy, stashed hw_* values, the guest OS's recommendations,
then libvirt's defaults), and finding the device it names in a domain (user alias first, then the
natural key).
"""

from __future__ import annotations

import collections
import re

from ansible_collections.virtuned.libvirt.plugins.module_utils import _buses, _device_tables
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _recommend, _usb
from ansible_collections.virtuned.libvirt.plugins.module_utils._runner import Change
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption, VirtunedError

KINDS = ('disk', 'interface', 'controller', 'input', 'rng', 'video', 'sound', 'watchdog', 'channel', 'serial',
         'console', 'filesystem', 'hostdev', 'redirdev', 'memballoon', 'panic', 'vsock', 'tpm', 'smartcard', 'shmem',
         'parallel', 'hub', 'iommu', 'graphics', 'audio', 'memory', 'redirfilter')

# key -> (the Python types it takes, how the allowed values read in a message)
KEYS = {
    'kind': ((str,), 'one of the kinds'),
    'alias': ((str,), 'letters, digits, _ and -, with or without the ua- prefix'),
    'type': ((str,), 'a string'),
    'device': ((str,), 'disk, cdrom, floppy or lun'),
    'bus': ((str,), 'a string'),
    'model': ((str,), 'a string'),
    'source': ((str, dict), 'a path, or a dict of <source> attributes'),
    'target': ((str, dict), "a disk's device name (vdb), or a dict of <target> attributes"),
    'mac': ((str,), 'a MAC address'),
    'driver': ((dict,), 'a dict of <driver> attributes'),
    'boot_order': ((int,), 'an integer from 1'),
    'address': ((dict,), 'a dict of <address> attributes'),
    'index': ((int,), 'an integer'),
    'readonly': ((bool,), 'true or false'),
    'action': ((str,), "a watchdog's action (reset, poweroff, pause, dump, none…)"),
    'xml': ((str,), 'a device XML snippet'),
}
# libvirt keeps a user alias of these characters alone (virDomainDeviceInfoParseXML drops any other).
USER_ALIAS = re.compile(r'^ua-[A-Za-z0-9_-]+$')
# The aliases QEMU gives the devices of a running domain (virtio-disk0, net0, pci.1: QEMU's device ids).
RUNTIME_ALIAS = re.compile(r'^[A-Za-z][A-Za-z0-9_.-]*$')
ALIASES_ALLOWED = [KEYS['alias'][1], "the alias QEMU gave the device in the running domain (net0, pci.1), as "
                   "virt_device_info reports it"]
# libvirt shows the first serial port again as a <console> with its alias: one device, two elements.
SERIAL_CONSOLE = {'serial', 'console'}
# Where a plain-string source goes, per kind and type.
SOURCE_ATTRIBUTE = {('disk', 'file'): 'file', ('disk', 'block'): 'dev', ('disk', 'dir'): 'dir',
                    ('filesystem', 'mount'): 'dir', ('serial', 'file'): 'path', ('console', 'file'): 'path',
                    ('serial', 'dev'): 'path', ('channel', 'unix'): 'path'}
# Disk devices whose medium can be left out, changed and ejected (live as well).
REMOVABLE = ('cdrom', 'floppy')
# Children in the order libvirt writes them, per kind (others: the order of this list).
CHILD_ORDER = ('driver', 'mac', 'source', 'backend', 'target', 'model', 'readonly', 'boot', 'alias', 'address')
# spec key -> the hw_* value that fills it, per kind (and disk device)
FILLED_BY = {
    ('disk', 'disk'): 'hw_disk_bus',
    ('disk', 'cdrom'): 'hw_cdrom_bus',
    ('disk', 'floppy'): 'hw_floppy_bus',
    ('interface', None): 'hw_vif_model',
    ('video', None): 'hw_video_model',
    ('input', None): 'hw_input_bus',
}


def user_alias(alias):
    return alias if alias.startswith('ua-') else 'ua-' + alias


def check(spec, option='devices'):
    """Refuse what no domain could take: not a dict, an unknown kind or key, a key of the wrong type."""
    if not isinstance(spec, dict):
        raise InvalidOption(option, spec, ['a dict with kind (or xml) and the keys of the abstract device form'])
    unknown = sorted(set(spec) - set(KEYS))
    if unknown:
        raise InvalidOption('%s.%s' % (option, unknown[0]), spec[unknown[0]], sorted(KEYS),
                            reason='%s is not a key of a device spec' % unknown[0])
    for key, value in spec.items():
        types, allowed = KEYS[key]
        if value is not None and (not isinstance(value, types) or (isinstance(value, bool) and bool not in types)):
            raise InvalidOption('%s.%s' % (option, key), value, [allowed])
    if ('xml' in spec) == ('kind' in spec):
        raise InvalidOption(option, spec, ['a spec with kind', 'a spec with xml'],
                            reason='give either kind (the abstract form) or xml (a snippet)')
    if 'xml' in spec and set(spec) - {'xml', 'alias'}:
        raise InvalidOption(option, spec, ['xml alone, or xml with alias'],
                            reason='an xml snippet carries its own attributes')
    if 'kind' in spec and spec['kind'] not in KINDS:
        raise InvalidOption('%s.kind' % option, spec['kind'], KINDS)
    _refuse_alias_on_aliasless(spec.get('kind'), spec, option)
    if spec.get('alias') is not None and not (USER_ALIAS.match(user_alias(spec['alias']))
                                              or _may_be_runtime_alias(spec)):
        raise InvalidOption('%s.alias' % option, spec['alias'], ALIASES_ALLOWED)
    if spec.get('boot_order') is not None and spec['boot_order'] < 1:
        raise InvalidOption('%s.boot_order' % option, spec['boot_order'], [KEYS['boot_order'][1]])
    if spec.get('model') is not None and spec.get('kind') in dx.MODELLESS_KINDS:
        raise InvalidOption('%s.model' % option, spec['model'], ['no model on a %s' % spec['kind']],
                            reason="libvirt's schema gives a <%s> no model" % spec['kind'])


def _may_be_runtime_alias(spec):
    """Whether an abstract spec's alias could be QEMU's alias of a device of a running domain."""
    alias = spec.get('alias')
    return 'kind' in spec and bool(alias) and not alias.startswith('ua-') and bool(RUNTIME_ALIAS.match(alias))


def _refuse_unkept_alias(spec, option, reason):
    """Refuse an alias libvirt would not keep as a user alias (pci.1)."""
    if spec.get('alias') and not USER_ALIAS.match(user_alias(spec['alias'])):
        raise InvalidOption('%s.alias' % option, spec['alias'], ALIASES_ALLOWED,
                            reason="libvirt keeps no user alias with a '.', and " + reason)


def _refuse_alias_on_aliasless(kind, spec, option):
    if spec.get('alias') is not None and kind in dx.ALIASLESS_KINDS:
        raise InvalidOption('%s.alias' % option, spec['alias'], ['no alias on a %s' % kind],
                            reason="libvirt's schema gives a <%s> no alias: it is found by its %s"
                            % (kind, 'type' if kind == 'graphics' else 'id'))


def check_all(params):
    """Check every spec of params['devices'] before any domain is read; returns [(element, spec)]."""
    if params.get('unplug_timeout') is not None and params['unplug_timeout'] < 0:
        raise InvalidOption('unplug_timeout', params['unplug_timeout'], ['0 or more seconds'])
    _recommend.check_os_option(params)
    if not params['devices'] and not params.get('recommended'):
        raise InvalidOption('devices', params['devices'], ['one device spec or more, or recommended=true'])
    if params.get('recommended') and params.get('state', 'present') == 'absent':
        raise InvalidOption('recommended', True, ['false with state=absent'],
                            reason='recommendations add devices, they remove none')
    wanted, aliases = [], {}
    for position, spec in enumerate(params['devices']):
        option = 'devices[%d]' % position
        check(spec, option)
        element = element_of(spec, option)
        if not (_may_be_runtime_alias(spec) and _usb.is_usb_controller(element)):
            _refuse_repeated_alias(aliases, element, position)
        wanted.append((element, spec))
    return wanted


def _refuse_repeated_alias(aliases, element, position):
    """Refuse a user alias an earlier spec has (aliases: alias -> (position, kind), updated). QEMU gives
    companion USB controllers one alias (usb): check_all leaves theirs to plan, which knows whose it is."""
    alias = dx.device_alias(element)
    if alias in aliases and {element.tag, aliases[alias][1]} != SERIAL_CONSOLE:
        raise InvalidOption('devices[%d].alias' % position, alias, ['an alias no other spec of the task has'],
                            reason='devices[%d] has it too' % aliases[alias][0])
    if alias:
        aliases[alias] = (position, element.tag)


def element_of(spec, option='devices', new=False):
    """The device element a checked spec describes, as given (nothing filled from a domain).

    new: the element of a device to add, with the type, device and readonly flag a spec may leave
    out; without it, only what the spec names (to find a device, or to change one)."""
    if 'xml' in spec:
        try:
            element = dx.parse(spec['xml'], root_tag=None)
        except VirtunedError as exc:
            raise InvalidOption('%s.xml' % option, spec['xml'], [KEYS['xml'][1]], reason=exc.msg)
        if element.tag not in KINDS:
            raise InvalidOption('%s.xml' % option, spec['xml'], ['a snippet of one of: %s' % ', '.join(KINDS)],
                                reason='<%s> is not a device' % element.tag)
        # a running domain's device, given back as it shows it, is the device it defines
        dx.without_runtime_names(element)
        _refuse_alias_on_aliasless(element.tag, spec, option)
        if spec.get('alias'):
            _set_child(element, 'alias', {'name': user_alias(spec['alias'])})
        return element
    kind = spec['kind']
    element = dx.new_element(kind)
    kind_type = spec.get('type') or (_default_type(spec) if new else None)
    if kind_type:
        element.set('type', kind_type)
    if kind == 'disk' and (spec.get('device') or new):
        element.set('device', spec.get('device') or 'disk')
    if spec.get('index') is not None:
        element.set('index', str(spec['index']))
    if spec.get('model'):
        dx.set_device_model(element, spec['model'])
    if spec.get('action'):
        element.set('action', spec['action'])
    if spec.get('bus') and kind != 'disk':
        element.set('bus', spec['bus'])
    if spec.get('driver'):
        _set_child(element, 'driver', spec['driver'])
    if spec.get('mac'):
        _set_child(element, 'mac', {'address': spec['mac']})
    _set_source(element, spec.get('source'), kind_type or _default_type(spec))
    target = spec.get('target')
    if kind == 'disk' and (target or spec.get('bus')):
        attributes = {'dev': target} if isinstance(target, str) else dict(target or {})
        attributes.setdefault('bus', spec.get('bus'))
        _set_child(element, 'target', attributes)
    elif isinstance(target, dict):
        _set_child(element, 'target', target)
    elif isinstance(target, str):
        _set_child(element, 'target', {'dir' if kind == 'filesystem' else 'dev': target})
    if kind == 'disk' and (spec.get('readonly') or (new and spec.get('readonly') is None
                                                    and spec.get('device') == 'cdrom')):
        _set_child(element, 'readonly', {})
    if spec.get('boot_order') is not None:
        _set_child(element, 'boot', {'order': spec['boot_order']})
    if spec.get('alias'):
        _set_child(element, 'alias', {'name': user_alias(spec['alias'])})
    if spec.get('address'):
        _set_child(element, 'address', spec['address'])
    return element


def _default_type(spec):
    kind, source = spec['kind'], spec.get('source')
    if kind == 'disk':
        return 'file'
    if kind == 'interface':
        if isinstance(source, dict):
            for key in ('network', 'bridge'):
                if key in source:
                    return key
        return 'user'
    if kind in ('serial', 'console'):
        return 'file' if isinstance(source, str) else 'pty'
    if kind == 'channel':
        return 'unix'
    if kind == 'redirdev':
        return 'spicevmc'
    if kind == 'filesystem':
        return 'mount'
    return None


def _set_source(element, source, kind_type):
    if source is None:
        return
    if element.tag == 'rng':
        backend = _set_child(element, 'backend', {'model': 'random'})
        backend.text = source if isinstance(source, str) else source.get('path', _device_tables.DEFAULT_RNG_SOURCE)
        return
    if isinstance(source, dict) or source == '':
        # source: '' (or {}) gives an empty <source/>: on a cdrom or floppy, no medium (see merged)
        _set_child(element, 'source', source or {})
        return
    attribute = SOURCE_ATTRIBUTE.get((element.tag, kind_type), 'path')
    _set_child(element, 'source', {attribute: source})


def _set_child(element, tag, attributes):
    """Put <tag attributes/> in element, instead of any it had, where libvirt writes it."""
    child = dx.new_element(tag, attributes)
    existing = element.findall(tag)
    if existing:
        existing[0].addprevious(child)
        for old in existing:
            element.remove(old)
        return child
    return dx.insert_in_order(element, child, CHILD_ORDER)


# --- finding the device a spec names ---------------------------------------------------


def find(root, element, option='devices'):
    """The device of root that element names (the first, see named); None when there is none."""
    devices = named(root, element, option)
    return devices[0] if devices else None


def named(root, element, option='devices', removing=False):
    """The devices of root that element names: the one holding its user alias; else those of its natural
    key (but none holding another user alias) and, among twins of one key (two video heads, two USB
    redirections, a NIC and the host NIC teamed with it under one MAC), those element would leave as they
    are, else those at the address element gives, else all. Removing, an address given (as
    virt_device_info reports it) names the devices at that address alone. Two devices with one alias
    are refused."""
    alias = dx.device_alias(element)
    if alias:
        same = [other for other in dx.devices(root) if dx.device_alias(other) == alias]
        if {other.tag for other in same} == SERIAL_CONSOLE and len(same) == 2:
            same = [other for other in same if other.tag == ('console' if element.tag == 'console' else 'serial')]
        if len(same) > 1:
            raise InvalidOption('%s.alias' % option, alias, ['an alias one device holds'],
                                reason='%d devices hold the alias %s' % (len(same), alias))
        if same:
            return same
    has_key = _has_key_of(element)
    found = [other for other in dx.devices(root) if has_key(other) and (
        not alias or not dx.device_alias(other) or not dx.device_alias(other).startswith('ua-'))]
    if removing and element.find('address') is not None:
        return [other for other in found if _at_address_of(element, other)]
    if len(found) > 1:
        return ([other for other in found if defined_alike(merged(other, element), other)]
                or [other for other in found if _at_address_of(element, other)] or found)
    return found


def _at_address_of(wanted, device):
    """Whether device is at the address wanted gives (the attributes it gives, read as libvirt reads them)."""
    address, current = wanted.find('address'), device.find('address')
    return address is not None and current is not None and bool(address.attrib) and all(
        dx.spelled_alike(current, name, value) for name, value in address.attrib.items())


def same_device(element, wanted):
    """Whether element is the device wanted names (by its user alias, else by its natural key)."""
    if element.tag != wanted.tag:
        return False
    alias = dx.device_alias(wanted)
    if alias:
        return dx.device_alias(element) == alias
    return _has_key_of(wanted)(element)


def _has_key_of(wanted):
    """A test of whether a device has the key wanted gives: libvirt's key for the kind, or, where wanted
    leaves that out (a serial port without a port number), its kind, type and model."""
    key = dx.libvirt_key
    wanted_key = key(wanted)
    if wanted_key is None:
        key = dx.generic_key
        wanted_key = key(wanted)
    return lambda other: other.tag == wanted.tag and key(other) == wanted_key


def identified(element):
    """Whether a device can be found again: by a user alias, or by a natural key libvirt will not
    make up (a disk's target, an interface's MAC)."""
    if dx.device_alias(element):
        return True
    if element.tag == 'disk':
        return dx.disk_target(element) is not None
    if element.tag == 'interface':
        return dx.interface_mac(element) is not None
    return True


def merged(existing, wanted):
    """existing with every attribute, child element and text wanted gives: what the device becomes.
    What wanted does not name (a target's bus, the address) stays; an empty <source/> takes the medium
    out of a cdrom or floppy."""
    result = dx.clone(existing)
    _overlay(result, wanted)
    if _asks_no_medium(wanted):
        _take_medium_out(result)
    return result


def defined_alike(device, existing):
    """Whether device (existing with a spec merged in) is the device existing is, both read as libvirt keeps
    a device it defines (dx.as_libvirt_keeps): a definition libvirt wrote is in that form already, a
    document libvirt has not read yet (another tool's file) may not be."""
    return dx.same_document(device, existing) or dx.same_document(
        dx.as_libvirt_keeps(dx.clone(device)), dx.as_libvirt_keeps(dx.clone(existing)))


def _asks_no_medium(element):
    """Whether a wanted disk has an empty <source/> (source: '' or {}): a drive without a medium."""
    source = element.find('source') if element.tag == 'disk' else None
    return source is not None and not source.attrib and len(source) == 0


def _take_medium_out(disk):
    # An empty drive is type='file' whatever held its medium: libvirt writes it so, and its schema
    # wants a source in a network disk. The 'fat' format (a directory shown as a FAT image) goes with
    # the directory: libvirt refuses it on a file drive.
    disk.set('type', 'file')
    dx.remove_children(disk, 'source', 'backingStore')
    driver = disk.find('driver')
    if driver is not None and driver.get('type') == 'fat':
        del driver.attrib['type']


def _new_drive_medium(device, option, spec):
    """A new device with an empty source: a cdrom or floppy without a medium; refused on other devices."""
    _refuse_empty_source(device, device, option, spec)
    if _asks_no_medium(device):
        _take_medium_out(device)


def _refuse_empty_source(wanted, device, option, spec):
    """An empty source is for a removable drive only: a disk without a source has nothing to run on.
    device: the disk it applies to (the existing one, or the new one)."""
    kind = device.get('device', 'disk')
    if _asks_no_medium(wanted) and kind not in REMOVABLE:
        named = dx.disk_target(device) or dx.device_alias(device)
        raise InvalidOption('%s.source' % option, spec.get('source', spec.get('xml')),
                            ['a path', 'a dict of <source> attributes', "'' (no medium) on a cdrom or floppy"],
                            reason=('the %s %s' % (kind, named) if named else 'a %s' % kind) + ' cannot be empty')


def _overlay(element, wanted):
    if dx.same_quantity(element, wanted):
        return  # a size in another unit (<size unit='GiB'>1</size>): libvirt's number and unit stay
    for name, value in wanted.attrib.items():
        # libvirt's spelling of the same value stays: a spec's own spelling would read back as a change
        if not dx.spelled_alike(element, name, value):
            element.set(name, value)
    if wanted.text and wanted.text.strip():
        element.text = wanted.text
    # A child that repeats (a network disk's hosts, a UDP chardev's two sources) goes onto the one at its
    # position among those of its tag, and the element keeps as many of the tag as wanted gives: a list
    # given is the list.
    positions = collections.Counter()
    for child in wanted:
        if not isinstance(child.tag, str):
            continue
        same = element.findall(child.tag)
        position = positions[child.tag]
        positions[child.tag] += 1
        if position < len(same):
            current = same[position]
        elif same:
            current = dx.new_element(child.tag)
            same[-1].addnext(current)
        else:
            current = _set_child(element, child.tag, {})
        _overlay(current, child)
    for tag, count in positions.items():
        for extra in element.findall(tag)[count:]:
            element.remove(extra)


# --- filling what a spec leaves out ----------------------------------------------------


def fill(root, element, spec, policy=None):
    """Fill what the spec left out for a device new to root: from the policy, the domain's stashed
    hw_* values, its guest OS's recommendations, then libvirt's defaults. Returns {key: where from}."""
    filled = {}
    if 'xml' in spec:
        return filled
    kind = element.tag
    property_key = FILLED_BY.get((kind, element.get('device', 'disk') if kind == 'disk' else None))
    if property_key and not spec.get('bus' if kind in ('disk', 'input') else 'model'):
        value, origin = _hw_value(root, property_key, policy)
        if kind == 'disk':
            value, origin = (value, origin) if value else _default_disk_bus(root, element, spec)
            target = element.find('target')
            if target is None:
                target = _set_child(element, 'target', {})
            target.set('bus', value)
            filled['bus'] = origin
        elif value:
            if kind == 'input':
                element.set('bus', value)
                filled['bus'] = origin
            else:
                _set_child(element, 'model', {'type': value})
                filled['model'] = origin
    if kind == 'disk':
        bus = dx.disk_bus(element)
        if not dx.disk_target(element):
            element.find('target').set('dev', _buses.free_target(root, bus))
            filled['target'] = 'the next free name on %s' % bus
        target = element.find('target')
        attributes = dict(target.attrib)  # dev before bus, as libvirt writes them
        target.attrib.clear()
        for name in sorted(attributes, key=lambda n: (n != 'dev', n != 'bus')):
            target.set(name, attributes[name])
    if kind == 'rng':
        filled.update(_fill_rng(element))
    if dx.controller_needed(element) == 'scsi' and _buses.ensure_scsi_controller(root):
        filled['controller'] = 'a virtio-scsi controller, as the domain had none'
    if dx.controller_needed(element) == 'virtio-serial' and _buses.ensure_controller(root, 'virtio-serial'):
        filled['controller'] = 'a virtio-serial controller, as the domain had none'
    if policy and policy.get('virtio_model'):
        flavour, origin = _device_tables.VIRTIO_FLAVOUR[policy['virtio_model']], 'policy virtio_model'
    else:
        flavour = _buses.domain_flavour(root)
        origin = "%s, like the domain's virtio devices" % flavour
    if flavour != 'virtio' and not _explicit_flavour(spec) and _buses.virtio_holder(element) is not None:
        _buses.set_flavour(element, flavour)
        filled['model'] = origin
    return filled


def _fill_rng(element):
    """A new RNG's model and source when the spec leaves them out: virtio (libvirt's one RNG model for QEMU)
    fed from the default source; libvirt's schema requires both."""
    filled = {}
    if not element.get('model'):
        element.set('model', 'virtio')
        filled['model'] = "virtio, libvirt's RNG model for QEMU"
    if element.find('backend') is None:
        _set_source(element, _device_tables.DEFAULT_RNG_SOURCE, None)
        filled['source'] = 'a random backend on %s, as virt-install adds' % _device_tables.DEFAULT_RNG_SOURCE
    return filled


def _explicit_flavour(spec):
    return 'transitional' in (spec.get('model') or '')


def _hw_value(root, key, policy):
    if policy and policy.get(key):
        return policy[key], 'policy %s' % key
    stashed = dx.stashed_properties(root)
    if stashed.get(key):
        return stashed[key], 'the stashed %s' % key
    recommended, _message = _recommend.for_domain(root)
    if recommended.get(key, {}).get('value'):
        return recommended[key]['value'], 'recommended %s: %s' % (key, recommended[key]['reason'])
    return None, None


def _default_disk_bus(root, element, spec):
    target = spec.get('target') if isinstance(spec.get('target'), str) else None
    for prefix, bus in (('vd', 'virtio'), ('sd', 'scsi'), ('hd', 'ide'), ('fd', 'fdc')):
        if target and target.startswith(prefix):
            return bus, "libvirt's bus for a %sX target" % prefix
    device = element.get('device', 'disk')
    if device == 'cdrom':
        bus = 'sata' if dx.is_machine_q35(root) else 'ide'
        return bus, 'the built-in %s of the machine' % bus
    if device == 'floppy':
        return 'fdc', 'the floppy controller'
    return 'virtio', 'the default for a disk'


# --- the plan for one domain -----------------------------------------------------------

# Changes libvirt applies to a running device in place (virDomainUpdateDeviceFlags): media of
# removable disks, and interface settings (see live_update).
LIVE_UPDATES = (('disk', 'cdrom'), ('disk', 'floppy'), ('interface', None))
# What libvirt 9.0 changes on a running interface (qemuDomainChangeNet): its link state, whatever
# backs it; where a tap on a host bridge backs it, also the bridge, the bandwidth and the filter. Other
# changes it refuses ("cannot modify network device model from virtio to e1000", "cannot modify MTU")
# or, on a user-mode interface, takes without applying them: they wait for a cold boot.
INTERFACE_LIVE_CHILDREN = ('link',)
TAP_INTERFACE_TYPES = ('bridge', 'network')
TAP_INTERFACE_LIVE_CHILDREN = ('source', 'bandwidth', 'filterref')


def live_update(running, element):
    """The device to hand to virDomainUpdateDeviceFlags so that the running device takes what element asks
    and libvirt changes in place, or None when none of that changes."""
    wanted = merged(running, element)
    if running.tag == 'disk':
        return _medium_update(running, wanted)
    return _interface_update(running, wanted)


def _interface_update(running, wanted):
    """The running interface with what libvirt changes in place taken from wanted, or None."""
    children = INTERFACE_LIVE_CHILDREN
    if running.get('type') in TAP_INTERFACE_TYPES and wanted.get('type') == running.get('type'):
        children += TAP_INTERFACE_LIVE_CHILDREN
    changing = [tag for tag in children if not _same_children(running, wanted, tag)]
    if not changing:
        return None
    update = dx.clone(running)
    for tag in changing:
        _take_children(update, wanted, tag)
    return update


def _medium_update(running, wanted):
    """The running drive with wanted's medium (its source, with the disk type and format that go with it), or
    None when the medium stays. libvirt 9.0 changes nothing else on a running removable drive: it refuses a
    cache mode or serial change ("cannot modify field 'cache' of the disk") and the medium with it, and takes a
    readonly change without applying it; those wait for a cold boot."""
    disk_type, medium_format = _medium_kind(wanted)
    if _medium_kind(running) == (disk_type, medium_format) and _same_children(running, wanted, 'source'):
        return None
    update = dx.clone(running)
    update.set('type', disk_type)
    dx.remove_children(update, 'backingStore')  # the old medium's
    _take_children(update, wanted, 'source')
    driver = update.find('driver')
    if driver is not None:
        driver.attrib.pop('type', None)
        if medium_format:
            driver.set('type', medium_format)
    return update


def _medium_kind(disk):
    """The disk type and the format of a drive's medium."""
    driver = disk.find('driver')
    return disk.get('type'), driver.get('type') if driver is not None else None


def _take_children(update, wanted, tag):
    """Give update wanted's children of that tag in place of its own."""
    dx.remove_children(update, tag)
    for child in wanted.findall(tag):
        update.append(dx.clone(child))


def _same_children(left, right, tag):
    ours, theirs = left.findall(tag), right.findall(tag)
    return len(ours) == len(theirs) and all(dx.same_document(a, b) for a, b in zip(ours, theirs))


def in_scope(element, wanted, params):
    """Whether virt_device reports on (and judges the cold-boot need of) a device: a wanted one, or one
    that its recommendations touch."""
    return any(same_device(element, w) or _shows_runtime_alias(element, s) for w, s in wanted) or (
        bool(params.get('recommended')) and recommendations_touch(element))


def _shows_runtime_alias(element, spec):
    """Whether element, a running domain's device, holds the alias QEMU gave it that spec names it by."""
    return _may_be_runtime_alias(spec) and element.tag == spec['kind'] and dx.device_alias(element) == spec['alias']


def recommendations_touch(element):
    """The devices recommended: true may add or change: rng, memballoon, channels and their virtio-serial
    controller, USB controllers, and the devices on USB (whose ports libvirt places again)."""
    return element.tag in ('rng', 'memballoon', 'channel') or _usb.on_usb(element) or (
        element.tag == 'controller' and element.get('type') in ('usb', 'virtio-serial'))


def _with_recommended(state, after, wanted, params, report):
    """wanted and the devices recommended for the domain's guest OS; gives its USB controller the
    recommended model (cold plug, in after)."""
    found, message = _recommend.for_domain(state.before, params.get('os'), state.capabilities())
    report.update(_recommend.report(found, message))
    given = {element.tag for element, _spec in wanted}
    extra = [(element_of(spec), spec) for spec in _recommend.device_specs(after, found, given)]
    usb_model = found.get('usb_model', {}).get('value')
    if usb_model and not any(_usb.is_usb_controller(element) for element, _spec in wanted):
        _usb.use_model(after, usb_model)
    return list(wanted) + extra


def plan(state, wanted, params):
    """The Change that gives one domain the wanted devices (present) or takes them away (absent)."""
    after = dx.clone(state.before)
    live = state.live if state.running and params.get('live', 'auto') == 'auto' else None
    attach, detach, update, filled = [], [], [], {}
    report = {'filled': filled}
    if params.get('recommended'):
        wanted = _with_recommended(state, after, wanted, params, report)
    removing = params.get('state', 'present') == 'absent'
    aliases, serial_consoles = {}, []
    for position, (element, spec) in enumerate(wanted):
        option = 'devices[%d]' % position
        element, spec = _named_by_runtime_alias(element, spec, after, state.live if state.running else None,
                                                option, removing)
        _refuse_repeated_alias(aliases, element, position)
        if removing:
            for device in named(after, element, option, removing=True):  # twins share a key: every one named
                _remove(after, device)
                if device.tag == 'console' and dx.is_serial_console(device):
                    serial_consoles.append((option, spec))
            if live is not None:
                detach.extend(named(live, element, option, removing=True))
            continue
        existing = find(after, element, option)
        running = find(live, element, option) if live is not None else None
        if existing is None:
            device = element_of(spec, option, new=True)
            _refuse_missing_mount_tag(device, option)
            _refuse_used_target(after, device, option)
            _refuse_used_port_name(after, device, option)
            _new_drive_medium(device, option, spec)
            origins = fill(after, device, spec)
            if not identified(device):
                raise InvalidOption('%s.alias' % option, None, ['an alias', 'a target' if device.tag == 'disk'
                                                                else 'a mac'],
                                    reason='without either, the new %s could not be found again' % device.tag)
            dx.append_device(after, device)
            if device.tag == 'serial':
                dx.put_back_serial_console(after)  # libvirt shows a first serial port as a console too
            if origins:
                filled[_label(device)] = origins
            if live is not None and running is None:
                attach.append(device)
            continue
        _refuse_empty_source(element, existing, option, spec)
        device = merged(existing, _keeping_flavour(element, existing))
        if defined_alike(device, existing):
            continue
        existing.getparent().replace(existing, device)
        _refuse_used_port_name(after, device, option)
        kind = (device.tag, device.get('device') if device.tag == 'disk' else None)
        in_place = live_update(running, element) if running is not None and kind in LIVE_UPDATES else None
        if in_place is not None:
            update.append(in_place)
    _refuse_removing_the_serial_console_alone(after, serial_consoles)
    return Change(state, after, attach, detach, report=report, update=update)


def _named_by_runtime_alias(element, spec, root, live, option, removing):
    """(element, spec) as they name a device of root. virt_device_info reports a running domain's devices
    with the aliases QEMU gave them (net0, pci.1): an abstract spec whose alias, given without ua-, is the
    one the running domain (live) shows on the very device the spec names without it, names that device by
    its runtime name, which is written nowhere (a definition keeps no QEMU alias). A device holding the
    user alias ua-<alias> wins; an alias libvirt would not keep as a user alias must be a runtime name."""
    if not _may_be_runtime_alias(spec) or any(dx.device_alias(d) == dx.device_alias(element) for d in dx.devices(root)):
        return element, spec
    without = dx.clone(element)
    without.remove(without.find('alias'))
    # QEMU gives companion USB controllers one alias (usb): the device named must be one of its holders
    holders = [device for device in (dx.devices(live) if live is not None else ())
               if device.tag == element.tag and dx.device_alias(device) == spec['alias']]
    if holders and any(device in holders for device in named(live, without, option, removing)):
        return without, dict(spec, alias=None)
    _refuse_unkept_alias(spec, option, 'the running domain shows it on no device this spec names')
    return element, spec


def _remove(root, element):
    """Remove a device; a serial port takes the <console> that shows it along (libvirt would make the
    serial port again from that console), and the next serial port gets one."""
    if element.tag == 'serial':
        for console in dx.find_devices(root, 'console'):
            if _port(console) == ('serial', _port(element)[1]):
                dx.remove_device(console)
    dx.remove_device(element)
    if element.tag == 'serial':
        dx.put_back_serial_console(root)  # the next serial port's, as libvirt shows it


def _refuse_removing_the_serial_console_alone(root, removed):
    """removed: (option, spec) of each serial console a plan removes from root. libvirt would put one back
    (dx.keeps_serial_console) while a serial port stays; the serial port takes it along."""
    if removed and dx.keeps_serial_console(root):
        option, spec = removed[0]
        raise InvalidOption(option, spec, ['the serial port it shows (kind serial), which takes it along'],
                            reason='libvirt shows the first serial port as this console, and puts it back while '
                                   'the port stays')


def _port(element):
    target = element.find('target')
    if target is None:
        return None, '0'
    return target.get('type'), target.get('port', '0')


def _refuse_missing_mount_tag(filesystem, option):
    if filesystem.tag == 'filesystem' and dx.filesystem_target(filesystem) is None:
        raise InvalidOption('%s.target' % option, None, ['the tag the guest mounts the filesystem by'],
                            reason='libvirt defines no filesystem without a target, and finds filesystems by it')


def _refuse_used_target(root, disk, option):
    target = dx.disk_target(disk) if disk.tag == 'disk' else None
    holder = next((d for d in dx.disks(root) if target and dx.disk_target(d) == target), None)
    if holder is not None:
        used = sorted(dx.disk_target(d) for d in dx.disks(root))
        raise InvalidOption('%s.target' % option, target, ['a target no disk uses (in use: %s)' % ', '.join(used)],
                            reason='the disk %s holds it' % _label(holder))


def _refuse_used_port_name(root, channel, option):
    """A virtio channel may not take the port name another channel of root has: libvirt defines the
    two, QEMU does not start the domain (dx.repeated_port_name)."""
    name = dx.virtio_port_name(channel) if channel.tag == 'channel' else None
    if not name:
        return
    others = [other for other in dx.find_devices(root, 'channel') if other is not channel]
    holder = next((other for other in others if dx.virtio_port_name(other) == name), None)
    if holder is not None:
        used = sorted(set(filter(None, map(dx.virtio_port_name, others))))
        reason = 'the channel %s has it, and QEMU starts no domain with two virtio ports of one name' % (
            dx.device_alias(holder) or 'without an alias')
        allowed = ['a name no other channel has (in use: %s)' % ', '.join(used)]
        raise InvalidOption('%s.target.name' % option, name, allowed, reason=reason)


def _keeping_flavour(element, existing):
    """A spec's plain virtio model leaves the device's transitional or non-transitional flavour as it is
    (fill gave it to the new device)."""
    if dx.device_model(element) != 'virtio' or 'transitional' not in (dx.device_model(existing) or ''):
        return element
    element = dx.clone(element)
    dx.set_device_model(element, None)
    return element


def _label(element):
    alias = dx.device_alias(element)
    if alias:
        return alias
    if element.tag == 'disk':
        return 'disk %s' % dx.disk_target(element)
    if element.tag == 'interface':
        return 'interface %s' % dx.interface_mac(element)
    return element.tag


def snippet(spec, domain_xml=None, policy=None):
    """The device XML virt_device would use for spec on that domain (the device_xml filter)."""
    check(spec, 'spec')
    _refuse_unkept_alias(spec, 'spec', 'a snippet names no device of a running domain')
    root = dx.parse(domain_xml) if domain_xml is not None else None
    if root is not None:
        wanted = element_of(spec, 'spec')
        existing = find(root, wanted, 'spec')
        if existing is not None:  # the device as the spec changes it, whole, as virt_device writes it
            return dx.device_xml(merged(existing, _keeping_flavour(wanted, existing)))
    element = element_of(spec, 'spec', new=True)
    _new_drive_medium(element, 'spec', spec)
    if root is not None:
        fill(root, element, spec, policy)
    elif policy:
        fill(dx.parse('<domain><devices/></domain>'), element, spec, policy)
    return dx.serialize(element)
