"""Check mode's prediction of refused hot-plugs, against the real libvirtd: every entry of the table of
devices libvirt never plugs live is refused by it (and the devices just outside the table are taken), and
check mode's live_changes match the run's with and without room in the running domain."""

from __future__ import annotations

import libvirt
import pytest

import testbed
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _hotplug

# A device of each entry of _hotplug's table, with a piece of libvirt's (or QEMU's) refusal; machine: where
# the device makes sense (an IDE disk needs i440fx's IDE controller).
NEVER_LIVE = [
    ('q35', "<video><model type='virtio'/></video>", "live attach of device 'video' is not supported"),
    ('q35', "<sound model='ich9'/>", "live attach of device 'sound' is not supported"),
    ('q35', "<memballoon model='virtio'/>", "live attach of device 'memballoon' is not supported"),
    ('q35', "<panic model='isa'/>", "live attach of device 'panic' is not supported"),
    ('q35', "<graphics type='vnc' port='-1'/>", "live attach of device 'graphics' is not supported"),
    ('q35', "<hub type='usb'/>", "live attach of device 'hub' is not supported"),
    ('q35', "<iommu model='intel'/>", "live attach of device 'iommu' is not supported"),
    ('q35', "<tpm model='tpm-crb'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>",
     "live attach of device 'tpm' is not supported"),
    ('q35', "<disk type='file' device='floppy'><target dev='fda' bus='fdc'/></disk>",
     "floppy device hotplug isn't supported"),
    ('q35', "<disk type='file' device='disk'><source file='{image}'/><target dev='sdf' bus='sata'/></disk>",
     'does not support hotplugging'),
    ('q35', "<disk type='file' device='cdrom'><source file='{image}'/><target dev='sdc' bus='sata'/><readonly/></disk>",
     'does not support hotplugging'),
    ('i440fx', "<disk type='file' device='disk'><source file='{image}'/><target dev='hdb' bus='ide'/></disk>",
     'does not support hotplugging'),
    ('q35', "<input type='mouse' bus='ps2'/>", "input device on bus 'ps2' cannot be hot plugged"),
    ('q35', "<controller type='usb' index='1' model='qemu-xhci'/>", "'usb' controller cannot be hot plugged"),
    ('q35', "<controller type='sata' index='1'/>", "'sata' controller cannot be hot plugged"),
    ('q35', "<controller type='virtio-serial' index='0'/>", "'virtio-serial' controller cannot be hot plugged"),
    ('i440fx', "<watchdog model='ib700'/>", 'hotplug of watchdog of model ib700 is not supported'),
    ('q35', "<filesystem type='mount' accessmode='mapped'><source dir='/tmp'/><target dir='probe'/></filesystem>",
     'only virtiofs filesystems can be hotplugged'),
    ('q35', "<serial type='pty'><target port='1'/></serial>", "does not support hotplugging"),
    ('q35', "<parallel type='pty'><target port='0'/></parallel>", "does not support hotplugging"),
]

# Just outside the table: the same kinds on a bus or model libvirt plugs live (room given).
PLUGGED_LIVE = [
    ('q35', "<disk type='file' device='disk'><source file='{image}'/><target dev='vdb' bus='virtio'/></disk>"),
    ('q35', "<disk type='file' device='disk'><source file='{image}'/><target dev='sdg' bus='usb'/></disk>"),
    ('q35', "<disk type='file' device='cdrom'><source file='{image}'/><target dev='sdh' bus='usb'/><readonly/></disk>"),
    ('q35', "<input type='tablet' bus='usb'/>"),
    ('q35', "<input type='keyboard' bus='virtio'/>"),
    ('q35', "<controller type='scsi' index='0' model='virtio-scsi'/>"),
    ('i440fx', "<watchdog model='i6300esb'/>"),
    ('q35', "<serial type='pty'><target type='usb-serial' port='2'/></serial>"),
    ('q35', "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"),
]


def _attach(scratch, machine, snippet):
    name = testbed.running_with_acpi(scratch, machine, devices=testbed.SPARE_ROOT_PORTS if machine == 'q35' else '')
    xml = snippet.format(image=testbed.image(testbed.scratch_name('hotplug')))
    try:
        scratch.dom(name).attachDeviceFlags(xml, libvirt.VIR_DOMAIN_AFFECT_LIVE)
    except libvirt.libvirtError as exc:
        return xml, str(exc)
    return xml, None


@pytest.mark.parametrize('machine, snippet, refusal', NEVER_LIVE)
def test_libvirt_refuses_every_device_the_table_says_it_never_plugs_live(scratch, machine, snippet, refusal):
    xml, error = _attach(scratch, machine, snippet)
    assert _hotplug.never_live(dx.parse(xml, root_tag=None))
    assert error is not None and refusal in error, error


@pytest.mark.parametrize('machine, snippet', PLUGGED_LIVE)
def test_libvirt_plugs_the_devices_just_outside_the_table(scratch, machine, snippet):
    xml, error = _attach(scratch, machine, snippet)
    assert _hotplug.never_live(dx.parse(xml, root_tag=None)) is None
    assert error is None


def _outcome(result, name):
    domain = result['domains'][name]
    return [(c['action'], c['device']['kind'], c['device']['alias']) for c in domain['live_changes']], \
        domain['reboot_required']


def test_check_mode_knows_when_a_running_domain_has_no_room_for_a_second_virtio_device(scratch):
    tight = scratch.create('q35', running=True)  # libvirt leaves one root port free: one virtio device fits
    roomy = scratch.create('q35', running=True, devices=testbed.SPARE_ROOT_PORTS)
    args = {'name': [tight, roomy], 'pointer_model': 'tablet', 'input_bus': 'virtio'}
    planned = testbed.run_module('virt_input', args, check=True)
    refused = [c for c in planned['domains'][tight]['live_changes'] if c['action'] == 'not attached']
    assert len(refused) == 1 and 'no free hot-pluggable PCI slot' in refused[0]['error']
    assert any('would fail' in warning for warning in planned['warnings'])
    result = testbed.run_module('virt_input', args)
    for name, refusals in ((tight, 1), (roomy, 0)):
        assert _outcome(planned, name) == _outcome(result, name)
        assert [c['action'] for c in result['domains'][name]['live_changes']].count('not attached') == refusals
    assert planned['reboot_required'] == result['reboot_required'] == [tight]


@pytest.mark.parametrize('machine, acpi, refused', [
    # The sound card never plugs live; on q35 the conventional PCI watchdog finds no PCI slot (a bridge would
    # have to be added) and the virtio RNG takes the one free root port; i440fx plugs both through ACPI only.
    ('q35', False, {'ua-snd', 'ua-dog'}),
    ('i440fx', True, {'ua-snd'}),
    ('i440fx', False, {'ua-snd', 'ua-dog', 'ua-rng'}),
])
def test_check_mode_predicts_each_hot_plug_of_a_mixed_batch(scratch, machine, acpi, refused):
    name = testbed.running_with_acpi(scratch, machine) if acpi else scratch.create(machine, running=True)
    args = {'name': name, 'devices': [{'kind': 'sound', 'alias': 'snd', 'model': 'ich9'},
                                      {'kind': 'watchdog', 'alias': 'dog', 'model': 'i6300esb'},
                                      {'kind': 'rng', 'alias': 'rng', 'model': 'virtio', 'source': '/dev/urandom'}]}
    planned = testbed.run_module('virt_device', args, check=True)
    assert testbed.parse(scratch.live_xml(name)).find('devices/rng') is None
    result = testbed.run_module('virt_device', args)
    assert _outcome(planned, name) == _outcome(result, name)
    assert {alias for action, _kind, alias in _outcome(result, name)[0] if action == 'not attached'} == refused
    assert (testbed.parse(scratch.live_xml(name)).find('devices/rng') is not None) is ('ua-rng' not in refused)
