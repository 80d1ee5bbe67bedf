"""Every changing module over guests as virt-install makes them (its choices for each OS: a guest agent
channel without an alias, an empty cdrom, UEFI for Windows 11, …): check mode predicts each run, the
second run changes nothing, and every guest starts at the end, in check mode as for real."""

from __future__ import annotations

import subprocess

import pytest

import testbed

OSES = ('rhel6.10', 'rhel9.0', 'debian11', 'win11')
AGENT = {'kind': 'channel', 'alias': 'agent', 'target': {'type': 'virtio', 'name': 'org.qemu.guest_agent.0'}}

# (module, options), in order: stopped guests first, then running ones, then a cold platform change.
STOPPED = [
    ('virt_device_bus', {'recommended': True}),
    ('virt_input', {'pointer_model': 'usbtablet'}),
    ('virt_usb_controller', {'model': 'qemu-xhci', 'ports': 8}),
    ('virt_device', {'recommended': True, 'devices': [AGENT]}),
    ('virt_machine', {'features': ['vmcoreinfo']}),
]
RUNNING = [
    ('virt_input', {'pointer_model': 'tablet', 'input_bus': 'virtio'}),
    ('virt_device_bus', {'virtio_model': 'non-transitional'}),
    # a plain virtio NIC takes the domain's flavour, and keeps it on the second run
    ('virt_device', {'devices': [{'kind': 'rng', 'alias': 'rng1', 'model': 'virtio', 'source': '/dev/urandom'},
                                 {'kind': 'interface', 'alias': 'nic2', 'type': 'user', 'model': 'virtio'},
                                 {'kind': 'disk', 'alias': 'cd2', 'device': 'cdrom', 'bus': 'scsi', 'source': ''}]}),
    ('virt_device_bus', {'vif_model': 'e1000e'}),
    ('virt_device_bus', {'cdrom_bus': 'usb'}),  # refused: virt-install's cdrom is empty
]


def virt_install_guest(scratch, os_name, machine, graphics=('--graphics', 'vnc,listen=127.0.0.1')):
    name = testbed.scratch_name(os_name.replace('.', ''))
    command = ['virt-install', '--connect', testbed.URI, '--print-xml', '--dry-run', '--osinfo', os_name, '--import',
               '--name', name, '--memory', '256', '--virt-type', 'qemu', '--machine', machine,
               '--disk', 'path=%s,format=raw' % testbed.image(name), '--disk', 'device=cdrom',
               '--network', 'user'] + list(graphics)
    made = subprocess.run(command, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    assert made.returncode == 0, made.stderr
    return scratch.define(made.stdout)


def outcome(result):
    """What check mode must predict of a run: failure and message, and per domain its change, cold-boot need
    and live actions."""
    return {
        'failed': bool(result.get('failed')),
        'msg': result.get('msg', '').replace('would fail', 'failed') if result.get('failed') else '',
        'domains': {name: (domain['changed'], domain['reboot_required'],
                           [change['action'] for change in domain.get('live_changes', [])])
                    for name, domain in result.get('domains', {}).items()},
    }


def predicted_then_run_then_settled(module, args):
    predicted = testbed.run_module(module, args, check=True)
    result = testbed.run_module(module, args)
    assert outcome(predicted) == outcome(result), (module, args)
    again = testbed.run_module(module, args)
    assert again.get('changed') is False and bool(again.get('failed')) is bool(result.get('failed')), again
    return result


@pytest.mark.parametrize('machine', ['q35', 'pc'])
def test_every_module_on_guests_virt_install_made(scratch, machine):
    names = [virt_install_guest(scratch, os_name, machine) for os_name in OSES]
    for module, options in STOPPED:
        result = predicted_then_run_then_settled(module, dict(options, name=names))
        assert result.get('failed') is not True, (module, result['msg'])
    agents = [testbed.parse(scratch.inactive_xml(name)).findall('devices/channel/alias[@name="ua-agent"]')
              for name in names]
    assert [len(found) for found in agents] == [1] * len(names)  # virt-install's agent channel, named

    started = predicted_then_run_then_settled('virt_domain', {'name': names, 'state': 'running'})
    assert started.get('failed') is not True, started['msg']
    for module, options in RUNNING:
        result = predicted_then_run_then_settled(module, dict(options, name=names))
        if 'cdrom_bus' in options:
            assert result['failed'] is True and 'QEMU cannot start a USB cdrom without media' in result['msg']
        else:
            assert result.get('failed') is not True, (module, result['msg'])

    predicted_then_run_then_settled('virt_domain', {'name': names, 'state': 'shutoff', 'force_off': True,
                                                    'shutdown_timeout': 0})
    if machine == 'pc':
        family_change = {'name': names, 'machine_type': 'q35', 'allow_family_change': True}
        predicted_then_run_then_settled('virt_machine', family_change)
    started = predicted_then_run_then_settled('virt_domain', {'name': names, 'state': 'running'})
    assert started.get('failed') is not True, started['msg']
    for name in names:
        live = testbed.parse(scratch.live_xml(name))
        assert 'q35' in live.find('os/type').get('machine')
        assert live.find("devices/rng/alias[@name='ua-rng1']") is not None
        assert live.find("devices/interface/alias[@name='ua-nic2']/../model").get('type') == 'e1000e'
        assert 'virtio' in [i.get('bus') for i in live.findall("devices/input[@type='tablet']")]


# virt-manager's choices for a SPICE desktop: two USB redirections, alike but for the address libvirt gives them
SPICE_DESKTOP = ('--graphics', 'spice,listen=127.0.0.1', '--video', 'qxl',
                 '--redirdev', 'usb,type=spicevmc', '--redirdev', 'usb,type=spicevmc')


def test_a_guests_own_devices_given_back_change_nothing(scratch):
    """Every device virt_device_info reports of a guest, given back to virt_device in that abstract form,
    changes nothing: twins of one key (the two USB redirections) are told apart by their address. The
    second one given with state absent removes that one alone."""
    name = virt_install_guest(scratch, 'rhel9.0', 'q35', graphics=SPICE_DESKTOP)
    forms = testbed.run_module('virt_device_info', {'name': name})['domains'][name]['persistent_devices']
    given_back = [form for form in forms if form['kind'] not in ('graphics', 'audio')]
    assert [form['kind'] for form in given_back].count('redirdev') == 2
    for check in (True, False):
        result = testbed.run_module('virt_device', {'name': name, 'devices': given_back}, check=check)
        assert result.get('failed') is not True and result['changed'] is False, result
    second = [form for form in given_back if form['kind'] == 'redirdev'][1]
    before = testbed.parse(scratch.inactive_xml(name)).findall('devices/redirdev/address')
    predicted_then_run_then_settled('virt_device', {'name': name, 'devices': [second], 'state': 'absent'})
    after = testbed.parse(scratch.inactive_xml(name)).findall('devices/redirdev/address')
    assert [dict(address.attrib) for address in after] == [dict(before[0].attrib)] != [dict(before[1].attrib)]


@pytest.mark.parametrize('os_name, machine', [('rhel6.10', 'pc'), ('win11', 'q35')])
def test_a_running_guests_devices_given_back_as_reported_change_nothing(scratch, os_name, machine):
    """virt_device_info reports a running guest's devices with the aliases QEMU gave them (the companion USB
    controllers of an i440fx guest all hold usb): given back, each names its device; neither they nor the
    persistent forms change anything."""
    name = virt_install_guest(scratch, os_name, machine, graphics=SPICE_DESKTOP)
    scratch.start(name)
    before = scratch.inactive_xml(name)
    reported = testbed.run_module('virt_device_info', {'name': name})['domains'][name]
    usb_aliases = [form['alias'] for form in reported['devices'] if form['kind'] == 'controller' and form['type'] == 'usb']
    assert usb_aliases == (['usb'] * 4 if machine == 'pc' else ['usb'])
    for form in ('devices', 'persistent_devices'):
        for check in (True, False):
            result = testbed.run_module('virt_device', {'name': name, 'devices': reported[form]}, check=check)
            assert result.get('failed') is not True and result['changed'] is False, (form, result)
    assert scratch.inactive_xml(name) == before
