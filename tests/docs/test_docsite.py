"""The docs site as a reader sees it: scripts/docs.sh lints every doc's markup and builds the site
(warnings fail it), and headless Chromium opens its pages."""

from __future__ import annotations

import os
import subprocess

import pytest

import browser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = sorted(n[:-3] for n in os.listdir(os.path.join(ROOT, 'plugins', 'modules')) if n.endswith('.py'))
FILTERS = sorted(n[:-3] for n in os.listdir(os.path.join(ROOT, 'plugins', 'filter')) if n.endswith('.py'))
GUIDES = ['QEMU dropped IDE on q35', 'RHEL 6 guests on q35', 'Virtio input for a fleet',
          'An audit, then a rollout with the role', 'Any device by alias']

pytestmark = pytest.mark.skipif(browser.CHROMIUM is None, reason='Debian chromium is not installed '
                                '(scripts/bootstrap.sh --tests installs it)')


@pytest.fixture(scope='module')
def site():
    done = subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'docs.sh')], capture_output=True, text=True,
                          timeout=900, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return os.path.dirname(done.stdout.strip().splitlines()[-1])


def page(site, tmp_path, path):
    return browser.dump_dom('file://' + os.path.join(site, path), tmp_path / 'profile')


def test_the_collection_page_lists_every_plugin_the_role_and_the_guides(site, tmp_path):
    dom = page(site, tmp_path, 'collections/virtuned/libvirt/index.html')
    for module in MODULES:
        assert 'href="%s_module.html' % module in dom, module
    for name in FILTERS:
        assert 'href="%s_filter.html' % name in dom, name
    assert 'href="device_update_role.html' in dom
    for title in GUIDES:
        assert title in dom, title


def test_a_module_page_shows_its_options_and_what_it_returns(site, tmp_path):
    dom = page(site, tmp_path, 'collections/virtuned/libvirt/virt_input_module.html')
    for key in ('pointer_model', 'unplug_timeout', 'live_changes', 'refused_domains', 'kept_new_definition'):
        assert key in dom, key
    assert 'href="https://docs.ansible.com/projects/ansible/devel/reference_appendices/common_return_values.html' in dom


def test_a_guide_shows_its_playbook(site, tmp_path):
    dom = page(site, tmp_path, 'collections/virtuned/libvirt/docsite/guide_rhel6_on_q35.html')
    assert 'virtio_model' in dom and 'transitional' in dom and 'virt_device_bus_module.html' in dom
    browser.screenshot('file://' + os.path.join(site, 'collections/virtuned/libvirt/docsite/guide_rhel6_on_q35.html'),
                       tmp_path / 'profile', str(tmp_path / 'guide.png'))
    assert os.path.getsize(tmp_path / 'guide.png') > 10000
