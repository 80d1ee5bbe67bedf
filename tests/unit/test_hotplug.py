"""Check mode's prediction of refused hot-(un)plugs: the table, how libvirt's command line is read for room,
and what holds a device in place (tests/integration/test_hot_plug_prediction.py asks the real libvirtd)."""

from __future__ import annotations

import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _hotplug

Q35 = """<domain type='qemu' id='7'><name>d</name><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
<seclabel type='dynamic' model='dac'><label>+64055:+64055</label></seclabel><devices>
  <controller type='pci' index='0' model='pcie-root'><alias name='pcie.0'/></controller>
  <controller type='pci' index='1' model='pcie-root-port'><alias name='pci.1'/></controller>
  <interface type='user'><target dev='vnet3'/><alias name='net0'/></interface>
  <console type='pty' tty='/dev/pts/4'><target type='serial' port='0'/></console>
  <graphics type='vnc' port='5904' autoport='yes'/>
</devices></domain>"""


def element(text):
    return dx.parse(text, root_tag=None)


@pytest.mark.parametrize('snippet, refused', [
    ("<sound model='ich9'/>", True),
    ("<disk device='floppy'><target dev='fda' bus='fdc'/></disk>", True),
    ("<disk device='cdrom'><target dev='sda' bus='sata'/></disk>", True),
    ("<disk device='disk'><target dev='vdb' bus='virtio'/></disk>", False),
    ("<disk device='cdrom'><target dev='sdb' bus='usb'/></disk>", False),
    ("<input type='mouse' bus='ps2'/>", True),
    ("<input type='tablet' bus='usb'/>", False),
    ("<controller type='usb' model='qemu-xhci'/>", True),
    ("<controller type='scsi' model='virtio-scsi'/>", False),
    ("<watchdog model='ib700'/>", True),
    ("<watchdog model='i6300esb'/>", False),
    ("<filesystem type='mount'><source dir='/srv'/><target dir='srv'/></filesystem>", True),
    ("<filesystem type='mount'><driver type='virtiofs'/><source dir='/srv'/><target dir='srv'/></filesystem>", False),
    ("<serial type='pty'/>", True),
    ("<serial type='pty'><target type='usb-serial'/></serial>", False),
    ("<parallel type='pty'/>", True),
    ("<rng model='virtio'/>", False),
])
def test_the_table_of_devices_libvirt_never_plugs_or_unplugs_live(snippet, refused):
    assert bool(_hotplug.never_live(element(snippet))) is refused


class HostHas:
    """Stands in for Hypervisor.host_resources: the host has what every device opens but those of refused
    (their aliases)."""

    def __init__(self, refused=()):
        self.refused = refused
        self.opened_devices = []

    def refusal(self, _name, device):
        return 'not on the host' if dx.device_alias(device) in self.refused else None

    def opened(self, _name, device):
        self.opened_devices.append(dx.device_alias(device))


class CommandLines:
    """Stands in for Hypervisor.qemu_argv: a root port per unplaced virtio device beyond the free ones, a USB
    hub once the USB inputs outnumber the free USB ports."""

    def __init__(self, free_ports, free_usb_ports=4, host=None):
        self.free_ports, self.free_usb_ports = free_ports, free_usb_ports
        self.host_resources = host or HostHas()
        self.asked = []

    def qemu_argv(self, root):
        self.asked.append(dx.serialize(root))
        unplaced = len(dx.find_devices(root, 'rng'))
        ports = 1 + max(0, unplaced - self.free_ports)
        argv = ['-device \'{"driver":"pcie-root-port","id":"pci.%d"}\'' % i for i in range(1, ports + 1)]
        if len(dx.find_devices(root, 'input', bus='usb')) > self.free_usb_ports:
            argv.append('-device \'{"driver":"usb-hub","id":"hub0","bus":"usb.0","port":"4"}\'')
        return ' '.join(argv)


def test_a_device_that_fits_takes_its_room_from_the_next():
    live = dx.parse(Q35)
    rngs = [element("<rng model='virtio'/>") for _copy in range(3)]
    stub = CommandLines(free_ports=1)
    reasons = _hotplug.attach_refusals(stub, live, [element("<sound model='ich9'/>")] + rngs)
    assert reasons[0] and 'sound' in reasons[0]
    assert reasons[1] is None
    assert all('no free hot-pluggable PCI slot' in reason for reason in reasons[2:])
    # Each question holds the devices that fit before it, and none of the running domain's own names.
    assert [question.count('<rng') for question in stub.asked] == [1, 2, 2]
    assert all("id='7'" not in q and 'vnet3' not in q and 'net0' not in q and 'seclabel' not in q
               and '/dev/pts/4' not in q and '5904' not in q for q in stub.asked)


def test_a_device_the_host_cannot_give_what_it_opens_leaves_its_room_to_the_next():
    rngs = [element("<rng model='virtio'><alias name='ua-rng%d'/></rng>" % n) for n in range(2)]
    host = HostHas(refused=('ua-rng0',))
    reasons = _hotplug.attach_refusals(CommandLines(free_ports=1, host=host), dx.parse(Q35), rngs)
    assert reasons == ['not on the host', None]
    assert host.opened_devices == ['ua-rng1']


def test_no_command_line_means_no_judgement():
    class Refusing:
        host_resources = HostHas()

        def qemu_argv(self, _root):
            return None

    assert _hotplug.attach_refusals(Refusing(), dx.parse(Q35), [element("<rng model='virtio'/>")]) == [None]


def _pci(bus, slot, function=0, extra=''):
    return ("<address type='pci' domain='0x0000' bus='0x%02x' slot='0x%02x' function='0x%x'%s/>"
            % (bus, slot, function, extra))


RUNNING = """<domain type='qemu' id='3'><name>d</name><os><type arch='x86_64' machine='{machine}'>hvm</type></os>
{features}<devices>
  <controller type='pci' index='0' model='{root}'/>
  <controller type='pci' index='1' model='pcie-root-port'/>
  <controller type='pci' index='2' model='pcie-root-port'><target hotplug='off'/></controller>
  <controller type='scsi' index='0' model='virtio-scsi'><alias name='ua-scsi'/></controller>
  <disk type='file' device='disk'><target dev='sda' bus='scsi'/><alias name='ua-sda'/>
    <address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>
  <disk type='file' device='disk'><target dev='sdb' bus='sata'/><alias name='ua-sdb'/>
    <address type='drive' controller='0' bus='0' target='0' unit='1'/></disk>
  <rng model='virtio'><alias name='ua-root'/>{on_root}</rng>
  <rng model='virtio'><alias name='ua-port'/>{on_port}</rng>
  <rng model='virtio'><alias name='ua-off'/>{on_off}</rng>
  <rng model='virtio'><alias name='ua-f0'/>{f0}</rng>
  <rng model='virtio'><alias name='ua-f1'/>{f1}</rng>
  <rng model='virtio'><alias name='ua-lone'/>{lone}</rng>
  <input type='tablet' bus='usb'><alias name='ua-tablet'/><address type='usb' bus='0' port='1'/></input>
</devices></domain>"""


def running(machine='pc-q35-7.2', acpi=True):
    q35 = 'q35' in machine
    return dx.parse(RUNNING.format(
        machine=machine, features='<features><acpi/></features>' if acpi else '',
        root='pcie-root' if q35 else 'pci-root', on_root=_pci(0, 0x10), on_port=_pci(1, 0),
        on_off=_pci(2, 0), f0=_pci(3, 0, 0, " multifunction='on'"), f1=_pci(3, 0, 1),
        lone=_pci(4, 0, 0, " multifunction='on'")))


def unplug(live, *aliases):
    devices = [next(e for e in dx.devices(live) if dx.device_alias(e) == alias) for alias in aliases]
    return dict(zip(aliases, _hotplug.detach_refusals(live, devices)))


def test_what_holds_a_device_where_it_sits_in_a_q35_domain():
    reasons = unplug(running(), 'ua-root', 'ua-port', 'ua-off', 'ua-f0', 'ua-f1', 'ua-lone', 'ua-tablet')
    assert 'PCI Express root bus' in reasons['ua-root']
    assert "hotplug='off'" in reasons['ua-off']
    assert 'multifunction' in reasons['ua-f0'] and 'multifunction' in reasons['ua-f1']
    assert [reasons[alias] for alias in ('ua-port', 'ua-lone', 'ua-tablet')] == [None, None, None]


@pytest.mark.parametrize('acpi', [True, False])
def test_a_pc_machine_unplugs_from_its_pci_bus_only_with_acpi(acpi):
    reason = unplug(running('pc-i440fx-7.2', acpi), 'ua-root')['ua-root']
    assert (reason is None) if acpi else ('ACPI' in reason)


def test_a_scsi_controller_unplugs_once_its_disks_have_left():
    live = running()
    held = unplug(live, 'ua-scsi', 'ua-sda')
    assert 'sda' in held['ua-scsi'] and 'sdb' not in held['ua-scsi']  # a SATA disk is not on it
    assert held['ua-sda'] is None
    assert unplug(live, 'ua-sda', 'ua-scsi') == {'ua-sda': None, 'ua-scsi': None}


def test_a_new_device_is_plugged_after_the_controller_the_running_domain_lacks():
    live = dx.parse(Q35)
    planned = dx.parse(Q35.replace('</devices>', "<controller type='scsi' index='0' model='virtio-scsi'/>"
                                                 "<controller type='virtio-serial' index='0'/></devices>"))
    disk = element("<disk device='disk'><target dev='sda' bus='scsi'/><alias name='ua-sd'/></disk>")
    channel = element("<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>")
    tablet = element("<input type='tablet' bus='usb'/>")
    plugs = _hotplug.with_controllers([disk, channel, tablet], planned, live)
    assert [(e.tag, e.get('type')) for e in plugs] == [
        ('controller', 'scsi'), ('disk', None), ('controller', 'virtio-serial'), ('channel', 'unix'), ('input', 'tablet')]
    # a running domain that has them plugs the devices alone
    assert _hotplug.with_controllers([disk, channel], planned, planned) == [disk, channel]


def test_a_device_whose_controller_is_refused_is_refused_too():
    stub = CommandLines(free_ports=5)
    plugs = [element("<controller type='virtio-serial' index='0'/>"),
             element("<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"),
             element("<rng model='virtio'/>")]
    reasons = _hotplug.attach_refusals(stub, dx.parse(Q35), plugs)
    assert 'virtio-serial controller' in reasons[0]
    assert 'its virtio-serial controller could not be hot-plugged first' in reasons[1]
    assert reasons[2] is None


def test_a_usb_device_needs_a_free_usb_port():
    stub = CommandLines(free_ports=5, free_usb_ports=1)
    inputs = [element("<input type='keyboard' bus='usb'/>"), element("<input type='mouse' bus='usb'/>")]
    reasons = _hotplug.attach_refusals(stub, dx.parse(Q35), inputs)
    assert reasons[0] is None and 'no free USB port' in reasons[1]


@pytest.mark.parametrize('kind', ['pipe', 'stdio'])
def test_a_pipe_or_stdio_character_device_unplugs_but_never_plugs(kind):
    channel = element("<channel type='%s'><target type='virtio' name='org.vt.0'/></channel>" % kind)
    assert 'character device' in _hotplug.attach_refusals(CommandLines(free_ports=1), dx.parse(Q35), [channel])[0]
    assert _hotplug.detach_refusals(dx.parse(Q35), [channel]) == [None]


@pytest.mark.parametrize('kind', _hotplug.NEVER_PLUGGED_INTERFACE_TYPES)
def test_a_socket_interface_unplugs_but_never_plugs(kind):
    interface = element("<interface type='%s'><source address='127.0.0.1' port='5555'/></interface>" % kind)
    assert 'interface of type' in _hotplug.attach_refusals(CommandLines(free_ports=1), dx.parse(Q35), [interface])[0]
    assert _hotplug.detach_refusals(dx.parse(Q35), [interface]) == [None]


USB_CDROM = "<disk type='file' device='cdrom'>{source}<target dev='sdb' bus='usb'{removable}/><readonly/></disk>"


@pytest.mark.parametrize('bus', ['usb', 'scsi'])
def test_a_drive_without_a_medium_unplugs_but_never_plugs(bus):
    empty = element(USB_CDROM.format(source='', removable='').replace("'usb'", "'%s'" % bus))
    loaded = element(USB_CDROM.format(source="<source file='/x.iso'/>", removable='').replace("'usb'", "'%s'" % bus))
    assert 'without a medium' in _hotplug.attach_refusals(CommandLines(free_ports=1), dx.parse(Q35), [empty])[0]
    assert _hotplug.detach_refusals(dx.parse(Q35), [empty]) == [None]
    assert _hotplug.attach_refusals(CommandLines(free_ports=1), dx.parse(Q35), [loaded]) == [None]


@pytest.mark.parametrize('bus, removable, refused', [
    ('usb', '', True), ('usb', " removable='off'", True), ('usb', " removable='on'", False), ('scsi', '', False),
])
def test_a_usb_cdrom_changes_its_medium_live_only_when_removable(bus, removable, refused):
    cdrom = element(USB_CDROM.format(source="<source file='/y.iso'/>", removable=removable).replace("'usb'", "'%s'" % bus))
    assert bool(_hotplug.update_refusal(cdrom)) is refused
    assert _hotplug.update_refusal(element("<interface type='user'><link state='down'/></interface>")) is None
