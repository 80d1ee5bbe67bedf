"""The shipped playbooks against the real libvirtd: the demo twice, the audit report in a browser."""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid

import pytest
import yaml

import browser
import testbed


def test_demo_moves_the_domains_and_changes_nothing_the_second_time(scratch):
    prefix = 'vt-test-demo-' + uuid.uuid4().hex[:6]
    scratch.names += ['%s-%s' % (prefix, n) for n in ('web', 'db', 'legacy')]
    extra = {'demo_prefix': prefix, 'demo_image_dir': testbed.IMAGES}
    os.makedirs(testbed.IMAGES, exist_ok=True)
    first = testbed.run_playbook_file('playbooks/demo.yml', extra)
    assert testbed.failures(first) == [] and testbed.changed_count(first) > 0
    web, db, legacy = ('%s-%s' % (prefix, n) for n in ('web', 'db', 'legacy'))
    assert scratch.dom(web).isActive() and not scratch.dom(db).isActive()
    assert testbed.disks(scratch.live_xml(web))[0] == ('disk', 'vda', 'virtio')
    assert ('tablet', 'virtio') in testbed.explicit_inputs(scratch.live_xml(web))
    assert ('qemu-xhci', 1) in testbed.usb_controllers(scratch.inactive_xml(db))
    assert testbed.slot_controller(scratch.inactive_xml(legacy), 'devices/disk') == 'pcie-to-pci-bridge'
    tables = [t for t in first['tasks'] if t['name'] == 'Show a before/after table per domain']
    assert any('hw_disk_bus        ide            virtio' in line for t in tables for line in t['result']['msg'])
    second = testbed.run_playbook_file('playbooks/demo.yml', extra)
    assert testbed.failures(second) == [] and testbed.changed_count(second) == 0


@pytest.mark.skipif(browser.CHROMIUM is None, reason='Debian chromium is not installed (scripts/bootstrap.sh installs it)')
def test_audit_report_renders_a_row_per_domain(scratch, tmp_path):
    ide = scratch.create('i440fx', devices="<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>")
    stashed = scratch.create('q35')
    pending = scratch.create('q35', running=True)
    deprecated = scratch.create('pc-i440fx-1.5')  # QEMU 7.2 marks it deprecated
    assert testbed.run_module('virt_device_bus', {'name': stashed, 'pin': True})['changed'] is True
    assert testbed.run_module('virt_device_bus', {'name': pending, 'video_model': 'vga'})['reboot_required'] == [pending]
    output = testbed.run_playbook_file('playbooks/audit.yml', {'audit_dir': str(tmp_path)})
    assert testbed.failures(output) == []
    report = json.loads((tmp_path / 'audit.json').read_text())
    rows = {row['name']: row for row in report['domains']}
    assert rows[ide]['ide_devices'] == ['hdc'] and rows[ide]['stashed'] == {}
    assert rows[stashed]['stashed']['hw_disk_bus'] == 'virtio' and rows[stashed]['drift'] == []
    assert report['totals']['domains'] == len(report['domains']) and report['totals']['on_ide'] >= 1
    # A running domain whose change waits for a cold boot shows both values, and counts.
    assert rows[pending]['reboot_required'] is True and rows[stashed]['reboot_required'] is False
    assert rows[pending]['properties']['hw_video_model'] == 'vga'
    assert rows[pending]['live_properties']['hw_video_model'] == 'virtio'
    assert report['totals']['reboot_pending'] == sum(row['reboot_required'] for row in report['domains']) >= 1
    assert report['failed_hosts'] == {} and report['totals']['failed_hosts'] == 0
    assert rows[deprecated]['machine_deprecated'] is True and rows[stashed]['machine_deprecated'] is False
    assert report['totals']['on_deprecated_machines'] == sum(row['machine_deprecated'] for row in report['domains'])

    profile = tmp_path / 'chromium-profile'
    page = 'file://%s' % (tmp_path / 'audit.html')
    dom = browser.dump_dom(page, profile)
    assert len(re.findall(r'<tr class="domain">', dom)) == len(report['domains'])
    assert '<td>%s</td>' % ide in dom and '<td>%s</td>' % stashed in dom
    assert 'vga (runs virtio)' in dom and 'pc-i440fx-1.5 (deprecated)' in dom
    screenshot = os.path.join(testbed.BUILD, 'audit.png')
    browser.screenshot(page, profile, screenshot)
    assert os.path.getsize(screenshot) > 10000


def test_a_hypervisor_that_cannot_be_read_is_in_the_report_and_fails_the_run(scratch, tmp_path):
    name = scratch.create('q35')
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {
        'localhost': {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'},
        'unreadable': {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}',
                       'audit_uri': 'qemu+unix:///system?socket=/nonexistent/libvirt-sock'},
    }}}))
    output = testbed.run_playbook_file('playbooks/audit.yml', {'audit_dir': str(tmp_path / 'report')},
                                       inventory=str(inventory))
    report = json.loads((tmp_path / 'report' / 'audit.json').read_text())
    assert list(report['failed_hosts']) == ['unreadable']
    assert 'cannot connect to libvirt' in report['failed_hosts']['unreadable']
    assert report['totals']['failed_hosts'] == 1 and report['totals']['hosts'] == 2
    assert name in [row['name'] for row in report['domains']]
    assert all(row['host'] == 'localhost' for row in report['domains'])
    assert 'unreadable' in (tmp_path / 'report' / 'audit.html').read_text()
    failed = [t for t in output['tasks'] if t['name'].startswith('Fail the hosts') and t['result'].get('failed')]
    assert [t['host'] for t in failed] == ['unreadable'], failed
    assert output['stats']['unreadable']['failures'] == 1 and output['stats']['localhost']['failures'] == 0


def test_the_report_goes_to_the_current_directory_by_default(tmp_path):
    output = testbed.run_playbook_file('playbooks/audit.yml', cwd=str(tmp_path))
    assert testbed.failures(output) == []
    assert json.loads((tmp_path / 'audit.json').read_text())['totals']['hosts'] == 1
    assert (tmp_path / 'audit.html').exists()


def test_a_hypervisor_without_domains_counts_as_audited(tmp_path):
    # libvirt's test driver, from a node file without domains: a hypervisor that has none (yet)
    node = tmp_path / 'node.xml'
    node.write_text('<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>1</cores><threads>1</threads>'
                    '<active>1</active><mhz>1000</mhz></cpu><memory>1048576</memory></node>')
    output = testbed.run_playbook_file('playbooks/audit.yml', {'audit_dir': str(tmp_path / 'report'),
                                                               'audit_uri': 'test://%s' % node})
    assert testbed.failures(output) == []
    report = json.loads((tmp_path / 'report' / 'audit.json').read_text())
    assert report['domains'] == [] and report['failed_hosts'] == {}
    assert report['totals']['hosts'] == 1 and report['totals']['domains'] == 0
    assert '0 domains on 1 hypervisor.' in (tmp_path / 'report' / 'audit.html').read_text()


def test_the_readme_audit_command_works_as_written(tmp_path):
    with open(os.path.join(testbed.REPO, 'README.md')) as handle:
        readme = handle.read()
    command = next(line for line in readme.splitlines() if 'playbooks/audit.yml' in line and 'ansible-playbook' in line)
    report = os.path.join(testbed.REPO, 'build', 'audit', 'audit.json')
    if os.path.exists(report):
        os.unlink(report)
    done = subprocess.run(['bash', '-c', command], cwd=testbed.REPO, capture_output=True, text=True, timeout=600,
                          check=False, env=dict(os.environ, ANSIBLE_LOCALHOST_WARNING='false'))
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(open(report).read())['totals']['hosts'] == 1
