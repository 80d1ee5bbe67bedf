"""Machine types, the i440fx -> q35 conversion, PCIe hot-plug room and platform features."""

from __future__ import annotations

import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _machine
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption

CAPABILITIES = """<capabilities><host/>
<guest><os_type>hvm</os_type><arch name='x86_64'><emulator>/usr/bin/qemu-system-x86_64</emulator>
  <machine maxCpus='255'>pc-i440fx-7.2</machine>
  <machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>
  <machine maxCpus='288'>pc-q35-7.2</machine>
  <machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>
  <machine maxCpus='288'>pc-q35-7.1</machine>
  <machine maxCpus='288'>pc-q35-6.2</machine>
  <machine maxCpus='255' deprecated='yes'>pc-i440fx-1.5</machine>
  <machine maxCpus='255'>pc-i440fx-2.12</machine>
</arch></guest></capabilities>"""

I440FX = """<domain type='qemu'><name>d</name><os><type arch='x86_64' machine='pc-i440fx-2.12'>hvm</type></os>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
  <disk type='file' device='disk'><source file='/a.img'/><target dev='hda' bus='ide'/>
    <address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>
  <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>
  <controller type='usb' index='0' model='piix3-uhci'><address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/></controller>
  <controller type='pci' index='0' model='pci-root'/>
  <controller type='ide' index='0'/>
  <interface type='user'><mac address='52:54:00:00:00:01'/><model type='e1000'/>
    <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></interface>
  <video><model type='cirrus'/><address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></video>
</devices></domain>"""


@pytest.fixture
def machines():
    return _machine.MachineTypes(CAPABILITIES, 'x86_64', '/usr/bin/qemu-system-x86_64')


def q35(machine='pc-q35-6.2', ports=0, used=0):
    controllers = "<controller type='pci' index='0' model='pcie-root'/>"
    for index in range(1, ports + 1):
        controllers += "<controller type='pci' index='%d' model='pcie-root-port'/>" % index
    devices = ''.join("<rng model='virtio'><backend model='random'>/dev/urandom</backend>"
                      "<address type='pci' domain='0x0000' bus='0x%02x' slot='0x00' function='0x0'/></rng>" % (n + 1)
                      for n in range(used))
    return dx.parse("<domain type='qemu'><name>q</name><os><type arch='x86_64' machine='%s'>hvm</type></os>"
                    "<devices>%s%s</devices></domain>" % (machine, controllers, devices))


def test_families_and_versions():
    assert [_machine.family(m) for m in ('q35', 'pc-q35-7.2', 'pc', 'pc-i440fx-2.12', 'pc-1.0', 'isapc')] == \
        ['q35', 'q35', 'i440fx', 'i440fx', 'i440fx', None]
    assert _machine.version('pc-q35-4.0.1') == (4, 0, 1) and _machine.version('q35') is None


def test_the_host_capabilities_give_aliases_deprecation_and_newer_types(machines):
    assert machines.resolve('q35') == 'pc-q35-7.2' and machines.offers('pc-q35-7.1')
    assert 'pc-i440fx-1.5' in machines.deprecated
    assert machines.newer('pc-q35-6.2') == ['pc-q35-7.2', 'pc-q35-7.1']


def test_a_machine_type_moves_forward_within_its_family(machines):
    root = q35()
    assert _machine.set_machine_type(root, 'q35', machines, False) == []
    assert dx.os_type(root)['machine'] == 'pc-q35-7.2'


@pytest.mark.parametrize('machine, wanted, fragment, allowed', [
    ('pc-q35-7.1', 'pc-q35-6.2', 'older than the current pc-q35-7.1', ['pc-q35-7.1', 'pc-q35-7.2']),
    ('pc-q35-6.2', 'pc-i440fx-7.2', 'needs allow_family_change=true', ['pc-q35-6.2', 'pc-q35-7.2', 'pc-q35-7.1']),
    ('pc-q35-7.1', 'pc-q35-9.9', 'does not offer it', ['pc-q35-7.1', 'pc-q35-7.2']),
    ('pc-i440fx-2.12', 'pc-i440fx-1.5', 'deprecated on this host', ['pc-i440fx-7.2', 'pc-i440fx-2.12']),
    ('pc-i440fx-2.12', 'isapc', 'does not offer it', ['pc-i440fx-2.12', 'pc-i440fx-7.2']),
])
def test_a_machine_type_that_is_older_foreign_unknown_or_deprecated_is_refused(machines, machine, wanted, fragment,
                                                                               allowed):
    """Each refusal names what the domain may move to: its version and its family's newer ones."""
    root = q35(machine)
    with pytest.raises(InvalidOption) as raised:
        _machine.set_machine_type(root, wanted, machines, False)
    assert raised.value.option == 'machine_type' and fragment in raised.value.msg, raised.value.msg
    assert raised.value.allowed == allowed
    assert dx.os_type(root)['machine'] == machine


def test_a_domain_on_a_type_the_host_lacks_or_deprecates_is_offered_only_newer_ones(machines):
    assert machines.allowed_targets('pc-q35-5.0', False) == ['pc-q35-7.2', 'pc-q35-7.1', 'pc-q35-6.2']
    assert machines.allowed_targets('pc-i440fx-1.5', False) == ['pc-i440fx-7.2', 'pc-i440fx-2.12']
    assert machines.allowed_targets('pc-i440fx-7.2', True) == ['pc-i440fx-7.2', 'pc-q35-7.2', 'pc-q35-7.1', 'pc-q35-6.2']


def test_the_deprecated_refusal_names_the_newer_types(machines):
    with pytest.raises(InvalidOption) as raised:
        _machine.set_machine_type(q35('pc-i440fx-1.4'), 'pc-i440fx-1.5', machines, False)
    assert raised.value.allowed[:2] == ['pc-i440fx-7.2', 'pc-i440fx-2.12']


def test_q35_to_i440fx_is_refused_even_when_a_family_change_is_allowed(machines):
    with pytest.raises(InvalidOption) as raised:
        _machine.set_machine_type(q35(), 'pc', machines, True)
    assert 'only i440fx -> q35' in raised.value.msg


def test_i440fx_to_q35_converts_the_devices(machines):
    root = dx.parse(I440FX)
    converted = _machine.set_machine_type(root, 'q35', machines, True)
    assert dx.os_type(root)['machine'] == 'pc-q35-7.2'
    assert [(d.get('device'), dx.disk_target(d), dx.disk_bus(d)) for d in dx.disks(root)] == \
        [('disk', 'sda', 'sata'), ('cdrom', 'sdb', 'sata')]
    assert [c.get('model') for c in dx.find_devices(root, 'controller', type='usb')] == ['qemu-xhci']
    assert dx.find_devices(root, 'controller', type='ide') == []
    models = [c.get('model') for c in dx.find_devices(root, 'controller', type='pci')]
    assert models == ['pcie-root'] + ['pcie-root-port'] * _machine.Q35_ROOT_PORTS
    assert all(e.find("address[@type='pci']") is None for e in dx.devices(root))
    assert dx.device_model(dx.find_devices(root, 'interface')[0]) == 'e1000e'
    assert dx.device_model(dx.find_devices(root, 'video')[0]) == 'vga'
    assert 'video cirrus -> vga' in converted and any(line.startswith('IDE disks') for line in converted)


def test_free_root_ports_are_counted_not_added_again():
    root = q35(ports=2, used=2)
    assert _machine.free_root_ports(root) == 0
    assert _machine.add_root_ports(root, 3) == 3
    assert _machine.free_root_ports(root) == 3
    assert _machine.add_root_ports(root, 3) == 0


def test_an_unplaced_device_will_take_a_free_port():
    root = q35(ports=3)
    dx.append_device(root, dx.new_element('rng', {'model': 'virtio'}))
    assert _machine.free_root_ports(root) == 2


def test_features_follow_the_table_and_the_domain_capabilities():
    class Capabilities:
        @staticmethod
        def hyperv_features():
            return ['spinlocks', 'vendor_id']

    root = q35()
    for name in ('vmcoreinfo', 'pvpanic', 'hyperv', 'acpi'):
        _machine.apply_feature(root, name, Capabilities())
    assert [child.tag for child in root.find('features')] == ['acpi', 'hyperv', 'vmcoreinfo']
    assert [child.tag for child in root.find('features/hyperv')] == ['spinlocks']
    assert root.find('features/hyperv/spinlocks').get('retries') == '8191'
    assert root.find('clock') is None  # no Hyper-V timers without stimer (TCG)
    assert dx.find_devices(root, 'panic', model='isa')
    once = dx.serialize(root)
    for name in ('vmcoreinfo', 'pvpanic', 'hyperv', 'acpi'):
        _machine.apply_feature(root, name, Capabilities())
    assert dx.serialize(root) == once


def test_an_unknown_feature_is_refused_naming_the_table():
    with pytest.raises(InvalidOption) as raised:
        _machine.check_options({'features': ['vmcoreinfo', 'turbo'], 'pcie_free_ports': None})
    assert raised.value.option == 'features' and "'turbo'" in raised.value.msg and 'vmcoreinfo' in raised.value.msg
