"""Passwords never leave the hypervisor, yet a saved definition restores with them; an account
without write access to libvirt can still read the device reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import testbed

GRAPHICS = ("<graphics type='spice' autoport='yes' passwd='spice-pass-5d2'/>")
VNC_PASSWORD = 'vnc9f1ab'  # VNC takes 8 characters at most


def with_passwords(scratch):
    name = scratch.create('q35', devices=GRAPHICS)
    xml = scratch.inactive_xml(name).replace("<graphics type='vnc'", "<graphics type='vnc' passwd='%s'" % VNC_PASSWORD)
    scratch.define(xml)
    assert VNC_PASSWORD in scratch.inactive_xml(name) and 'spice-pass-5d2' in scratch.inactive_xml(name)
    return name


def test_a_saved_definition_hides_its_passwords_and_restores_with_them(scratch):
    name = with_passwords(scratch)
    original = scratch.inactive_xml(name)
    saved = testbed.run_module('virt_domain', {'name': name, 'return_xml': True})
    previous = saved['domains'][name]['previous_xml']
    assert VNC_PASSWORD not in json.dumps(saved) and 'spice-pass-5d2' not in json.dumps(saved)
    assert previous.count('passwd="********"') == 2, previous

    # Restoring the unchanged domain from its masked definition changes nothing.
    same = testbed.run_module('virt_domain', {'name': name, 'xml': previous})
    assert same['changed'] is False, same

    assert testbed.run_module('virt_device_bus', {'name': name, 'video_model': 'vga'})['changed'] is True
    planned = testbed.run_module('virt_domain', {'name': name, 'xml': previous}, check=True, diff=True)
    restored = testbed.run_module('virt_domain', {'name': name, 'xml': previous})
    assert planned['changed'] is restored['changed'] is True
    (diff,) = planned['diff']  # the change shown, its passwords masked on both sides
    vga = testbed.parse(diff['before']).find('devices/video/model').get('type')
    assert vga == 'vga' != testbed.parse(diff['after']).find('devices/video/model').get('type')
    assert name in diff['before_header']
    assert diff['before'].count('********') == diff['after'].count('********') == 2
    assert VNC_PASSWORD not in json.dumps(planned) + json.dumps(restored)
    assert scratch.inactive_xml(name) == original  # the passwords are back, byte for byte


def test_a_masked_password_with_nothing_to_keep_is_refused(scratch):
    name = with_passwords(scratch)
    masked = testbed.run_module('virt_domain', {'name': name, 'return_xml': True})['domains'][name]['previous_xml']
    scratch.dom(name).undefine()
    result = testbed.run_module('virt_domain', {'name': name, 'xml': masked})
    assert result.get('failed') is True
    assert 'option xml' in result['msg'] and 'masked graphics type=vnc passwd' in result['msg'], result['msg']
    assert name not in [dom.name() for dom in scratch.conn.listAllDomains(0)]


def run_as_nobody(module, args):
    """Run a module straight from the installed collection as the unprivileged user nobody, with
    the system's Python and the test environment's libraries."""
    args_file = os.path.join('/tmp', 'virtuned-args-%d.json' % os.getpid())
    with open(args_file, 'w') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    os.chmod(args_file, 0o644)
    site = next(path for path in sys.path if path.endswith('site-packages'))
    done = subprocess.run(
        ['runuser', '-u', 'nobody', '--', 'env', 'PYTHONPATH=%s:%s' % (testbed.COLLECTIONS, site),
         '/usr/bin/python3', '-m', 'ansible_collections.virtuned.libvirt.plugins.modules.' + module, args_file],
        capture_output=True, text=True, cwd='/tmp', timeout=120, check=False)
    os.unlink(args_file)
    return json.loads(done.stdout)


def test_an_account_without_write_access_reads_the_device_report(scratch):
    name = with_passwords(scratch)
    denied = run_as_nobody('virt_input', {'name': [name], 'pointer_model': 'usbtablet'})
    assert denied.get('failed') is True and 'cannot connect' in denied['msg'], denied  # no write access

    report = run_as_nobody('virt_device_info', {'name': [name]})
    assert not report.get('failed'), report
    as_root = testbed.run_module('virt_device_info', {'name': name})
    assert report['domains'][name] == as_root['domains'][name]
    assert VNC_PASSWORD not in json.dumps(report)
