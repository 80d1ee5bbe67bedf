"""virt_machine against the real libvirtd: machine type updates, i440fx -> q35, hot-plug room, features."""

from __future__ import annotations

import pytest

import testbed

LEGACY = ("<disk type='file' device='disk'><source file='{disk}'/><target dev='hda' bus='ide'/></disk>"
          "<disk type='file' device='cdrom'><source file='{iso}'/><target dev='hdc' bus='ide'/><readonly/></disk>"
          "<controller type='usb' index='0' model='piix3-uhci'/><sound model='ich6'/>")


def machines(scratch):
    """The host's q35 versions, oldest first, as the capabilities list them."""
    capabilities = testbed.parse(scratch.conn.getCapabilities())
    names = [m.text for m in capabilities.findall("guest/arch[@name='x86_64']/machine")
             if m.text.startswith('pc-q35-') and m.get('deprecated') != 'yes']
    return sorted(set(names), key=lambda n: tuple(int(p) for p in n[len('pc-q35-'):].split('.')))


def test_an_older_q35_moves_to_the_newest_and_starts(scratch):
    oldest, newest = machines(scratch)[0], machines(scratch)[-1]
    name = scratch.create(oldest)
    args = {'name': name, 'machine_type': 'q35'}
    planned = testbed.run_module('virt_machine', args, check=True, diff=True)
    result = testbed.run_module('virt_machine', args, diff=True)
    assert planned['changed'] is result['changed'] is True
    assert planned['diff'] == result['diff']
    assert result['domains'][name]['machine'] == newest
    live = scratch.live_xml_when_started(name)
    assert "machine='%s'" % newest in live
    info = testbed.run_module('virt_device_info', {'name': name})['domains'][name]
    assert info['stashed']['hw_machine_type'] == newest and info['drift'] == []
    assert info['machine_deprecated'] is False and info['machine_missing'] is False
    assert testbed.run_module('virt_machine', args)['changed'] is False


def test_a_running_domain_changes_at_its_next_cold_boot(scratch):
    oldest, newest = machines(scratch)[0], machines(scratch)[-1]
    name = scratch.create(oldest, running=True)
    result = testbed.run_module('virt_machine', {'name': name, 'machine_type': newest})
    assert result['reboot_required'] == [name]
    assert "machine='%s'" % oldest in scratch.live_xml(name)
    scratch.stop(name)
    scratch.start(name)
    again = testbed.run_module('virt_machine', {'name': name, 'machine_type': newest})
    assert again['changed'] is False and again['reboot_required'] == []


@pytest.mark.parametrize('machine, args, fragment', [
    ('newest', {'machine_type': 'oldest'}, 'only moves forward'),
    ('q35', {'machine_type': 'pc'}, 'needs allow_family_change=true'),
    ('q35', {'machine_type': 'pc-q35-99.9'}, 'does not offer it'),
    ('pc-i440fx-2.12', {'machine_type': 'pc-i440fx-1.5'}, 'deprecated on this host'),
    ('q35', {'features': ['turbo']}, "'turbo'"),
    ('pc', {'pcie_free_ports': 2}, 'has no PCIe root ports'),
])
def test_refusals_change_nothing(scratch, machine, args, fragment):
    known = {'newest': machines(scratch)[-1], 'oldest': machines(scratch)[0]}
    names = [scratch.create(known.get(machine, machine)), scratch.create(known.get(machine, machine), running=True)]
    args = {key: known.get(value, value) if isinstance(value, str) else value for key, value in args.items()}
    testbed.assert_refused(scratch, 'virt_machine', args, names, [fragment])


def test_an_i440fx_domain_is_converted_to_q35_and_starts(scratch):
    name = testbed.scratch_name('legacy')
    devices = LEGACY.format(disk=testbed.image(name), iso=testbed.image(testbed.scratch_name('iso')))
    xml = testbed.domain_xml(name, machine='i440fx', disk=False, devices=devices)
    xml = xml.replace("<model type='virtio'/></interface>", "<model type='e1000'/></interface>")
    scratch.define(xml.replace("<video><model type='virtio'/></video>", "<video><model type='cirrus'/></video>"))
    assert "bus='ide'" in scratch.inactive_xml(name) and "type='cirrus'" in scratch.inactive_xml(name)
    args = {'name': name, 'machine_type': 'q35', 'allow_family_change': True}
    planned = testbed.run_module('virt_machine', args, check=True)
    result = testbed.run_module('virt_machine', args)
    assert planned['domains'][name]['converted'] == result['domains'][name]['converted']
    live = testbed.parse(scratch.live_xml_when_started(name))
    assert 'q35' in live.find('os/type').get('machine')
    assert sorted(t.get('bus') for t in live.findall('devices/disk/target')) == ['sata', 'sata']
    assert [c.get('model') for c in live.findall("devices/controller[@type='usb']")] == ['qemu-xhci']
    assert live.find('devices/video/model').get('type') == 'vga'
    assert live.find('devices/interface/model').get('type') == 'e1000e'
    assert live.find('devices/sound').get('model') == 'ich9'
    assert testbed.run_module('virt_machine', args)['changed'] is False


def test_free_root_ports_take_three_hot_plugged_devices_after_a_cold_boot(scratch):
    name = scratch.create('q35', running=True)
    rng = {'kind': 'rng', 'model': 'virtio', 'source': '/dev/urandom'}
    first = testbed.run_module('virt_device', {'name': name, 'devices': [dict(rng, alias='rng0'), dict(rng, alias='rng00')]})
    actions = [c['action'] for c in first['domains'][name]['live_changes']]
    assert actions == ['attached', 'not attached'], actions  # libvirt leaves one root port free, no more
    result = testbed.run_module('virt_machine', {'name': name, 'pcie_free_ports': 3})
    assert result['domains'][name]['root_ports_added'] >= 3 and result['reboot_required'] == [name]
    assert testbed.run_module('virt_machine', {'name': name, 'pcie_free_ports': 3})['changed'] is False
    scratch.stop(name)
    scratch.start(name)
    added = testbed.run_module('virt_device', {'name': name, 'devices': [
        dict(rng, alias='rng1'), dict(rng, alias='rng2'), dict(rng, alias='rng3')]})
    actions = [c['action'] for c in added['domains'][name]['live_changes']]
    assert actions == ['attached'] * 3, added['domains'][name]['live_changes']
    assert all("ua-rng%d'" % n in scratch.live_xml(name) for n in (1, 2, 3))


def test_features_are_applied_and_the_domain_starts(scratch):
    name = scratch.create('q35')
    args = {'name': name, 'features': ['vmcoreinfo', 'pvpanic', 'hyperv', 'acpi', 'apic']}
    result = testbed.run_module('virt_machine', args)
    assert result['changed'] is True
    live = testbed.parse(scratch.live_xml_when_started(name))
    assert live.find('features/vmcoreinfo').get('state') == 'on'
    assert live.find('features/hyperv/spinlocks').get('state') == 'on'
    assert live.find("devices/panic[@model='isa']") is not None
    assert testbed.run_module('virt_machine', args)['changed'] is False


def test_pin_stashes_the_machine_type_without_changing_it(scratch):
    name = scratch.create('q35')
    machine = testbed.parse(scratch.inactive_xml(name)).find('os/type').get('machine')
    result = testbed.run_module('virt_machine', {'name': name, 'pin': True})
    assert result['changed'] is True and result['domains'][name]['machine'] == machine
    info = testbed.run_module('virt_device_info', {'name': name})['domains'][name]
    assert info['stashed']['hw_machine_type'] == machine == info['properties']['hw_machine_type']
