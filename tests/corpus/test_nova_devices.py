"""Every device OpenStack Nova's libvirt driver writes, as Nova's own tests fix its XML, through virt_device.

Nova's source release (PyPI, scripts/nova-corpus.sh) holds nova/tests/unit/virt/libvirt/test_config.py:
its assertXmlEqual calls give, word for word, the XML Nova's config classes write for each device. Each
snippet of a kind virt_device takes is planned, as virt_device plans it, on a q35 and a PC domain of this
host: it is refused (a clear InvalidOption, or libvirt's schema or QEMU driver refuses the definition, and
then libvirt refuses the snippet written into the domain as it is too), or it changes nothing, or the
definition is really defined and the same snippet, planned again on what libvirt wrote, changes nothing.
"""

from __future__ import annotations

import ast
import collections
import json
import os
import subprocess
import types
import uuid

import libvirt
import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _device_spec
from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption
from ansible_collections.virtuned.libvirt.plugins.module_utils._hypervisor import Hypervisor

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
URI = os.environ.get('VIRTUNED_TEST_URI', 'qemu:///system')
REPORTS = os.path.join(REPO, 'build', 'corpus-report')

DOMAIN = """<domain type='qemu'><name>{name}</name><uuid>{uuid}</uuid><memory unit='MiB'>64</memory>
<os><type arch='x86_64' machine='{machine}'>hvm</type></os><features><acpi/></features>
<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/>
<source file='/var/lib/libvirt/images/{name}.img'/><target dev='vda' bus='virtio'/></disk>
<interface type='user'><mac address='52:54:00:4e:0f:0a'/><model type='virtio'/></interface>
<graphics type='vnc' port='-1' listen='127.0.0.1'/><video><model type='virtio'/></video></devices></domain>"""


def nova_snippets():
    path = subprocess.run(['bash', os.path.join(REPO, 'scripts', 'nova-corpus.sh')], check=True,
                          capture_output=True, text=True).stdout.strip()
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    snippets = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, 'attr', '') == 'assertXmlEqual':
            for argument in node.args:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    try:
                        element = dx.parse(argument.value.strip(), root_tag=None)
                    except Exception:  # a fragment that is not XML on its own
                        continue
                    if element.tag in _device_spec.KINDS:
                        snippets.append((node.lineno, dx.serialize(element)))
    return snippets


@pytest.fixture(scope='module')
def hypervisor():
    with Hypervisor(URI) as connection:
        yield connection


def _plan(root, snippet, hypervisor):
    params = {'devices': [{'xml': snippet}], 'state': 'present', 'live': 'auto', 'unplug_timeout': 10}
    state = types.SimpleNamespace(before=root, before_xml=dx.serialize(root), running=False, live=None,
                                  capabilities=lambda: hypervisor.capabilities(root))
    return _device_spec.plan(state, _device_spec.check_all(params), params).after


def _libvirt_refuses_as_written(hypervisor, root, snippet):
    """Whether libvirt refuses the domain with the snippet appended as it is (define, or the QEMU driver)."""
    plain = dx.clone(root)
    dx.append_device(plain, dx.parse(snippet, root_tag=None))
    try:
        hypervisor.conn.domainXMLToNative('qemu-argv', dx.serialize(dx.without_host_effects(plain)), 0)
        hypervisor.conn.defineXMLFlags(dx.serialize(plain), libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
    except libvirt.libvirtError:
        return True
    finally:
        hypervisor.conn.defineXML(dx.serialize(root))
    return False


@pytest.mark.parametrize('machine', ['q35', 'pc'])
def test_every_device_nova_writes_is_refused_or_settles_after_one_run(hypervisor, machine):
    snippets = nova_snippets()
    assert len(snippets) > 50, snippets
    name = 'vt-corpus-nova-%s-%s' % (machine, uuid.uuid4().hex[:8])
    domain = hypervisor.conn.defineXML(DOMAIN.format(name=name, uuid=uuid.uuid4(), machine=machine))
    counts, failures = collections.Counter(), []
    try:
        root = dx.parse(domain.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        for line, snippet in snippets:
            where = 'test_config.py line %d on %s' % (line, machine)
            try:
                after = _plan(root, snippet, hypervisor)
                reason = None if dx.same_document(after, root) else hypervisor.refusal(after)
            except InvalidOption as exc:
                reason = exc.msg
            if reason is not None:
                counts['refused'] += 1
                if not _libvirt_refuses_as_written(hypervisor, root, snippet):
                    failures.append('%s: refused (%s), though libvirt takes it as written' % (where, reason))
                continue
            if dx.same_document(after, root):
                counts['no change: the domain has that device'] += 1
                continue
            try:
                written = dx.parse(hypervisor.conn.defineXML(dx.serialize(after)).XMLDesc(
                    libvirt.VIR_DOMAIN_XML_INACTIVE))
                if not dx.same_document(_plan(written, snippet, hypervisor), written):
                    failures.append('%s: the second run changes the domain again' % where)
                else:
                    counts['defined, then no change'] += 1
            except (libvirt.libvirtError, InvalidOption) as exc:
                failures.append('%s: %r' % (where, exc))
            finally:
                hypervisor.conn.defineXML(dx.serialize(root))
    finally:
        domain.undefine()
    os.makedirs(REPORTS, exist_ok=True)
    with open(os.path.join(REPORTS, 'nova-%s.json' % machine), 'w') as handle:
        json.dump({'Nova device snippets on %s' % machine: counts}, handle)
    assert counts['defined, then no change'] > 20, counts
    assert not failures, '%d failures:\n%s' % (len(failures), '\n'.join(failures))
