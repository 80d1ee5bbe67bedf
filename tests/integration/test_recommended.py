"""OS-aware recommendations from Debian's osinfo-db, applied to real domains."""

from __future__ import annotations

import testbed

RHEL6 = testbed.libosinfo('http://redhat.com/rhel/6.0')
RHEL9 = testbed.libosinfo('http://redhat.com/rhel/9.0')
ROCKY9 = testbed.libosinfo('http://rockylinux.org/rocky/9')
WIN7 = testbed.libosinfo('http://microsoft.com/win/7')
UBUNTU2204 = testbed.libosinfo('http://ubuntu.com/ubuntu/22.04')
CENTOS7 = testbed.libosinfo('http://centos.org/centos/7.0')
AGENT = "channel/target[@name='org.qemu.guest_agent.0']"


def apply_all(name, check_idempotent=True):
    """recommended: true through the three modules that apply recommendations; their results."""
    results = {module: testbed.run_module(module, {'name': name, 'recommended': True})
               for module in ('virt_device_bus', 'virt_device', 'virt_machine')}
    for module, result in results.items():
        assert result.get('failed') is not True, (module, result)
    if check_idempotent:
        for module in results:
            again = testbed.run_module(module, {'name': name, 'recommended': True})
            assert again['changed'] is False, (module, again)
    return results


def usb_models(xml):
    return sorted(c.get('model') for c in testbed.parse(xml).findall("devices/controller[@type='usb']"))


def test_rhel6_on_q35_gets_transitional_devices_behind_a_bridge(scratch):
    name = scratch.create('q35', metadata=RHEL6, devices=testbed.RNG)
    info = testbed.run_module('virt_device_info', {'name': name})['domains'][name]
    assert info['os_id'] == 'http://redhat.com/rhel/6.0'
    assert info['recommended']['virtio_model'] == {
        'value': 'transitional', 'reason': 'rhel6.0 lists virtio-block (osinfo pcisig.com/pci/1af4/1001) but no virtio '
                                           '1.0 device and the machine is q35: transitional, behind a pcie-to-pci-bridge'}
    result = testbed.run_module('virt_device_bus', {'name': name, 'recommended': True})
    assert result['changed'] is True
    assert result['domains'][name]['recommended']['virtio_model']['value'] == 'transitional'
    xml = scratch.inactive_xml(name)
    scratch.start(name)
    for xpath in ('devices/disk', 'devices/interface', 'devices/rng'):
        assert testbed.slot_controller(xml, xpath) == 'pcie-to-pci-bridge', xpath
    assert testbed.run_module('virt_device_bus', {'name': name, 'recommended': True})['changed'] is False


def test_rhel9_gets_virtio_input_xhci_and_plain_virtio_with_explicit_options_winning(scratch):
    name = scratch.create('q35', metadata=RHEL9)
    info = testbed.run_module('virt_device_info', {'name': name})['domains'][name]
    values = {key: item['value'] for key, item in info['recommended'].items()}
    assert values['hw_input_bus'] == 'virtio' and values['hw_pointer_model'] == 'tablet'
    assert values['usb_model'] == 'qemu-xhci' and values['virtio_model'] == 'virtio'
    assert all(item['reason'].startswith('rhel9.0 ') for item in info['recommended'].values())
    result = testbed.run_module('virt_device_bus', {'name': name, 'recommended': True, 'video_model': 'qxl',
                                                    'cdrom_bus': 'scsi'})
    assert result.get('failed') is not True, result
    props = testbed.run_module('virt_device_info', {'name': name})['domains'][name]['properties']
    assert props['hw_video_model'] == 'qxl' and props['hw_disk_bus'] == 'virtio'


def test_an_os_option_overrides_and_an_unknown_os_is_refused(scratch):
    name = scratch.create('i440fx')
    before = scratch.inactive_xml(name)
    refused = testbed.run_module('virt_device_bus', {'name': name, 'recommended': True, 'os': 'rhel99.9'})
    assert refused['failed'] is True
    assert "option os: value 'rhel99.9'" in refused['msg'] and 'rhel' in refused['msg'].split('allowed:')[1]
    assert scratch.inactive_xml(name) == before
    without = testbed.run_module('virt_device_bus', {'name': name, 'os': 'rhel9.0'})
    assert without['failed'] is True and 'recommended=true' in without['msg']
    applied = testbed.run_module('virt_device_bus', {'name': name, 'recommended': True, 'os': 'win10'})
    assert applied['changed'] is True
    assert testbed.disks(scratch.inactive_xml(name)) == [('disk', 'hda', 'ide')]
    assert "<model type='e1000'/>" in scratch.inactive_xml(name)  # e1000e only on q35 (PCIe)


def test_no_metadata_no_os_means_no_recommendation_and_no_guess(scratch):
    name = scratch.create('q35')
    before = scratch.inactive_xml(name)
    info = testbed.run_module('virt_device_info', {'name': name})['domains'][name]
    assert info['recommended'] == {} and 'no libosinfo metadata' in info['recommended_message']
    result = testbed.run_module('virt_device_bus', {'name': name, 'recommended': True})
    assert result['changed'] is False and scratch.inactive_xml(name) == before
    assert any('no libosinfo metadata' in warning for warning in result['warnings'])


def test_rocky9_gets_what_rhel9_drives_hot_plugged_where_qemu_can(scratch):
    """Rocky clones RHEL: osinfo-db lists its devices on RHEL 9's entry."""
    name = scratch.create('q35', metadata=ROCKY9, disk_bus='sata', nic='e1000e', devices=testbed.SPARE_ROOT_PORTS,
                          video="<video><model type='vga'/></video>", running=True)
    info = testbed.run_module('virt_device_info', {'name': name})['domains'][name]
    assert info['recommended']['hw_disk_bus']['reason'].endswith('(osinfo pcisig.com/pci/1af4/1042, from rhel9.0)')
    results = apply_all(name)
    device = results['virt_device']['domains'][name]
    actions = {(c['device']['kind'], c['action']) for c in device['live_changes']}
    # the RNG is hot-plugged; libvirt cannot hot-plug the virtio-serial controller the agent channel needs
    assert ('rng', 'attached') in actions and ('channel', 'not attached') in actions, device['live_changes']
    assert device['reboot_required'] is True
    live = testbed.parse(scratch.live_xml(name))
    assert live.find('devices/rng') is not None and live.find('devices/' + AGENT) is None
    assert results['virt_device_bus']['domains'][name]['reboot_required'] is True  # buses: a cold boot
    scratch.stop(name)
    live_xml = scratch.live_xml_when_started(name)
    live = testbed.parse(live_xml)
    assert testbed.disks(live_xml) == [('disk', 'vda', 'virtio')]
    assert live.find('devices/interface/model').get('type') == 'virtio'
    assert live.find('devices/video/model').get('type') == 'virtio'
    assert live.find('devices/' + AGENT) is not None


def test_rhel6_on_q35_gets_the_usb2_set_and_a_transitional_agent_channel(scratch):
    name = scratch.create('q35', metadata=RHEL6)
    assert usb_models(scratch.inactive_xml(name)) == ['qemu-xhci']  # libvirt's q35 default, which RHEL 6 cannot drive
    apply_all(name)
    xml = scratch.inactive_xml(name)
    assert usb_models(xml) == ['ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3']
    serial = testbed.parse(xml).find("devices/controller[@type='virtio-serial']")
    assert serial.get('model') == 'virtio-transitional'
    live = scratch.live_xml_when_started(name)
    assert usb_models(live) == ['ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3']
    assert testbed.slot_controller(live, "devices/controller[@type='virtio-serial']") == 'pcie-to-pci-bridge'
    assert testbed.parse(live).find('devices/' + AGENT) is not None


def test_windows7_on_q35_gets_usb2_sata_e1000e_and_hyperv(scratch):
    name = scratch.create('q35', metadata=WIN7, devices="<input type='tablet' bus='usb'/>")
    results = apply_all(name)
    assert results['virt_machine']['domains'][name]['recommended']['features']['value'] == ['hyperv']
    live_xml = scratch.live_xml_when_started(name)
    live = testbed.parse(live_xml)
    assert usb_models(live_xml) == ['ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3']
    assert live.find("devices/input[@type='tablet']").get('bus') == 'usb'  # the tablet moved to the USB 2 bus
    assert testbed.disks(live_xml) == [('disk', 'sda', 'sata')]
    assert live.find('devices/interface/model').get('type') == 'e1000e'
    # the enlightenments the domain capabilities offer (with TCG: spinlocks only)
    assert live.find('features/hyperv/spinlocks').get('state') == 'on'
    assert live.find('devices/rng') is None  # Windows 7 lists no virtio device


def test_a_headless_linux_gets_no_video_and_no_pointer(scratch):
    name = scratch.create('q35', metadata=UBUNTU2204, graphics='')
    info = testbed.run_module('virt_device_info', {'name': name})['domains'][name]
    assert info['recommended']['hw_video_model']['value'] == 'none'
    assert info['recommended']['hw_pointer_model']['value'] is None
    assert 'headless' in info['recommended']['hw_pointer_model']['reason']
    apply_all(name)
    live = testbed.parse(scratch.live_xml_when_started(name))
    assert [v.get('type') for v in live.findall('devices/video/model')] in ([], ['none'])


def test_a_spice_linux_gets_qxl_and_no_pointer_with_the_agent(scratch):
    name = scratch.create('q35', metadata=CENTOS7, graphics=testbed.SPICE, devices=testbed.SPICE_AGENT,
                          video="<video><model type='vga'/></video>")
    info = testbed.run_module('virt_device_info', {'name': name})['domains'][name]
    assert info['recommended']['hw_video_model']['value'] == 'qxl'
    assert info['recommended']['hw_pointer_model']['value'] is None
    apply_all(name)
    live = testbed.parse(scratch.live_xml_when_started(name))
    assert live.find('devices/video/model').get('type') == 'qxl'
    assert live.find('devices/' + AGENT) is not None and live.find('devices/rng') is not None


def test_an_i440fx_guest_is_converted_only_when_allowed(scratch):
    name = scratch.create('i440fx', metadata=ROCKY9)
    before = scratch.inactive_xml(name)
    result = testbed.run_module('virt_machine', {'name': name, 'recommended': True})
    assert result['changed'] is False and scratch.inactive_xml(name) == before
    assert any('allow_family_change' in warning for warning in result['warnings'])
    converted = testbed.run_module('virt_machine', {'name': name, 'recommended': True, 'allow_family_change': True})
    assert converted['changed'] is True and 'q35' in converted['domains'][name]['machine']
    assert testbed.parse(scratch.live_xml_when_started(name)).find('os/type').get('machine').startswith('pc-q35')


def test_virt_device_explicit_kinds_win_and_os_needs_recommended(scratch):
    name = scratch.create('q35', metadata=RHEL9)
    before = scratch.inactive_xml(name)
    refused = testbed.run_module('virt_device', {'name': name, 'os': 'rhel9.0', 'devices': [{'kind': 'rng'}]})
    assert refused['failed'] is True and 'recommended=true' in refused['msg'] and 'option os' in refused['msg']
    nothing = testbed.run_module('virt_device', {'name': name})
    assert nothing['failed'] is True and 'option devices' in nothing['msg']
    assert scratch.inactive_xml(name) == before
    result = testbed.run_module('virt_device', {'name': name, 'recommended': True, 'devices': [
        {'kind': 'rng', 'model': 'virtio', 'source': '/dev/random', 'alias': 'mine'}]})
    assert result['changed'] is True
    rngs = testbed.parse(scratch.inactive_xml(name)).findall('devices/rng')
    assert [r.find('backend').text for r in rngs] == ['/dev/random']
