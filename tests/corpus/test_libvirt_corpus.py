"""Every edit of every module over libvirt's own test domain XMLs, checked by the real libvirtd.

The corpus is the installed libvirt's tests/qemuxml2argvdata and tests/qemuxml2xmloutdata
(scripts/libvirt-corpus.sh fetches them). Each schema-valid x86 file is made to fit this host
(TCG, the local emulator, the unversioned machine type of its family); then every value of every
option of virt_device_bus, virt_input and virt_usb_controller, the addition, change and removal of
devices of many kinds with virt_device, and every platform option of virt_machine, is planned on
it with the modules' own code. Each plan must either be refused with an InvalidOption (a clear
message, nothing written) or give a definition that libvirt's schema accepts, that planning again leaves as it is,
that touches nothing outside what the module manages, and that libvirt's QEMU driver accepts,
unless it refuses the file's own definition too, which the count calls "not judged". What the
QEMU driver refuses is the pre-flight at work: the modules refuse it, with libvirt's reason,
before writing. The counts are printed.
"""

from __future__ import annotations

import collections
import glob
import json
import os
import re
import subprocess
import types

import libvirt
import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _buses, _device_spec, _device_tables, _inputs, _machine, _usb
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption
from ansible_collections.virtuned.libvirt.plugins.module_utils._hypervisor import Hypervisor

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
URI = os.environ.get('VIRTUNED_TEST_URI', 'qemu:///system')
EMULATOR = '/usr/bin/qemu-system-x86_64'
X86 = ('x86_64', 'i686')
CHUNKS = 4  # the files are split so that two workers share the two cores with libvirtd
REPORTS = os.path.join(REPO, 'build', 'corpus-report')


def bus_edits():
    values = {
        'disk_bus': ['virtio', 'scsi', 'sata', 'ide', 'usb', 'fdc'],
        'cdrom_bus': ['sata', 'scsi', 'ide', 'usb'],
        'floppy_bus': ['fdc'],
        'video_model': ['virtio', 'qxl', 'vga', 'cirrus', 'bochs', 'ramfb', 'vmvga', 'none'],
        'vif_model': list(_device_tables.VIF_MODELS),
        'scsi_model': list(_device_tables.SCSI_MODELS),
        'virtio_model': list(_device_tables.VIRTIO_MODELS),
    }
    edits = [{'pin': True}]
    edits += [{option: value} for option, choices in values.items() for value in choices]
    return edits


def input_edits():
    edits = []
    for pointer in (None,) + _inputs.POINTER_MODELS:
        for bus in (None,) + _inputs.INPUT_BUSES:
            if pointer == 'usbtablet' and bus == 'virtio':
                continue
            edits.append({'pointer_model': pointer, 'input_bus': bus, 'exclusive': True})
    edits.append({'devices': [{'type': 'tablet', 'bus': 'usb'}], 'state': 'absent'})
    return edits


def usb_edits():
    models = list(_usb.CHOICES)
    edits = [{'model': model} for model in models]
    edits += [{'model': 'qemu-xhci', 'count': 2, 'ports': 8}, {'model': 'usb2', 'state': 'absent'},
              {'model': None, 'index': 0, 'state': 'absent'}]
    return edits


def device_edits():
    image = '/var/lib/libvirt/images/corpus-data.img'
    added = [
        {'kind': 'disk', 'alias': 'data', 'source': image},
        {'kind': 'disk', 'alias': 'cd', 'device': 'cdrom'},
        {'kind': 'interface', 'alias': 'nic', 'type': 'user'},
        {'kind': 'rng', 'alias': 'rng', 'model': 'virtio', 'source': '/dev/urandom'},
        {'kind': 'input', 'alias': 'tablet', 'type': 'tablet', 'bus': 'usb'},
        {'kind': 'channel', 'alias': 'agent', 'target': {'type': 'virtio', 'name': 'org.qemu.guest_agent.0'}},
        {'kind': 'watchdog', 'alias': 'dog', 'model': 'i6300esb', 'action': 'reset'},
    ]
    edits = [{'devices': [spec]} for spec in added]
    edits.append({'devices': [{'kind': 'disk', 'target': 'vda', 'boot_order': 1}]})
    # Empty the drive at a target where cdroms and floppies often sit (refused where a disk or nothing is)
    edits += [{'devices': [{'kind': 'disk', 'target': target, 'source': ''}]} for target in ('hdc', 'sda', 'fda')]
    edits.append({'devices': [{'kind': 'disk', 'target': 'sda'}, {'kind': 'input', 'type': 'tablet', 'bus': 'usb'}],
                  'state': 'absent'})
    return edits


def device_plan(root, params, hypervisor):
    full = {'state': 'present', 'live': 'auto', 'unplug_timeout': 10}
    full.update(params)
    state = types.SimpleNamespace(before=root, before_xml=dx.serialize(root), running=False, live=None,
                                  capabilities=lambda: hypervisor.capabilities(root))
    after = _device_spec.plan(state, _device_spec.check_all(full), full).after
    # Any device, as the user gives it, can be one libvirt's schema refuses (a second watchdog): the
    # module's pre-flight refuses it before writing, with the schema's reason.
    errors = dx.schema_errors(hypervisor.schema(), dx.parse(dx.serialize(after)))
    if errors:
        raise InvalidOption('devices', params['devices'], reason="libvirt's domain schema refuses it: %s" % errors)
    return after


def machine_edits():
    return [{'machine_type': 'q35', 'allow_family_change': True}, {'pcie_free_ports': 3},
            {'features': sorted(_machine.FEATURES)}, {'pin': True},
            {'recommended': True, 'os': 'win11', 'allow_family_change': True}]


def machine_plan(root, params, hypervisor):
    full = {'machine_type': None, 'allow_family_change': False, 'pcie_free_ports': None, 'features': None,
            'pin': False, 'recommended': False, 'os': None}
    full.update(params)
    machines = _machine.machine_types(hypervisor, root)
    _machine.plan(root, full, machines, hypervisor.capabilities(root))


def bus_plan(root, params, hypervisor):
    full = dict.fromkeys(_buses.OPTIONS)
    full.update(params)
    _buses.plan(root, full, hypervisor.capabilities(root))


def input_plan(root, params, _hypervisor):
    full = {'pointer_model': None, 'input_bus': None, 'devices': None, 'state': 'present', 'exclusive': False}
    full.update(params)
    _inputs.plan(root, None, full)


def usb_plan(root, params, _hypervisor):
    full = {'model': None, 'index': None, 'count': 1, 'ports': None, 'state': 'present'}
    full.update(params)
    _usb.plan(root, full)


MODULES = {
    # what an OS's recommendations add: the USB 2 set and a transitional agent channel, then RHEL 9's devices
    'virt_device recommended': (device_plan, [{'devices': [], 'recommended': True, 'os': os_name}
                                              for os_name in ('rhel6.10', 'rocky9')],
                                _device_spec.recommendations_touch),
    'virt_device': (device_plan, device_edits(), ('disk', 'interface', 'rng', 'input', 'channel', 'watchdog',
                                                  'controller')),
    'virt_machine': (machine_plan, machine_edits(), None),
    'virt_device_bus': (bus_plan, bus_edits(), _buses.KINDS),
    'virt_input': (input_plan, input_edits(), ('input',)),
    'virt_usb_controller': (usb_plan, usb_edits(), ('controller',)),
}


def planned(plan, root, params, hypervisor):
    """The planned definition: root edited in place, or the new root a plan returns."""
    result = plan(root, params, hypervisor)
    return root if result is None else result


def corpus_files():
    folder = subprocess.run(['bash', os.path.join(REPO, 'scripts', 'libvirt-corpus.sh')], check=True,
                            capture_output=True, text=True).stdout.strip()
    return sorted(glob.glob(os.path.join(folder, '*', '*.xml')))


def fit_to_this_host(root):
    """TCG, the local emulator and the unversioned machine of the file's family."""
    root.set('type', 'qemu')
    dx.devices_element(root)
    emulator = root.find('devices/emulator')
    if emulator is None:
        emulator = dx.new_element('emulator')
        root.find('devices').insert(0, emulator)
    emulator.text = EMULATOR
    os_type = root.find('os/type')
    machine = os_type.get('machine') or ''
    os_type.set('machine', 'q35' if 'q35' in machine else 'pc')


def outside(root, kinds):
    """What a module must leave alone: every part but its device kinds and the metadata (with kinds
    None, a platform module: every device, the machine type, the features and the clock)."""
    copy = dx.clone(root)
    for element in list(copy):
        if element.tag == 'metadata' or (kinds is None and element.tag in ('os', 'features', 'clock')):
            copy.remove(element)
    for element in dx.devices(copy):
        if dx.selected(element, kinds):
            element.getparent().remove(element)
    return dx.normalized(copy)


def category(message):
    """A refusal's message with names and values taken out, to count refusals by reason."""
    message = re.sub(r"domain '[^']*': ", '', message)
    message = re.sub(r"'[^']*'", "'…'", message)
    message = re.sub(r'\d+', 'N', message)
    return message[:160]


def driver_refusal(hypervisor, xml_text):
    try:
        hypervisor.conn.domainXMLToNative('qemu-argv', xml_text, 0)
    except libvirt.libvirtError as exc:
        return exc.get_error_message()
    return None


@pytest.fixture(scope='module')
def hypervisor():
    with Hypervisor(URI) as connection:
        yield connection


@pytest.mark.parametrize('chunk', range(CHUNKS))
def test_every_edit_of_every_module_on_libvirts_test_domains(hypervisor, chunk):
    schema = hypervisor.schema()
    assert schema is not None, 'the corpus test needs the local libvirt schema'
    counts = collections.Counter()
    refused_up_front = collections.Counter()
    refused_by_libvirt = collections.Counter()
    failures = []
    for path in corpus_files()[chunk::CHUNKS]:
        name = '/'.join(path.split(os.sep)[-2:])
        answers = {}  # the QEMU driver's answer per definition: many edits of one file give the same one
        try:
            root = dx.parse(open(path, 'rb').read())
        except Exception:  # not a domain document (a few are fragments)
            counts['files not a domain'] += 1
            continue
        os_type = root.find('os/type')
        if os_type is None or os_type.get('arch', 'x86_64') not in X86 or os_type.text != 'hvm':
            counts['files not x86 hvm'] += 1
            continue
        valid = schema.validate(root)
        if valid != schema.validate(dx.anonymized(root)):  # the pre-flight asks about the anonymized one
            failures.append('%s: the schema judges the anonymized definition otherwise' % name)
        if not valid:
            counts['files the schema refuses'] += 1
            continue
        fit_to_this_host(root)
        counts['files'] += 1
        before_refusal = hypervisor.refusal(root)
        if not (before_refusal or '').startswith("libvirt's domain schema"):
            # The answer kept for a fleet (asked with fixed names, paths and serials) is the one
            # libvirt gives the definition itself, word for word.
            itself = driver_refusal(hypervisor, dx.serialize(dx.without_host_effects(root)))
            if before_refusal != (itself and "libvirt's QEMU driver: " + itself):
                failures.append('%s: the QEMU driver says %r of the definition, the pre-flight %r'
                                % (name, itself, before_refusal))
        if before_refusal is not None:
            counts['files libvirt refuses as they are (edits not judged by the QEMU driver)'] += 1
        for module, (plan, edits, kinds) in MODULES.items():
            for params in edits:
                where = '%s %s %r' % (name, module, params)
                after = dx.clone(root)
                counts['edits'] += 1
                try:
                    after = planned(plan, after, params, hypervisor)
                except InvalidOption as exc:
                    refused_up_front[category(exc.msg)] += 1
                    counts['edits refused up front'] += 1
                    continue
                except Exception as exc:  # a crash is a defect, whatever the input
                    failures.append('%s: crashed: %r' % (where, exc))
                    continue
                if dx.same_document(root, after):
                    counts['edits that change nothing'] += 1
                    continue
                counts['edits that change the definition'] += 1
                errors = dx.schema_errors(schema, dx.parse(dx.serialize(after)))
                if errors:
                    failures.append('%s: the schema refuses the result: %s' % (where, errors))
                    continue
                again = dx.clone(after)
                try:
                    again = planned(plan, again, params, hypervisor)
                except Exception as exc:
                    failures.append('%s: the second run fails: %r' % (where, exc))
                    continue
                if not dx.same_document(after, again):
                    failures.append('%s: not idempotent' % where)
                if outside(root, kinds) != outside(after, kinds):
                    failures.append('%s: touched what the module does not manage' % where)
                asked = dx.for_qemu_argv(after)
                if asked not in answers:
                    answers[asked] = hypervisor.refusal(after)
                reason = answers[asked]
                if reason is None:
                    counts['changes the QEMU driver accepts'] += 1
                elif before_refusal is not None:
                    counts['changes not judged (the file itself is refused)'] += 1
                else:
                    counts['changes the QEMU driver refuses: refused by the module before writing'] += 1
                    refused_by_libvirt['%s %s: %s' % (module, sorted(params), category(reason))] += 1
    os.makedirs(REPORTS, exist_ok=True)
    with open(os.path.join(REPORTS, 'chunk-%d.json' % chunk), 'w') as handle:
        json.dump({'counts': counts, 'refused up front, by reason': refused_up_front,
                   "refused by libvirt's pre-flight, by edit and reason": refused_by_libvirt}, handle)
    assert counts['files'] > 500 // CHUNKS, counts
    assert not failures, '%d failures:\n%s' % (len(failures), '\n'.join(failures[:60]))


def serial_console_put_back(root, console):
    """Whether libvirt would put console back in root without it (a serial console, a serial port staying)."""
    if console.tag != 'console' or not dx.is_serial_console(console):
        return False
    without = dx.clone(root)
    dx.remove_device(dx.devices(without)[dx.devices(root).index(console)])
    return dx.keeps_serial_console(without)


def test_every_device_given_back_is_found_again(hypervisor):
    """Each device of each schema-valid x86 file, given to virt_device in the abstract form the modules
    return and as its own XML: present, nothing changes (twins of one key are told apart by what the form gives, the
    address among it); absent, that device goes and, in a definition as libvirt writes it (whole
    addresses, none twice), when the form gives its address, no other (but the console that shows a
    serial port); the serial console alone is refused where libvirt would put it back."""
    schema = hypervisor.schema()
    counts, failures = collections.Counter(), []
    for path in corpus_files():
        try:
            root = dx.parse(open(path, 'rb').read())
        except Exception:  # not a domain document (a few are fragments)
            continue
        os_type = root.find('os/type')
        if os_type is None or os_type.get('arch', 'x86_64') not in X86 or not schema.validate(root):
            continue
        name = '/'.join(path.split(os.sep)[-2:])
        as_libvirt_writes = name.startswith('qemuxml2xmloutdata/')
        snippets = [dx.serialize(device) for device in dx.devices(root)]
        # an address libvirt's own test file gives two devices (two hubs at bus 0 and no port) names neither alone
        addresses = collections.Counter(dx.serialize(a) for d in dx.devices(root) for a in d.findall('address'))
        for position, device in enumerate(dx.devices(root)):
            device.set('corpus-position', str(position))  # what a plan keeps of a device, whatever it changes
        state = types.SimpleNamespace(before=root, before_xml=dx.serialize(root), running=False, live=None)
        for position, device in enumerate(dx.devices(root)):
            if device.tag not in _device_spec.KINDS:
                continue
            abstract = {key: value for key, value in dx.abstract(device).items() if value is not None}
            counts['devices'] += 1
            for form, wanted in ((abstract, 'present'), (abstract, 'absent'), ({'xml': snippets[position]}, 'present')):
                params = {'devices': [form], 'state': wanted, 'live': 'auto', 'unplug_timeout': 10}
                # libvirt puts the serial console back while a serial port stays: alone, it is refused
                put_back = wanted == 'absent' and serial_console_put_back(root, device)
                try:
                    after = _device_spec.plan(state, _device_spec.check_all(params), params).after
                except InvalidOption as exc:
                    if put_back and 'puts it back while the port stays' in exc.msg:
                        counts['serial consoles refused alone'] += 1
                    else:
                        failures.append('%s device %d %s: refused: %s' % (name, position, wanted, exc.msg))
                    continue
                if put_back:
                    failures.append('%s device %d: the serial console goes alone, libvirt puts it back' % (name, position))
                    continue
                if wanted == 'present':
                    if not dx.same_document(after, root):
                        failures.append('%s device %d: %r changes the domain' % (name, position, form))
                    continue
                kept = {other.get('corpus-position') for other in dx.devices(after)}
                gone = [other for other in dx.devices(root) if other.get('corpus-position') not in kept]
                others = [other for other in gone if other is not device
                          and not (device.tag == 'serial' and other.tag == 'console')]
                address_alone = 'address' in form and all(addresses[dx.serialize(a)] == 1
                                                          for a in device.findall('address'))
                if device not in gone or (as_libvirt_writes and address_alone and others):
                    removed = [other.tag for other in gone]
                    failures.append('%s device %d: %r absent removes %s' % (name, position, form, removed))
    assert counts['devices'] > 5000 and counts['serial consoles refused alone'] > 20, counts
    assert not failures, '%d failures:\n%s' % (len(failures), '\n'.join(failures[:40]))
