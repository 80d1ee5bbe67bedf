"""The built collection as users get it: installed docs, and the execution environment's build context."""

from __future__ import annotations

import glob
import os
import subprocess
import tarfile

import yaml

import testbed

PLUGINS = {
    'module': ['virt_device_info', 'virt_input', 'virt_usb_controller', 'virt_device_bus', 'virt_domain',
               'virt_device', 'virt_machine'],
    'filter': ['input_devices', 'device_policy', 'device_xml'],
    'role': ['device_update'],
}


def run(command, **kwargs):
    return subprocess.run(command, env=testbed.ansible_env(), capture_output=True, text=True, check=True, **kwargs)


def test_installed_collection_documents_every_plugin_and_role():
    for kind, names in PLUGINS.items():
        for name in names:
            shown = run([os.path.join(testbed.VENV_BIN, 'ansible-doc'), '-t', kind, 'virtuned.libvirt.' + name])
            assert 'virtuned.libvirt.' + name in shown.stdout or name in shown.stdout


def test_execution_environment_context_installs_the_collection(tmp_path):
    context = tmp_path / 'ee'
    run([os.path.join(testbed.VENV_BIN, 'ansible-builder'), 'create', '-f', 'execution-environment.yml',
         '-c', str(context)], cwd=testbed.REPO)
    build = context / '_build'
    assert 'libvirt-devel' in (build / 'bindep.txt').read_text()
    assert 'libvirt-python' in (build / 'requirements.txt').read_text()
    # The image runs ansible-galaxy from /build, where the context's _build lands.
    run([os.path.join(testbed.VENV_BIN, 'ansible-galaxy'), 'collection', 'install', '--force', '-r', 'requirements.yml',
         '-p', str(tmp_path / 'installed')], cwd=str(build))
    assert (tmp_path / 'installed' / 'ansible_collections' / 'virtuned' / 'libvirt' / 'plugins' / 'modules'
            / 'virt_device_bus.py').exists()


def test_the_tarball_holds_the_collection_and_nothing_of_the_work_around_it():
    version = yaml.safe_load(open(os.path.join(testbed.REPO, 'galaxy.yml')))['version']
    with tarfile.open(os.path.join(testbed.BUILD, 'virtuned-libvirt-%s.tar.gz' % version)) as tarball:
        members = tarball.getnames()
    for wanted in ('COPYING', 'README.md', 'MANIFEST.json', 'FILES.json', 'meta/runtime.yml',
                   'meta/execution-environment.yml', 'roles/device_update/meta/argument_specs.yml',
                   'changelogs/config.yaml', 'docs/policies.md'):
        assert wanted in members, wanted
    modules = {os.path.basename(path)[:-3] for path in glob.glob(os.path.join(testbed.REPO, 'plugins', 'modules', '*.py'))}
    assert {m for m in modules if 'plugins/modules/%s.py' % m in members} == modules
    unwanted = ('.venv', '.git', '.ci', '.ansible', '.hypothesis', '.pytest_cache', 'build', 'benchmarks',
                'tests/output', 'scripts/libvirt-test-hook')
    assert [m for m in members if any(m == u or m.startswith(u + '/') for u in unwanted)] == []
    assert [m for m in members if m.endswith('.tar.gz') or '__pycache__' in m] == []


def test_every_module_is_in_the_action_group():
    runtime = yaml.safe_load(open(os.path.join(testbed.REPO, 'meta', 'runtime.yml')))
    assert sorted(runtime['action_groups']['libvirt']) == sorted(PLUGINS['module'])
