"""The built collection as users get it: installed docs, and the execution environment's build context."""

from __future__ import annotations

import os
import subprocess

import testbed

PLUGINS = {
    'module': ['virt_device_info', 'virt_input', 'virt_usb_controller', 'virt_device_bus', 'virt_domain'],
    'filter': ['input_devices', 'device_policy'],
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
