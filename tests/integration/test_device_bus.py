"""virt_device_bus against the real libvirtd: each change applied, then QEMU starts the domain."""

from __future__ import annotations

import pytest

import testbed


def converge(scratch, names, args, check_first=True):
    """Check mode, then the real run, then the idempotent one; returns the real result."""
    before = {name: scratch.inactive_xml(name) for name in names}
    if check_first:
        predicted = testbed.run_module('virt_device_bus', dict(args, name=names), check=True)
        assert {name: scratch.inactive_xml(name) for name in names} == before
    result = testbed.run_module('virt_device_bus', dict(args, name=names), diff=True)
    assert result.get('failed') is not True, result
    if check_first:
        assert predicted['changed'] == result['changed']
        for name in names:
            assert predicted['domains'][name]['changed'] == result['domains'][name]['changed']
            assert predicted['domains'][name]['reboot_required'] == result['domains'][name]['reboot_required']
    assert len(result.get('diff', [])) == sum(r['changed'] for r in result['domains'].values())
    assert testbed.run_module('virt_device_bus', dict(args, name=names))['changed'] is False
    return result


@pytest.mark.parametrize('machine', ['q35', 'i440fx'])
def test_disks_virtio_sata_scsi_virtio_and_boot_order_survives(scratch, machine):
    second = "<disk type='file' device='disk'><source file='%s'/><target dev='vdb' bus='virtio'/>" \
             "<boot order='1'/></disk>" % testbed.image(testbed.scratch_name('second'))
    name = scratch.create(machine, devices=second)
    for bus, targets in (('sata', ['sda', 'sdb']), ('scsi', ['sda', 'sdb']), ('virtio', ['vda', 'vdb'])):
        result = converge(scratch, [name], {'disk_bus': bus})
        assert result['changed'] is True
        assert testbed.disks(scratch.inactive_xml(name)) == [('disk', t, bus) for t in targets]
        assert "<boot order='1'/>" in scratch.inactive_xml(name).split(targets[1])[1].split('</disk>')[0]
        live = scratch.live_xml_when_started(name)
        assert testbed.disks(live) == [('disk', t, bus) for t in targets]
    assert "model='virtio-scsi'" in scratch.inactive_xml(name)


def test_a_cdrom_with_media_goes_on_usb_and_starts(scratch):
    cdrom = "<disk type='file' device='cdrom'><source file='%s'/><target dev='hdc' bus='ide'/><readonly/></disk>" \
            % testbed.image(testbed.scratch_name('media'))
    name = scratch.create('i440fx', devices=cdrom)
    converge(scratch, [name], {'cdrom_bus': 'usb'})
    assert testbed.disks(scratch.live_xml_when_started(name))[1] == ('cdrom', 'sda', 'usb')


def test_ide_cdrom_to_sata_on_i440fx_keeps_targets_apart(scratch):
    cdrom = "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>"
    name = scratch.create('i440fx', devices=cdrom)
    converge(scratch, [name], {'disk_bus': 'sata'})
    converge(scratch, [name], {'cdrom_bus': 'sata'})
    assert testbed.disks(scratch.inactive_xml(name)) == [('disk', 'sda', 'sata'), ('cdrom', 'sdb', 'sata')]
    assert testbed.disks(scratch.live_xml_when_started(name)) == [('disk', 'sda', 'sata'), ('cdrom', 'sdb', 'sata')]


@pytest.mark.parametrize('option, start, end, xpath', [
    ('video_model', 'cirrus', 'virtio', 'devices/video/model'),
    ('vif_model', 'e1000', 'virtio', 'devices/interface/model'),
])
def test_video_and_nic_models(scratch, option, start, end, xpath):
    names = [scratch.create('q35'), scratch.create('i440fx')]
    converge(scratch, names, {option: start})
    result = converge(scratch, names, {option: end})
    for name in names:
        assert testbed.parse(scratch.inactive_xml(name)).find(xpath).get('type') == end
        assert testbed.parse(scratch.live_xml_when_started(name)).find(xpath).get('type') == end
        assert result['domains'][name]['reboot_required'] is False


def test_transitional_devices_land_behind_a_pcie_to_pci_bridge(scratch):
    name = scratch.create('q35', devices=testbed.RNG)
    converge(scratch, [name], {'virtio_model': 'transitional'})
    xml = scratch.inactive_xml(name)
    assert "<disk type='file' device='disk' model='virtio-transitional'>" in xml
    assert "<model type='virtio-transitional'/>" in xml and "<rng model='virtio-transitional'>" in xml
    live = scratch.live_xml_when_started(name)
    for xpath in ('devices/disk', 'devices/interface', 'devices/rng'):
        assert testbed.slot_controller(xml, xpath) == 'pcie-to-pci-bridge', xpath
        assert testbed.slot_controller(live, xpath) == 'pcie-to-pci-bridge', xpath

    converge(scratch, [name], {'virtio_model': 'non-transitional'})
    xml = scratch.inactive_xml(name)
    assert "model='virtio-non-transitional'" in xml
    scratch.live_xml_when_started(name)
    for xpath in ('devices/disk', 'devices/interface', 'devices/rng'):
        assert testbed.slot_controller(xml, xpath) == 'pcie-root-port', xpath


def test_running_domain_changes_config_and_needs_a_cold_boot(scratch):
    name = scratch.create('q35', running=True)
    live_before = testbed.disks(scratch.live_xml(name))
    result = converge(scratch, [name], {'disk_bus': 'sata'})
    assert result['domains'][name]['reboot_required'] is True and result['reboot_required'] == [name]
    assert testbed.disks(scratch.live_xml(name)) == live_before
    assert testbed.disks(scratch.inactive_xml(name)) == [('disk', 'sda', 'sata')]


def test_stash_pin_and_drift(scratch):
    names = [scratch.create('q35'), scratch.create('i440fx')]
    pinned = converge(scratch, names, {'pin': True})
    assert pinned['changed'] is True
    info = testbed.run_module('virt_device_info', {'name': names})
    for name in names:
        report = info['domains'][name]
        assert report['stashed'] == report['properties'] and report['drift'] == []
        assert report['stashed']['hw_disk_bus'] == 'virtio' and report['stashed']['hw_cdrom_bus'] is None
        assert 'https://virtuned.dev/xmlns/libvirt/1' in scratch.inactive_xml(name)

    converge(scratch, names[:1], {'video_model': 'qxl'})
    # Someone edits the XML by hand: the stash no longer matches the devices.
    edited = scratch.inactive_xml(names[1]).replace("<model type='virtio'", "<model type='e1000'", 1)
    scratch.conn.defineXML(edited)
    info = testbed.run_module('virt_device_info', {'name': names})
    assert info['domains'][names[0]]['stashed']['hw_video_model'] == 'qxl'
    assert info['domains'][names[0]]['drift'] == []
    assert info['domains'][names[1]]['drift'] == ['hw_vif_model']
    assert info['domains'][names[1]]['stashed']['hw_vif_model'] == 'virtio'
    assert info['domains'][names[1]]['properties']['hw_vif_model'] == 'e1000'


def test_a_bus_applied_to_a_domain_without_such_a_device_holds_for_the_next_one(scratch):
    name = scratch.create('q35', disk=False)
    converge(scratch, [name], {'disk_bus': 'scsi', 'cdrom_bus': 'sata'})
    report = testbed.run_module('virt_device_info', {'name': name})['domains'][name]
    assert (report['stashed']['hw_disk_bus'], report['stashed']['hw_cdrom_bus']) == ('scsi', 'sata')
    assert report['properties']['hw_disk_bus'] is None and report['drift'] == []
    # pinned again, the choice stays: no disk says otherwise
    assert testbed.run_module('virt_device_bus', {'name': name, 'pin': True})['changed'] is False
    added = testbed.run_module('virt_device', {'name': name, 'devices': [
        {'kind': 'disk', 'alias': 'data', 'source': testbed.image(testbed.scratch_name('data'))},
        {'kind': 'disk', 'alias': 'cd', 'device': 'cdrom'}]})
    assert added['changed'] is True, added
    assert testbed.disks(scratch.inactive_xml(name)) == [('disk', 'sda', 'scsi'), ('cdrom', 'sdb', 'sata')]
    assert testbed.disks(scratch.live_xml_when_started(name)) == [('disk', 'sda', 'scsi'), ('cdrom', 'sdb', 'sata')]
    assert testbed.run_module('virt_device_info', {'name': name})['domains'][name]['drift'] == []


FIVE_IDE_DISKS = ''.join("<disk type='file' device='cdrom'><target dev='sd%s' bus='sata'/><readonly/></disk>" % x
                         for x in 'bcde')


@pytest.mark.parametrize('machine, args, devices, fragments', [
    ('q35', {'disk_bus': 'ide'}, '', ['disk_bus', "'ide'", 'pc-q35', 'allowed: ', 'sata', 'virtio']),
    ('q35', {'cdrom_bus': 'virtio'}, '', ['cdrom_bus', "'virtio'", 'allowed: ', 'sata']),
    ('i440fx', {'floppy_bus': 'sata'}, '', ['floppy_bus', "'sata'", 'allowed: fdc']),
    ('i440fx', {'disk_bus': 'fdc'}, '', ['disk_bus', "'fdc'", 'ide']),
    ('q35', {'video_model': 'matrox'}, '', ['video_model', "'matrox'", 'virtio', 'qxl']),
    ('q35', {'vif_model': 'virtio-net'}, '', ['vif_model', "'virtio-net'", 'e1000e']),
    ('q35', {'scsi_model': 'buslogic'}, '', ['scsi_model', "'buslogic'", 'virtio-scsi']),
    ('q35', {'virtio_model': 'legacy'}, '', ['virtio_model', 'legacy', 'transitional']),
    ('q35', {'disk_bus': 'usb'}, "<controller type='usb' model='none'/>", ['disk_bus', "'usb'", "model='none'"]),
    ('i440fx', {'cdrom_bus': 'ide', 'disk_bus': 'ide'}, FIVE_IDE_DISKS, ['ide', 'takes 4 disks', 'would put']),
    ('q35', {'disk_bus': 'sata', 'video_model': 'nope'}, '', ['video_model', "'nope'"]),
    ('i440fx', {'cdrom_bus': 'usb'}, "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>",
     ['cdrom_bus', "'usb'", 'without media', 'hdc']),
    ('q35', {'virtio_model': 'transitional'}, "<rng model='virtio'><backend model='random'>/dev/urandom</backend>"
     "<driver iommu='on'/></rng>", ['virtio_model', "'transitional'", "iommu='on'", 'allowed: virtio, non-transitional']),
])
def test_refused_input_leaves_the_xml_byte_identical(scratch, machine, args, devices, fragments):
    names = [scratch.create(machine), scratch.create(machine, devices=devices)]
    testbed.assert_refused(scratch, 'virt_device_bus', args, names, fragments)
