"""Domain XML from other tools, big and odd, survives every module byte for byte where it is not ours."""

from __future__ import annotations

from lxml import etree

import testbed

FOREIGN = (
    '<nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">'
    '<nova:name>web &amp; db &lt;01&gt; "quoted" \'single\'</nova:name>'
    '<nova:flavor name="m1.small"><nova:memory>2048</nova:memory></nova:flavor></nova:instance>'
    '<ovirt-tune:qos xmlns:ovirt-tune="http://ovirt.org/vm/tune/1.0"/>'
    '<bulk:data xmlns:bulk="https://example.com/bulk">%s</bulk:data>'
    % ''.join('<bulk:item n="%d">%s</bulk:item>' % (i, 'x' * 200) for i in range(5000))
)
UNKNOWN_DEVICES = ("<panic model='isa'/><watchdog model='i6300esb' action='reset'/>"
                   "<memballoon model='virtio'><stats period='10'/></memballoon>")


def foreign_parts(xml):
    root = etree.fromstring(xml.encode())
    parts = [etree.tostring(e, method='c14n') for e in root.find('metadata')
             if not e.tag.startswith('{https://virtuned.dev/')]
    parts += [etree.tostring(root.find('devices/' + tag), method='c14n') for tag in ('panic', 'watchdog')]
    parts += [etree.tostring(root.find(tag), method='c14n') for tag in ('description', 'title')]
    return parts


def test_foreign_metadata_and_devices_survive_every_module(scratch):
    name = testbed.scratch_name('hostile')
    xml = testbed.domain_xml(name, machine='q35', metadata=FOREIGN, devices=UNKNOWN_DEVICES)
    xml = xml.replace('<metadata>', "<title>a &lt;title&gt;</title><description>x &amp; y ]]&gt; z</description>"
                                    "<metadata>")
    scratch.define(xml)
    before = scratch.inactive_xml(name)
    assert len(before) > 1000000
    for module, args in (('virt_input', {'pointer_model': 'tablet', 'input_bus': 'virtio'}),
                         ('virt_usb_controller', {'model': 'usb2'}),
                         ('virt_device_bus', {'video_model': 'qxl', 'disk_bus': 'sata', 'pin': True})):
        result = testbed.run_module(module, dict(args, name=name), diff=True)
        assert result.get('failed') is not True and result['changed'] is True, result.get('msg')
        assert foreign_parts(scratch.inactive_xml(name)) == foreign_parts(before), module
    info = testbed.run_module('virt_device_info', {'name': name})['domains'][name]
    assert info['stashed']['hw_video_model'] == 'qxl' and info['drift'] == []
    scratch.start(name)
