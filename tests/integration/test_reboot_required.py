"""reboot_required tells the truth on running domains, for each option of each module.

Each case changes a running domain, then cold-boots it (destroy, start) and compares the devices
it runs with before and after the cold boot: they differ exactly when the module said a cold boot
was required. After the cold boot, the same task again changes nothing and requires no reboot.
"""

from __future__ import annotations

import re

import pytest
from lxml import etree

import testbed

FLOPPY = "<disk type='file' device='floppy'><source file='{floppy}'/><target dev='fda' bus='fdc'/></disk>"
CDROM = "<disk type='file' device='cdrom'><source file='{cdrom}'/><target dev='sda' bus='sata'/><readonly/></disk>"
VIRTIO_SCSI = "<controller type='scsi' index='0' model='virtio-scsi'/>"
XHCI_15 = "<controller type='usb' index='0' model='qemu-xhci' ports='15'/>"
USB_TABLET = "<input type='tablet' bus='usb'/>"
RHEL6 = ("<libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>"
         "<libosinfo:os id='http://redhat.com/rhel/6.10'/></libosinfo:libosinfo>")

# (case id, module, options, machine, extra devices, metadata, whether only a cold boot applies it)
CASES = [
    ('disk_bus', 'virt_device_bus', {'disk_bus': 'sata'}, 'q35', '', '', True),
    ('cdrom_bus', 'virt_device_bus', {'cdrom_bus': 'scsi'}, 'q35', CDROM, '', True),
    ('floppy_bus', 'virt_device_bus', {'floppy_bus': 'fdc'}, 'i440fx', FLOPPY, '', False),
    ('video_model', 'virt_device_bus', {'video_model': 'vga'}, 'q35', '', '', True),
    ('vif_model', 'virt_device_bus', {'vif_model': 'e1000e'}, 'q35', '', '', True),
    ('scsi_model', 'virt_device_bus', {'scsi_model': 'lsilogic'}, 'q35', VIRTIO_SCSI, '', True),
    ('virtio_model', 'virt_device_bus', {'virtio_model': 'transitional'}, 'q35', testbed.RNG, '', True),
    ('pin', 'virt_device_bus', {'pin': True}, 'q35', '', '', False),
    ('recommended', 'virt_device_bus', {'recommended': True}, 'i440fx', '', RHEL6, True),
    ('os', 'virt_device_bus', {'recommended': True, 'os': 'rhel6.10'}, 'i440fx', '', '', True),
    ('pointer_model', 'virt_input', {'pointer_model': 'usbtablet'}, 'q35', '', '', False),
    ('input_bus', 'virt_input', {'pointer_model': 'tablet', 'input_bus': 'virtio'}, 'q35',
     testbed.SPARE_ROOT_PORTS, '', False),
    ('input without a free slot', 'virt_input', {'pointer_model': 'tablet', 'input_bus': 'virtio'}, 'q35', '', '',
     True),
    ('input devices', 'virt_input', {'devices': [{'type': 'keyboard', 'bus': 'virtio'}]}, 'q35', '', '', False),
    ('input ps2', 'virt_input', {'devices': [{'type': 'keyboard', 'bus': 'usb'}, {'type': 'mouse', 'bus': 'ps2'}]},
     'i440fx', '', '', False),
    ('input absent', 'virt_input', {'devices': [{'type': 'tablet', 'bus': 'usb'}], 'state': 'absent'}, 'q35',
     USB_TABLET, '', False),
    ('input exclusive', 'virt_input', {'devices': [{'type': 'tablet', 'bus': 'virtio'}], 'exclusive': True}, 'q35',
     USB_TABLET, '', False),
    ('usb model', 'virt_usb_controller', {'model': 'usb2'}, 'q35', '', '', True),
    ('usb index', 'virt_usb_controller', {'model': 'qemu-xhci', 'index': 1}, 'q35', '', '', True),
    ('usb count', 'virt_usb_controller', {'model': 'qemu-xhci', 'count': 2}, 'q35', '', '', True),
    ('usb ports', 'virt_usb_controller', {'model': 'qemu-xhci', 'ports': 4}, 'q35', XHCI_15, '', True),
    ('usb absent', 'virt_usb_controller', {'model': 'qemu-xhci', 'state': 'absent'}, 'q35', XHCI_15, '', True),
    ('domain state', 'virt_domain', {'state': 'running'}, 'q35', '', '', False),
]


def running_devices(xml_text):
    """The devices a running domain has, without what each start renames or places anew."""
    root = etree.fromstring(xml_text.encode())
    shown = []
    for device in root.find('devices'):
        if not isinstance(device.tag, str) or device.tag in ('graphics', 'emulator'):
            continue
        for runtime in device.findall('alias') + device.findall('address') + device.findall('backingStore'):
            device.remove(runtime)
        if device.tag == 'interface':
            for target in device.findall('target'):
                device.remove(target)
        for source in device.findall('source'):
            source.attrib.pop('index', None)
        shown.append(etree.tostring(device, method='c14n').decode())
    return sorted(shown)


def cold_boot(scratch, name):
    scratch.stop(name)
    scratch.start(name)
    return scratch.live_xml(name)


@pytest.mark.parametrize('case, module, options, machine, devices, metadata, cold',
                         CASES, ids=[case[0] for case in CASES])
def test_reboot_required_is_true_exactly_when_a_cold_boot_changes_the_running_devices(
        scratch, case, module, options, machine, devices, metadata, cold):
    devices = devices.format(floppy=testbed.image(testbed.scratch_name('fd')),
                             cdrom=testbed.image(testbed.scratch_name('cd')))
    name = scratch.create(machine, running=True, devices=devices, metadata=metadata)
    result = testbed.run_module(module, dict(options, name=name))
    assert not result.get('failed'), result
    reported = result['domains'][name]['reboot_required']
    assert result['reboot_required'] == ([name] if reported else [])
    live_before = scratch.live_xml(name)
    live_after = cold_boot(scratch, name)
    assert (running_devices(live_before) != running_devices(live_after)) is reported, (
        '%s: reboot_required=%s, yet the cold boot %s the running devices'
        % (case, reported, 'changed' if not reported else 'did not change'))
    assert reported is cold, case  # the cases are chosen to show both answers

    again = testbed.run_module(module, dict(options, name=name))
    assert again['changed'] is False, again
    assert again['domains'][name]['reboot_required'] is False, again


def test_a_new_definition_given_to_a_running_domain_waits_for_a_cold_boot(scratch):
    name = scratch.create('q35', running=True)
    new_definition = re.sub(r"(<video>\s*<model type=')virtio'", r"\1vga'", scratch.inactive_xml(name))
    assert "<model type='vga'" in new_definition
    planned = testbed.run_module('virt_domain', {'name': name, 'xml': new_definition}, check=True)
    result = testbed.run_module('virt_domain', {'name': name, 'xml': new_definition})
    assert result['domains'][name]['reboot_required'] is True, result
    assert planned['domains'][name]['reboot_required'] is True, planned
    assert result['reboot_required'] == [name]
    live_before = scratch.live_xml(name)
    assert running_devices(live_before) != running_devices(cold_boot(scratch, name))
    assert testbed.run_module('virt_domain', {'name': name})['domains'][name]['reboot_required'] is False
