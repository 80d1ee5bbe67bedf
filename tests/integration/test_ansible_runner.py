"""The audit and a device_update play run the way AWX runs jobs: ansible-runner on a private data
directory (inventory, env/envvars and env/extravars, project), the job read back from its artifacts."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys

import yaml

import testbed

UPDATE_PLAY = [{
    'name': 'Virtio input for the domains',
    'hosts': 'all',
    'gather_facts': False,
    'roles': [{'role': 'virtuned.libvirt.device_update'}],
}]


def private_data_dir(tmp_path, extravars):
    """A private data directory: the repository's playbooks as the project, localhost as the inventory,
    the installed collection found as an execution environment would have it."""
    data = tmp_path / 'runner'
    shutil.copytree(os.path.join(testbed.REPO, 'playbooks'), data / 'project')
    with open(data / 'project' / 'update.yml', 'w') as handle:
        yaml.safe_dump(UPDATE_PLAY, handle)
    (data / 'inventory').mkdir()
    (data / 'inventory' / 'hosts').write_text(
        'localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    (data / 'env').mkdir()
    # ansible-runner leaves a task's result out of the job's events when it is over MAX_EVENT_RES
    # characters (700,000 by default, as AWX's MAX_EVENT_RES_DATA): the audit reads every domain
    # of the host, and tests running beside this one define hundreds.
    (data / 'env' / 'envvars').write_text(yaml.safe_dump({'ANSIBLE_COLLECTIONS_PATH': testbed.COLLECTIONS,
                                                          'MAX_EVENT_RES': str(2 ** 31)}))
    (data / 'env' / 'extravars').write_text(yaml.safe_dump(extravars))
    return data


def run_job(data, playbook):
    """ansible-runner run; returns (status, rc, the job's events)."""
    env = {'PATH': testbed.VENV_BIN + os.pathsep + os.environ.get('PATH', ''), 'HOME': os.environ.get('HOME', '/root')}
    done = subprocess.run([os.path.join(testbed.VENV_BIN, 'ansible-runner'), 'run', str(data), '-p', playbook,
                           '--ident', 'job'], env=env, capture_output=True, text=True, timeout=900, check=False)
    artifacts = data / 'artifacts' / 'job'
    assert artifacts.is_dir(), done.stdout + done.stderr
    events = []
    for path in sorted(glob.glob(str(artifacts / 'job_events' / '*.json')), key=lambda p: int(os.path.basename(p).split('-')[0])):
        with open(path) as handle:
            events.append(json.load(handle))
    return (artifacts / 'status').read_text(), int((artifacts / 'rc').read_text()), events


def ok_results(events, task):
    return [e['event_data']['res'] for e in events if e['event'] == 'runner_on_ok' and e['event_data'].get('task') == task]


def test_the_audit_runs_as_an_awx_job(scratch, tmp_path):
    name = scratch.create('i440fx')
    audit_dir = tmp_path / 'audit'
    audit_dir.mkdir()
    status, rc, events = run_job(private_data_dir(tmp_path, {'audit_dir': str(audit_dir)}), 'audit.yml')
    assert (status, rc) == ('successful', 0), [e.get('stdout') for e in events]
    (read,) = ok_results(events, 'Read every domain')
    assert name in read['domains'] and read['changed'] is False
    assert events[-1]['event'] == 'playbook_on_stats' and events[-1]['event_data']['failures'] == {}
    report = json.loads((audit_dir / 'audit.json').read_text())
    assert name in [row['name'] for row in report['domains']]
    assert (audit_dir / 'audit.html').read_text().count(name) >= 1


def test_a_device_update_play_runs_as_an_awx_job(scratch, tmp_path):
    name = scratch.create('q35', running=True, devices="<input type='tablet' bus='usb'/>")
    # The scratch guest has no OS to answer ACPI: forced off after a second.
    extravars = {'device_update_domains': [name], 'device_update_usb_controllers': [{'model': 'usb3', 'count': 2}],
                 'device_update_shutdown_timeout': 1, 'device_update_force_off': True}
    status, rc, events = run_job(private_data_dir(tmp_path, extravars), 'update.yml')
    assert (status, rc) == ('successful', 0), [e.get('stdout') for e in events]
    # USB controllers are cold-plug only: the role forced the domain off, applied, and started it again.
    tasks = [e['event_data']['task'] for e in events if e['event'] == 'runner_on_ok']
    assert 'Plan the USB controllers' in tasks and 'Start again the domains that were shut down' in tasks, tasks
    facts = [e['event_data']['res'].get('ansible_facts', {}) for e in events if e['event'] == 'runner_on_ok']
    outcomes = [f['device_update_results'] for f in facts if f.get('device_update_results')]
    assert outcomes and outcomes[-1] == {name: 'updated with a cold boot'}, outcomes
    assert events[-1]['event'] == 'playbook_on_stats' and events[-1]['event_data']['failures'] == {}
    xhci = [model for model, _index in testbed.usb_controllers(scratch.live_xml(name)) if model == 'qemu-xhci']
    assert scratch.dom(name).isActive() and len(xhci) == 2
