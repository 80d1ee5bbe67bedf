"""The integration test bed: the installed collection, scratch domains, module runs.

Everything here talks to the real local libvirtd (scripts/bootstrap.sh starts it); the
modules run from the collection as `ansible-galaxy collection install` puts it.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import libvirt
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO, 'build')
COLLECTIONS = os.path.join(BUILD, 'collections')
URI = os.environ.get('VIRTUNED_TEST_URI', 'qemu:///system')
PREFIX = 'vt-test-'
IMAGES = os.path.join(BUILD, 'images')
VENV_BIN = os.path.dirname(sys.executable)


def install_collection():
    """Build the collection tarball and install it where the test runs look for it.

    Once per test run: parallel workers share xdist's run id, and a later worker must not
    reinstall under a playbook another one is running.
    """
    os.makedirs(BUILD, exist_ok=True)
    marker = os.path.join(BUILD, '.installed-' + os.environ.get('PYTEST_XDIST_TESTRUNUID', str(os.getpid())))
    with open(os.path.join(BUILD, '.install.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(marker):
            for stale in [n for n in os.listdir(BUILD) if n.startswith('.installed-')]:
                os.unlink(os.path.join(BUILD, stale))
            subprocess.run(['bash', os.path.join(REPO, 'scripts', 'install_collection.sh')], check=True,
                           capture_output=True)
            with open(marker, 'w'):
                pass
    return COLLECTIONS


def ansible_env():
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
        'ANSIBLE_CALLBACK_PLUGINS': os.path.join(os.path.dirname(os.path.abspath(__file__)), 'callback_plugins'),
        'ANSIBLE_STDOUT_CALLBACK': 'task_results',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'PATH': VENV_BIN + os.pathsep + env.get('PATH', ''),
    })
    return env


def run_playbook(tasks, check=False, diff=False, extra_args=()):
    """Run tasks on localhost through ansible-playbook; returns {"tasks": [...], "stats": {...}}."""
    play = [{
        'hosts': 'localhost',
        'gather_facts': False,
        'vars': {'ansible_python_interpreter': sys.executable},
        'tasks': tasks,
    }]
    with tempfile.NamedTemporaryFile('w', suffix='.yml', dir=BUILD, delete=False) as handle:
        yaml.safe_dump(play, handle)
        path = handle.name
    try:
        command = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', path]
        if check:
            command.append('--check')
        if diff:
            command.append('--diff')
        command.extend(extra_args)
        done = subprocess.run(command, env=ansible_env(), capture_output=True, text=True, timeout=600, check=False)
    finally:
        os.unlink(path)
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise AssertionError('ansible-playbook printed no JSON (rc %s):\n%s\n%s' % (done.returncode, done.stdout, done.stderr))


def run_module(module, args, check=False, diff=False):
    """One module call; returns its result dict (with 'failed' and 'msg' when it failed)."""
    output = run_playbook([{'name': 'under test', 'virtuned.libvirt.' + module: args}], check=check, diff=diff)
    return output['tasks'][0]['result']


def image(name, size=1024 * 1024):
    os.makedirs(IMAGES, exist_ok=True)
    path = os.path.join(IMAGES, name + '.img')
    with open(path, 'wb') as handle:
        handle.truncate(size)
    return path


def scratch_name(tag=''):
    return PREFIX + (tag + '-' if tag else '') + uuid.uuid4().hex[:8]


MACHINES = {'q35': 'q35', 'i440fx': 'pc'}


VNC = "<graphics type='vnc' port='-1' listen='127.0.0.1'/>"
SPICE = "<graphics type='spice' autoport='yes' listen='127.0.0.1'/>"
SPICE_AGENT = "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>"


def domain_xml(name, machine='q35', devices='', metadata='', disk=True, memory_mib=64, graphics=VNC,
               video="<video><model type='virtio'/></video>", nic='virtio', disk_bus='virtio'):
    """A small TCG domain that really starts (no OS: SeaBIOS waits), with one disk (virtio unless told)."""
    disk_xml = ''
    if disk:
        disk_xml = ("<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
                    "<source file='%s'/><target dev='%s' bus='%s'/></disk>"
                    % (image(name), {'virtio': 'vda', 'ide': 'hda'}.get(disk_bus, 'sda'), disk_bus))
    return """<domain type='qemu'>
  <name>{name}</name>
  <metadata>{metadata}</metadata>
  <memory unit='MiB'>{memory}</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='{machine}'>hvm</type></os>
  <devices>
    {disk}
    <interface type='user'><mac address='52:54:00:{mac}'/><model type='{nic}'/></interface>
    {graphics}
    {video}
    {devices}
  </devices>
</domain>""".format(name=name, metadata=metadata, memory=memory_mib, machine=MACHINES.get(machine, machine),
                    disk=disk_xml, devices=devices, graphics=graphics, video=video, nic=nic, mac=':'.join(uuid.uuid4().hex[i:i + 2] for i in (0, 2, 4)))


class Scratch:
    """Scratch domains on the real libvirtd, always destroyed and undefined afterwards."""

    def __init__(self):
        self.conn = libvirt.open(URI)
        self.names = []

    def define(self, xml):
        dom = self.conn.defineXML(xml)
        self.names.append(dom.name())
        return dom.name()

    def create(self, machine='q35', running=False, tag='', **kwargs):
        name = self.define(domain_xml(scratch_name(tag or machine), machine=machine, **kwargs))
        if running:
            self.conn.lookupByName(name).create()
        return name

    def dom(self, name):
        return self.conn.lookupByName(name)

    def inactive_xml(self, name):
        return self.dom(name).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE)

    def live_xml(self, name):
        return self.dom(name).XMLDesc(0)

    def start(self, name):
        self.dom(name).create()

    def stop(self, name):
        dom = self.dom(name)
        if dom.isActive():
            dom.destroy()

    def live_xml_when_started(self, name):
        """Start the domain, read its live XML (what QEMU runs), stop it again."""
        self.start(name)
        live = self.live_xml(name)
        self.stop(name)
        return live

    def cleanup(self):
        for name in self.names:
            try:
                dom = self.conn.lookupByName(name)
            except libvirt.libvirtError:
                continue
            if dom.isActive():
                dom.destroy()
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
        self.names = []
        self.conn.close()


def running_with_acpi(scratch, machine, devices=''):
    """A running domain with ACPI, as virt-install makes them: i440fx hot-plugs PCI devices through it."""
    name = scratch_name(machine)
    xml = domain_xml(name, machine=machine, devices=devices)
    scratch.define(xml.replace('</os>', '</os><features><acpi/><apic/></features>'))
    scratch.start(name)
    return name


def load_yaml(name):
    with open(os.path.join(REPO, 'tests', 'data', name)) as handle:
        return yaml.safe_load(handle)


def explicit_inputs(xml):
    """The non-PS/2 input devices of a domain XML, as sorted (type, bus) pairs."""
    from lxml import etree
    root = etree.fromstring(xml.encode())
    return sorted((e.get('type'), e.get('bus')) for e in root.findall('devices/input') if e.get('bus') != 'ps2')


# q35 domains get one free PCIe root port at most; every hot-plugged PCI device (virtio input…) needs
# one. Eight ports leave room after the disk, NIC, USB controller and balloon have theirs.
SPARE_ROOT_PORTS = "<controller type='pci' index='0' model='pcie-root'/>" + "<controller type='pci' model='pcie-root-port'/>" * 8


def usb_controllers(xml):
    """The USB controllers of a domain XML, as (model, index) pairs in document order."""
    from lxml import etree
    root = etree.fromstring(xml.encode())
    return [(c.get('model'), int(c.get('index'))) for c in root.findall("devices/controller[@type='usb']")]


def parse(xml):
    from lxml import etree
    return etree.fromstring(xml.encode())


def serialize(element):
    """One element's XML, without the text that follows it."""
    from lxml import etree
    return etree.tostring(element, encoding='unicode', with_tail=False)


def disks(xml):
    """(device, target, bus) of every disk, in document order."""
    return [(d.get('device'), d.find('target').get('dev'), d.find('target').get('bus'))
            for d in parse(xml).findall('devices/disk')]


def slot_controller(xml, device_xpath):
    """The model of the PCI controller whose bus holds the device: follow its address to the controller."""
    root = parse(xml)
    address = root.find(device_xpath + '/address')
    bus = int(address.get('bus'), 16)
    controller = root.find("devices/controller[@type='pci'][@index='%d']" % bus)
    return controller.get('model')


RNG = "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"


def libosinfo(os_id):
    """<metadata> content that virt-install writes for a guest OS."""
    return ('<libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">'
            '<libosinfo:os id="%s"/></libosinfo:libosinfo>' % os_id)


def role_tasks(role_vars):
    """A play's tasks that run the device_update role, then report device_update_results."""
    return [{
        'name': 'role under test',
        'block': [{'name': 'device_update', 'ansible.builtin.include_role': {'name': 'virtuned.libvirt.device_update'},
                   'vars': role_vars}],
        'always': [{'name': 'report', 'ansible.builtin.debug': {'var': 'device_update_results'}}],
    }]


def run_role(role_vars, check=False):
    """Run the device_update role; returns (failed task results, device_update_results)."""
    output = run_playbook(role_tasks(role_vars), check=check)
    failed = [t for t in output['tasks'] if t['result'].get('failed')]
    report = [t for t in output['tasks'] if t['name'] == 'report'][-1]['result']
    return failed, report.get("device_update_results")


def run_playbook_file(path, extra_vars=None, inventory=None, cwd=None):
    """Run one of the repository's playbooks on localhost; returns the JSON callback output."""
    command = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i',
               inventory or os.path.join(REPO, 'playbooks', 'inventory', 'local.yml'), os.path.join(REPO, path)]
    if extra_vars:
        command += ['-e', json.dumps(extra_vars)]
    env = ansible_env()
    if cwd:
        env['PWD'] = cwd  # as the shell sets it
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False, cwd=cwd)
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise AssertionError('%s printed no JSON (rc %s):\n%s\n%s' % (path, done.returncode, done.stdout, done.stderr))


def changed_count(output):
    return sum(stats['changed'] for stats in output['stats'].values())


def failures(output):
    return [t for t in output['tasks'] if t['result'].get('failed') and not t['result'].get('ignore_errors')]


def live_refusal(call, device):
    """libvirt's refusal of a live attach or detach (call: the domain's method), or None when it takes it."""
    try:
        call(device, libvirt.VIR_DOMAIN_AFFECT_LIVE)
    except libvirt.libvirtError as exc:
        return str(exc)
    return None


# How libvirt reports a QEMU that exits while it starts: QEMU's own words follow when libvirt read them
# from QEMU's log in time; on a loaded host it may report the exit alone (seen in CI).
QEMU_EXITED = 'qemu unexpectedly closed the monitor'


def qemu_refused_start(message, words):
    """Whether message reports QEMU refusing to start with these words, or exiting at start when libvirt could
    not read them."""
    return words in message or message.rstrip().endswith(QEMU_EXITED)


def wait_for(condition, timeout=60, interval=0.01):
    """Poll condition() until it is true; returns whether it became true in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def in_background(function, *args, **kwargs):
    """Run function in a thread; returns a callable that waits for and returns its result."""
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault('result', function(*args, **kwargs)), daemon=True)
    thread.start()

    def result(timeout=900):
        thread.join(timeout)
        return box.get('result')
    return result


def assert_refused(scratch, module, args, names, fragments):
    """The module refuses args for names with a message holding every fragment, and every domain's
    persistent XML stays byte for byte as it was."""
    before = {name: scratch.inactive_xml(name) for name in names}
    result = run_module(module, dict(args, name=names))
    assert result.get('failed') is True, result
    for fragment in fragments:
        assert fragment in result['msg'], (fragment, result['msg'][:2000])
    assert {name: scratch.inactive_xml(name) for name in names} == before
    return result
