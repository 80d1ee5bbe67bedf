"""The shipped playbooks against the real libvirtd: the demo twice, the audit report in a browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid

import pytest

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


CHROMIUM = shutil.which('chromium')
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync']


@pytest.mark.skipif(CHROMIUM is None, reason='Debian chromium is not installed (scripts/bootstrap.sh installs it)')
def test_audit_report_renders_a_row_per_domain(scratch, tmp_path):
    ide = scratch.create('i440fx', devices="<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>")
    stashed = scratch.create('q35')
    assert testbed.run_module('virt_device_bus', {'name': stashed, 'pin': True})['changed'] is True
    output = testbed.run_playbook_file('playbooks/audit.yml', {'audit_dir': str(tmp_path)})
    assert testbed.failures(output) == []
    report = json.loads((tmp_path / 'audit.json').read_text())
    rows = {row['name']: row for row in report['domains']}
    assert rows[ide]['ide_devices'] == ['hdc'] and rows[ide]['stashed'] == {}
    assert rows[stashed]['stashed']['hw_disk_bus'] == 'virtio' and rows[stashed]['drift'] == []
    assert report['totals']['domains'] == len(report['domains']) and report['totals']['on_ide'] >= 1

    profile = tmp_path / 'chromium-profile'
    page = 'file://%s' % (tmp_path / 'audit.html')
    dom = subprocess.run([CHROMIUM] + CHROMIUM_FLAGS + ['--user-data-dir=%s' % profile, '--dump-dom', page],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert len(re.findall(r'<tr class="domain">', dom)) == len(report['domains'])
    assert '<td>%s</td>' % ide in dom and '<td>%s</td>' % stashed in dom
    screenshot = os.path.join(testbed.BUILD, 'audit.png')
    shoot = ['--user-data-dir=%s' % profile, '--screenshot=%s' % screenshot, '--window-size=1400,900', page]
    subprocess.run([CHROMIUM] + CHROMIUM_FLAGS + shoot, capture_output=True, timeout=120, check=True)
    assert os.path.getsize(screenshot) > 10000
