# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The best device and platform values for a guest OS on a domain, each with a reason naming its evidence.

The rules read what osinfo-db says the OS drives (_osinfo, libosinfo's semantics) and what the
domain is (machine, arch, graphics, SPICE agent, firmware) and, where given, what the domain's
emulator offers (libvirt's domain capabilities). docs/policies.md has the rule table with the
source of each rule.
"""

from __future__ import annotations

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _device_tables, _osinfo
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption, VirtunedError

# recommended key -> the virt_device_bus option that applies it
BUS_OPTIONS = {key: option for key, (module, option) in _device_tables.APPLIED_BY.items()
               if module == 'virt_device_bus' and key in ('hw_disk_bus', 'hw_cdrom_bus', 'hw_video_model',
                                                          'hw_vif_model', 'virtio_model')}
# recommended keys virt_device applies (devices); virt_machine applies the platform ones (_machine.with_recommended)
DEVICE_KEYS = ('usb_model', 'rng', 'memballoon', 'guest_agent')

# virt-install's NIC preference on i440fx among the NICs the OS lists (virtinst/devices/interface.py)
I440FX_NICS = ('e1000', 'rtl8139', 'ne2k_pci', 'pcnet')
SPICE_AGENT = 'com.redhat.spice.0'


class Guest:
    """What the rules read of a domain (and of its emulator, when its capabilities are given)."""

    def __init__(self, root, capabilities=None):
        os_type = dx.os_type(root)
        self.arch = os_type['arch'] or 'x86_64'
        self.x86 = self.arch in _device_tables.X86_ARCHES
        self.q35 = dx.is_machine_q35(root)
        self.machine = 'q35' if self.q35 else ('i440fx' if self.x86 else os_type['machine'])
        self.graphics = [g.get('type') for g in dx.find_devices(root, 'graphics')]
        self.spice_agent = any(c.get('type') == 'spicevmc' or c.findtext('target') is not None
                               and c.find('target').get('name') == SPICE_AGENT
                               for c in dx.find_devices(root, 'channel'))
        os_element = root.find('os')
        loader = os_element.find('loader') if os_element is not None else None
        self.uefi = (os_element is not None and os_element.get('firmware') == 'efi') or \
            (loader is not None and loader.get('type') == 'pflash')
        self.video_models = capabilities.values('video', 'modelType') if capabilities is not None else None
        self.firmwares = capabilities.os_values('firmware') if capabilities is not None else None

    def offers_video(self, model):
        """The emulator takes this video model (unknown without capabilities: assumed yes)."""
        return self.video_models is None or model in self.video_models


class Rules:
    """Applies the rules for one OS of the database to one guest."""

    def __init__(self, db, os_id, guest):
        self.db, self.os_id, self.guest = db, os_id, guest
        self.name = db.short_id(os_id)
        self.supported = db.devices(os_id)
        self.found = {}

    def lists(self, *names):
        """The first of the named osinfo devices the OS supports, or None."""
        return next((name for name in names if _osinfo.DEVICES[name] in self.supported), None)

    def evidence(self, name):
        """'virtio-block (osinfo pcisig.com/pci/1af4/1001, from rhel6.0)': the device id and the OS whose word
        decides."""
        device_id = _osinfo.DEVICES[name]
        source = self.db.decided_by(self.os_id, device_id) or self.os_id
        inherited = '' if source == self.os_id else ', from %s' % self.db.short_id(source)
        return '%s (osinfo %s%s)' % (name, device_id.split('//', 1)[1], inherited)

    def put(self, key, value, reason):
        self.found[key] = {'value': value, 'reason': '%s %s' % (self.name, reason)}

    def run(self):
        for rule in (self.disk, self.cdrom, self.nic, self.video, self.pointer, self.virtio, self.usb,
                     self.rng, self.memballoon, self.guest_agent, self.machine_type, self.features, self.firmware):
            rule()
        return self.found

    # --- buses and models (virt_device_bus) ---

    def disk(self):
        virtio = self.lists('virtio1.0-block', 'virtio-block')
        if virtio:
            self.put('hw_disk_bus', 'virtio', 'lists %s' % self.evidence(virtio))
        elif self.guest.x86:
            self.put('hw_disk_bus', 'sata' if self.guest.q35 else 'ide', 'lists no virtio block device; %s disks go on %s'
                     % (self.guest.machine, 'SATA (q35 has no IDE)' if self.guest.q35 else "the machine's IDE"))
        else:
            self.put('hw_disk_bus', 'scsi', 'lists no virtio block device; on %s disks go on SCSI' % self.guest.arch)

    def cdrom(self):
        if not self.guest.x86:
            scsi = self.lists('virtio1.0-scsi', 'virtio-scsi')
            self.put('hw_cdrom_bus', 'scsi', 'on %s: cdroms go on SCSI, as Nova and virt-install put them%s'
                     % (self.guest.arch, ' (lists %s)' % self.evidence(scsi) if scsi else ''))
        elif self.guest.q35:
            self.put('hw_cdrom_bus', 'sata', 'on q35: q35 has no IDE, cdroms go on SATA')
        else:
            self.put('hw_cdrom_bus', 'ide', "on i440fx: the machine's IDE controller")

    def nic(self):
        virtio = self.lists('virtio1.0-net', 'virtio-net')
        if virtio:
            self.put('hw_vif_model', 'virtio', 'lists %s' % self.evidence(virtio))
            return
        if not self.guest.x86:
            return
        if self.guest.q35:
            e1000e = self.lists('e1000e')
            self.put('hw_vif_model', 'e1000e', 'lists no virtio-net NIC; on q35 the PCIe e1000e%s'
                     % (' (lists %s)' % self.evidence('e1000e') if e1000e else ', as virt-install chooses'))
            return
        infos = [self.db.device_info(device) for device in self.supported]
        nics = {info.get('name') for info in infos if info.get('class') == 'net'}
        listed = next((nic for nic in I440FX_NICS if nic in nics), None)
        if listed:
            self.put('hw_vif_model', listed, 'lists no virtio-net NIC; %s is the first of %s it lists'
                     % (listed, ', '.join(I440FX_NICS)))
        else:
            self.put('hw_vif_model', 'e1000', 'lists no NIC at all; e1000, the emulated NIC virt-install defaults to on x86')

    def video(self):
        if not self.guest.graphics:
            self.put('hw_video_model', 'none', 'the domain is headless (no <graphics>): no video device')
        elif self.lists('virtio1.0-gpu') and self.guest.offers_video('virtio'):
            self.put('hw_video_model', 'virtio', 'lists %s' % self.evidence('virtio1.0-gpu'))
        elif 'spice' in self.guest.graphics and self.guest.x86 and self.guest.offers_video('qxl'):
            self.put('hw_video_model', 'qxl', 'lists no virtio-gpu and the domain has SPICE graphics: qxl%s'
                     % (' (lists %s)' % self.evidence('qxl') if self.lists('qxl') else ''))
        elif self.guest.uefi and self.guest.video_models and 'bochs' in self.guest.video_models:
            self.put('hw_video_model', 'bochs', 'lists no virtio-gpu; with UEFI and no SPICE, bochs')
        else:
            self.put('hw_video_model', 'vga', 'lists no virtio-gpu%s: plain VGA'
                     % ('' if 'spice' in self.guest.graphics else ' and the domain has no SPICE (qxl only pays with SPICE)'))

    def pointer(self):
        if not self.guest.graphics:
            self.put('hw_pointer_model', None, 'the domain is headless (no <graphics>): no pointer device')
            return
        if self.guest.spice_agent and 'vnc' not in self.guest.graphics:
            self.put('hw_pointer_model', None, 'the SPICE agent moves the pointer and there is no VNC: no pointer device')
            return
        virtio_input = self.lists('virtio1.0-input')
        if virtio_input:
            self.put('hw_pointer_model', 'tablet', 'lists %s' % self.evidence(virtio_input))
            self.put('hw_input_bus', 'virtio', 'lists %s: no emulated USB needed' % self.evidence(virtio_input))
        else:
            tablet = self.lists('usb-tablet')
            self.put('hw_pointer_model', 'usbtablet', '%s: a USB tablet' % (
                'lists %s but no virtio input' % self.evidence(tablet) if tablet
                else 'lists no pointer device; a USB tablet, as virt-install adds to every guest with graphics'))
            self.put('hw_input_bus', 'usb' if not self.guest.x86 else None,
                     'lists no virtio input; %s' % ('the keyboard stays PS/2' if self.guest.x86
                                                    else 'on %s the keyboard is USB too' % self.guest.arch))

    def virtio(self):
        modern = self.lists('virtio1.0-block', 'virtio1.0-net')
        legacy = self.lists('virtio-block', 'virtio-net')
        if modern:
            self.put('virtio_model', 'virtio', 'lists %s: plain virtio' % self.evidence(modern))
        elif legacy and self.guest.q35:
            self.put('virtio_model', 'transitional', 'lists %s but no virtio 1.0 device and the machine is q35: '
                     'transitional, behind a pcie-to-pci-bridge' % self.evidence(legacy))
        elif legacy:
            self.put('virtio_model', 'virtio', 'lists %s but no virtio 1.0 device; on i440fx plain virtio is transitional'
                     % self.evidence(legacy))

    # --- devices (virt_device) ---

    def usb(self):
        xhci = self.lists('qemu-xhci', 'nec-xhci')
        if xhci:
            self.put('usb_model', xhci, 'lists %s' % self.evidence(xhci))
        elif self.guest.x86:
            self.put('usb_model', 'usb2', 'lists no xHCI controller (qemu-xhci pci 1b36/0004, nec-xhci pci 1033/0194): '
                     'the USB 2 set (ich9-ehci1 and its UHCI companions), as virt-install chooses')
        else:
            self.put('usb_model', 'qemu-xhci', 'on %s: qemu-xhci, as virt-install assumes USB 3 there' % self.guest.arch)

    def rng(self):
        rng = self.lists('virtio1.0-rng', 'virtio-rng')
        if rng:
            self.put('rng', 'virtio', 'lists %s: a virtio RNG fed from /dev/urandom' % self.evidence(rng))

    def memballoon(self):
        balloon = self.lists('virtio1.0-balloon', 'virtio-balloon')
        if balloon:
            self.put('memballoon', 'virtio', 'lists %s' % self.evidence(balloon))

    def guest_agent(self):
        console = self.lists('virtio1.0-console', 'virtio-console')
        if console:
            self.put('guest_agent', 'virtio', 'lists %s: a virtio-serial channel for the QEMU guest agent'
                     % self.evidence(console))

    # --- the platform (virt_machine) ---

    def machine_type(self):
        if not self.guest.x86:
            return
        q35 = self.lists('q35')
        if q35 and (self.lists('virtio1.0-net') or not self.lists('virtio-net')):
            self.put('hw_machine_type', 'q35', 'lists %s' % self.evidence('q35'))
        elif q35:
            self.put('hw_machine_type', 'q35' if self.guest.q35 else 'pc',
                     'lists %s but only legacy virtio; %s' % (self.evidence('q35'), (
                         'q35 works with transitional devices' if self.guest.q35
                         else 'stays on i440fx, where its virtio devices need no bridge, as virt-install decides')))
        else:
            self.put('hw_machine_type', 'pc', 'lists no q35 chipset (osinfo qemu.org/chipset/x86/q35): i440fx')

    def features(self):
        if self.db.family(self.os_id) == 'winnt':
            self.put('features', ['hyperv'], 'is Windows (osinfo family winnt): the Hyper-V enlightenments')

    def firmware(self):
        if self.db.requires_uefi(self.os_id, self.guest.arch):
            offered = self.guest.firmwares is None or 'efi' in self.guest.firmwares
            self.put('firmware', 'efi', 'supports UEFI only on %s (osinfo <firmware type="bios" supported="false">)%s'
                     % (self.guest.arch, '' if offered else '; this host has no UEFI firmware for the domain'))


def recommend(db, os_id, guest):
    """key -> {'value', 'reason'} for the OS on the guest."""
    return Rules(db, os_id, guest).run()


def for_domain(root, os_name=None, capabilities=None):
    """(recommended, message): the recommendation for a domain, or {} and why there is none.

    os_name (a short id or id URI) overrides the domain's libosinfo metadata and must be known;
    an OS id in the metadata that osinfo-db does not know only yields a message. capabilities
    (the domain's, from libvirt) narrow the choices to what its emulator offers.
    """
    try:
        db = _osinfo.database()
    except VirtunedError as exc:
        if os_name:
            raise
        return {}, exc.msg
    if os_name:
        os_id = db.resolve(os_name)
    else:
        os_id = dx.libosinfo_os_id(root)
        if os_id is None:
            return {}, ('no recommendation: the domain has no libosinfo metadata (<libosinfo:os id=...>) '
                        'and no os was given')
        try:
            os_id = db.resolve(os_id)
        except VirtunedError:
            return {}, 'no recommendation: osinfo-db does not know the OS %s of the metadata' % os_id
    return recommend(db, os_id, Guest(root, capabilities)), \
        'recommended for %s on %s' % (db.short_id(os_id), dx.os_type(root)['machine'])


GUEST_AGENT = 'org.qemu.guest_agent.0'


def check_os_option(params):
    """os names the OS whose recommendations apply: without recommended=true it would do nothing."""
    if params.get('os') and not params.get('recommended'):
        raise InvalidOption('os', params['os'], ['omitted'], reason='os is used only with recommended=true')


def device_specs(root, found, given_kinds=()):
    """virt_device specs for the recommended devices the domain lacks (rng, memballoon, the guest-agent
    channel), kinds given explicitly left out. A present device of the kind is kept as it is, and a
    memballoon turned off (model none) stays off."""
    specs = []
    value = {key: found.get(key, {}).get('value') for key in DEVICE_KEYS}
    if value['rng'] and 'rng' not in given_kinds and not dx.find_devices(root, 'rng'):
        specs.append({'kind': 'rng', 'model': 'virtio', 'source': _device_tables.DEFAULT_RNG_SOURCE,
                      'alias': 'virtuned-rng'})
    if value['memballoon'] and 'memballoon' not in given_kinds and not dx.find_devices(root, 'memballoon'):
        specs.append({'kind': 'memballoon', 'model': 'virtio', 'alias': 'virtuned-balloon'})
    agent = [c for c in dx.find_devices(root, 'channel')
             if c.find('target') is not None and c.find('target').get('name') == GUEST_AGENT]
    if value['guest_agent'] and 'channel' not in given_kinds and not agent:
        if not dx.find_devices(root, 'controller', type='virtio-serial'):
            # libvirt would add a plain virtio one; this one takes the domain's virtio flavour
            specs.append({'kind': 'controller', 'type': 'virtio-serial', 'index': 0, 'alias': 'virtuned-serial'})
        specs.append({'kind': 'channel', 'type': 'unix', 'target': {'type': 'virtio', 'name': GUEST_AGENT},
                      'alias': 'virtuned-guest-agent'})
    return specs


def bus_options(params, root, capabilities=None):
    """params with the recommended bus/model values filled in where no option was given.

    Returns (params, report) where report says what was recommended and why (see report()).
    """
    found, message = for_domain(root, params.get('os'), capabilities)
    merged = dict(params)
    for key, option in BUS_OPTIONS.items():
        if merged.get(option) is None and found.get(key, {}).get('value') is not None:
            merged[option] = found[key]['value']
    return merged, report(found, message)


def report(found, message, notes=()):
    """What a module's result says of the recommendation; under 'not_applied', what the runner warns
    about: why there is none, or which recommendations were not applied."""
    return {'recommended': found, 'recommended_message': message,
            'not_applied': list(notes) if found else [message]}
