"""Fleet-scale benchmark: one module call over N domains against the plain libvirt-python loop.

Run with the project's venv, against the local libvirtd (scripts/bootstrap.sh):

    .venv/bin/python benchmarks/fleet.py --sizes 50 200 1000

For each N it defines N scratch TCG domains (vt-bench-*, each with its own uuid, MAC address and
disk image path), and for four edits (add a virtio tablet and keyboard: virt_input; change the
video model: virt_device_bus; add an RNG by alias: virt_device; turn on vmcoreinfo: virt_machine)
measures, from the same starting XML each time:

1. floor: lookup + XMLDesc + lxml edit + defineXML per domain, in one process and connection;
2. one task over all N domains through ansible-playbook: first run, idempotent second run, and
   check mode (from the starting XML);
3. the same task with loop: over the domains (one module call each; only up to --loop-max domains);
4. virt-xml (Debian package virtinst) per domain, when it is installed (up to --loop-max domains).

Each of 1 and 2 is sampled --repeat times, interleaved, and the table shows the medians (a 2-core VM
varies by a third from one run to the next). It prints a table of seconds, ratios to the floor, the
module process's peak RSS and the CPU time the host stole from this VM while the row was sampled,
and removes the domains. Ansible's own start-up (a playbook with one debug task) is measured and
shown apart.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import libvirt
from lxml import etree
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.dirname(sys.executable)
URI = 'qemu:///system'
PREFIX = 'vt-bench-'

# As virt-install makes them: each domain with its own uuid, MAC address and disk image (the
# image need not exist to be defined).
DOMAIN = """<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64' machine='q35'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='/var/lib/libvirt/images/{name}.qcow2'/><target dev='vda' bus='virtio'/></disk>
<interface type='user'><model type='virtio'/></interface>
<graphics type='vnc' port='-1' listen='127.0.0.1'/><video><model type='cirrus'/></video></devices></domain>"""

EDITS = {
    'virt_input': {
        'args': {'pointer_model': 'tablet', 'input_bus': 'virtio'},
        'xml': lambda root: [root.find('devices').append(etree.Element('input', type=t, bus='virtio'))
                             for t in ('tablet', 'keyboard')],
        'virt_xml': ['--add-device', '--input', 'tablet,bus=virtio', '--add-device', '--input',
                     'keyboard,bus=virtio'],
    },
    'virt_device_bus': {
        'args': {'video_model': 'qxl'},
        'xml': lambda root: root.find('devices/video/model').set('type', 'qxl'),
        'virt_xml': ['--edit', '--video', 'model.type=qxl'],
    },
    'virt_device': {
        'args': {'devices': [{'kind': 'rng', 'alias': 'bench-rng', 'model': 'virtio', 'source': '/dev/urandom'}]},
        'xml': lambda root: root.find('devices').append(etree.fromstring(
            "<rng model='virtio'><backend model='random'>/dev/urandom</backend><alias name='ua-bench-rng'/></rng>")),
        'virt_xml': ['--add-device', '--rng', '/dev/urandom'],
    },
    'virt_machine': {
        'args': {'features': ['vmcoreinfo']},
        'xml': lambda root: etree.SubElement(root.find('features') if root.find('features') is not None
                                             else _features(root), 'vmcoreinfo', state='on'),
        'virt_xml': ['--edit', '--features', 'vmcoreinfo.state=on'],
    },
}


def _features(root):
    features = etree.Element('features')
    root.find('os').addnext(features)
    return features


def names_for(size):
    return ['%s%04d' % (PREFIX, i) for i in range(size)]


def define_all(conn, names):
    originals = {}
    for name in names:
        conn.defineXML(DOMAIN.format(name=name))
        originals[name] = conn.lookupByName(name).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    return originals


def reset(conn, originals):
    for xml in originals.values():
        conn.defineXML(xml)


def remove_all(conn):
    for dom in conn.listAllDomains(0):
        if dom.name().startswith(PREFIX):
            if dom.isActive():
                dom.destroy()
            dom.undefine()


def floor(names, edit, flags=0):
    """The plain libvirt-python loop: what the same change costs libvirt itself.

    flags=VIR_DOMAIN_DEFINE_VALIDATE adds libvirt's schema validation, which the modules ask for.
    """
    started = time.monotonic()
    conn = libvirt.open(URI)
    for name in names:
        dom = conn.lookupByName(name)
        root = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        edit(root)
        conn.defineXMLFlags(etree.tostring(root, encoding='unicode'), flags)
    conn.close()
    return time.monotonic() - started


class Ansible:
    def __init__(self, collections):
        self.work = tempfile.mkdtemp(prefix='virtuned-bench-')
        self.log = os.path.join(self.work, 'modules.jsonl')
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_LOCALHOST_WARNING='false',
                        ANSIBLE_INVENTORY_UNPARSED_WARNING='false', VIRTUNED_BENCH_LOG=self.log,
                        VIRTUNED_BENCH_PYTHON=sys.executable, PATH=VENV_BIN + os.pathsep + os.environ['PATH'])
        self.interpreter = os.path.join(self.work, 'python')
        with open(self.interpreter, 'w', encoding='utf-8') as handle:
            handle.write('#!/bin/sh\nexec %s %s "$@"\n' % (sys.executable,
                                                           os.path.join(REPO, 'benchmarks', 'measure_python.py')))
        os.chmod(self.interpreter, 0o755)

    def play(self, tasks):
        """Run tasks; returns (wall seconds, [module runs])."""
        path = os.path.join(self.work, 'play.yml')
        with open(path, 'w', encoding='utf-8') as handle:
            yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False,
                             'vars': {'ansible_python_interpreter': self.interpreter}, 'tasks': tasks}], handle)
        if os.path.exists(self.log):
            os.unlink(self.log)
        started = time.monotonic()
        done = subprocess.run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', path],
                              env=self.env, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        if done.returncode:
            raise SystemExit('ansible-playbook failed:\n' + done.stdout[-3000:] + done.stderr[-3000:])
        runs = []
        if os.path.exists(self.log):
            with open(self.log, encoding='utf-8') as handle:
                runs = [json.loads(line) for line in handle]
        return seconds, runs


def measure_once(conn, originals, names, edit, task, ansible):
    """One sample of each column, every one from the starting XML: (key, seconds or MiB) pairs."""
    yield 'floor', floor(names, edit['xml'])
    reset(conn, originals)
    yield 'floor_validated', floor(names, edit['xml'], libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
    reset(conn, originals)
    check, runs = ansible.play([dict(task, check_mode=True)])
    yield 'check', check
    yield 'check_module', runs[0]['seconds']
    first, runs = ansible.play([task])
    yield 'task', first
    yield 'task_module', runs[0]['seconds']
    yield 'task_rss_mib', runs[0]['max_rss_kib'] / 1024
    again, runs = ansible.play([task])
    yield 'again', again
    yield 'again_module', runs[0]['seconds']
    reset(conn, originals)


def cpu_ticks():
    """(steal, total) clock ticks of every CPU so far, from Linux's /proc/stat; None elsewhere.

    Steal is the time the host gave this VM's CPUs to others: a row measured while it was high
    compares a slowed floor with a slowed module, not the code."""
    try:
        with open('/proc/stat', encoding='ascii') as handle:
            # cpu user nice system idle iowait irq softirq steal (guest time is counted in user)
            ticks = [int(value) for value in handle.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (ticks[7], sum(ticks)) if len(ticks) == 8 else None


def steal_percent(before, after):
    if before is None or after is None or after[1] == before[1]:
        return None
    return 100.0 * (after[0] - before[0]) / (after[1] - before[1])


def virt_xml(names, arguments):
    started = time.monotonic()
    for name in names:
        subprocess.run(['virt-xml', '--connect', URI, name] + arguments, check=True, capture_output=True)
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[200, 1000])
    parser.add_argument('--loop-max', type=int, default=0, help='largest N for the loop: and virt-xml runs')
    parser.add_argument('--repeat', type=int, default=3,
                        help='samples of each measure; the table shows their median (this machine is noisy)')
    options = parser.parse_args()
    collections = subprocess.run(['bash', os.path.join(REPO, 'scripts', 'install_collection.sh')], check=True,
                                 capture_output=True, text=True).stdout.strip()
    ansible = Ansible(collections)
    startup = statistics.median(ansible.play([{'name': 'nothing', 'ansible.builtin.debug': {'msg': 'start-up'}}])[0]
                                for _sample in range(options.repeat))
    # What any module process costs before it does anything: Python, Ansible's wrapper and imports.
    ping = statistics.median(ansible.play([{'name': 'ping', 'ansible.builtin.ping': {}}])[1][0]['seconds']
                             for _sample in range(options.repeat))
    conn = libvirt.open(URI)
    rows = []
    try:
        remove_all(conn)
        for size in options.sizes:
            names = names_for(size)
            originals = define_all(conn, names)
            for module, edit in EDITS.items():
                row = {'N': size, 'module': module}
                task = {'name': 'one call', 'virtuned.libvirt.' + module: dict(edit['args'], name=names)}
                samples = {}
                ticks = cpu_ticks()
                for _sample in range(options.repeat):
                    # Interleaved, so that a slow spell of the machine weighs on every column alike.
                    for key, seconds in measure_once(conn, originals, names, edit, task, ansible):
                        samples.setdefault(key, []).append(seconds)
                row.update({key: max(values) if key == 'task_rss_mib' else statistics.median(values)
                            for key, values in samples.items()})
                row['steal_percent'] = steal_percent(ticks, cpu_ticks())
                if size <= options.loop_max:
                    reset(conn, originals)
                    looped = {'name': 'loop', 'virtuned.libvirt.' + module: dict(edit['args'], name='{{ item }}'),
                              'loop': names}
                    row['loop'] = ansible.play([looped])[0]
                    if shutil.which('virt-xml'):
                        reset(conn, originals)
                        row['virt_xml'] = virt_xml(names, edit['virt_xml'])
                reset(conn, originals)
                rows.append(row)
                print_row(row)
            remove_all(conn)
    finally:
        remove_all(conn)
        conn.close()
        shutil.rmtree(ansible.work, ignore_errors=True)
    print()
    print_table(rows, startup, ping)


def _seconds(row, key):
    return '%.2f' % row[key] if key in row else '-'


def _ratio(row, key):
    return '%.1fx' % (row[key] / row['floor']) if key in row else '-'


HEADER = ('N', 'module', 'floor s', 'floor+validate s', 'module s', 'module/floor', 'floor+validate/module',
          '2nd run module s', '2nd/floor', '2nd-floor s', 'check module s', 'check/floor', 'check-floor s', 'task s',
          'loop s', 'loop/floor', 'virt-xml s', 'virt-xml/floor', 'peak RSS MiB', 'CPU steal %')


def _beyond(row, key):
    return '%+.2f' % (row[key] - row['floor'])


def _cells(row):
    return (str(row['N']), row['module'], _seconds(row, 'floor'), _seconds(row, 'floor_validated'),
            _seconds(row, 'task_module'), _ratio(row, 'task_module'),
            '%.1fx' % (row['floor_validated'] / row['task_module']), _seconds(row, 'again_module'),
            _ratio(row, 'again_module'), _beyond(row, 'again_module'), _seconds(row, 'check_module'),
            _ratio(row, 'check_module'), _beyond(row, 'check_module'), _seconds(row, 'task'), _seconds(row, 'loop'),
            _ratio(row, 'loop'), _seconds(row, 'virt_xml'), _ratio(row, 'virt_xml'), '%.0f' % row['task_rss_mib'],
            '-' if row.get('steal_percent') is None else '%.0f' % row['steal_percent'])


def print_row(row):
    print(' '.join('%s=%s' % pair for pair in zip(HEADER, _cells(row))), flush=True)


def print_table(rows, startup, ping):
    print('ansible-playbook start-up (one debug task): %.2f s; a module process that does nothing '
          '(ansible.builtin.ping): %.2f s. task s is the whole ansible-playbook run; module s is the module '
          'process alone (its Python start-up and imports included); ratios are to the plain loop (floor), from '
          'the same run; seconds are medians of the samples, peak RSS their maximum; CPU steal is the share of '
          'CPU time the host gave to others while the row was measured.' % (startup, ping))
    print('| ' + ' | '.join(HEADER) + ' |')
    print('|' + '---|' * len(HEADER))
    for row in rows:
        print('| ' + ' | '.join(_cells(row)) + ' |')


if __name__ == '__main__':
    main()
