"""Check mode's prediction of refused hot-plugs: the table, and how libvirt's command line is read for room
(tests/integration/test_hot_plug_prediction.py asks the real libvirtd)."""

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
def test_the_table_of_devices_libvirt_never_plugs_live(snippet, refused):
    assert bool(_hotplug.never_live(element(snippet))) is refused


class CommandLines:
    """Stands in for Hypervisor.qemu_argv: a root port per unplaced virtio device beyond the free ones."""

    def __init__(self, free_ports):
        self.free_ports = free_ports
        self.asked = []

    def qemu_argv(self, root):
        self.asked.append(dx.serialize(root))
        unplaced = len(dx.find_devices(root, 'rng'))
        ports = 1 + max(0, unplaced - self.free_ports)
        return ' '.join('-device \'{"driver":"pcie-root-port","id":"pci.%d"}\'' % i for i in range(1, ports + 1))


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


def test_no_command_line_means_no_judgement():
    class Refusing:
        def qemu_argv(self, _root):
            return None

    assert _hotplug.attach_refusals(Refusing(), dx.parse(Q35), [element("<rng model='virtio'/>")]) == [None]
