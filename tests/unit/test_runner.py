"""The runner's batch logic: a refused definition puts back the domains defined before it."""

from __future__ import annotations

import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _runner
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import VirtunedError


class RecordingDomain:
    """Stands in for _hypervisor.Domain: keeps the definitions it is given, refuses when told to."""

    def __init__(self, name, xml, refuse_define=False, refuse_restore=False):
        self.name, self.xml = name, xml
        self.refuse_define, self.refuse_restore = refuse_define, refuse_restore

    def define(self, xml_text, expected_before):
        assert expected_before == self.xml
        if self.refuse_define:
            raise VirtunedError('defining the new XML failed: refused', domain=self.name)
        self.xml = xml_text

    def restore(self, xml_text):
        if self.refuse_restore:
            raise VirtunedError('connection lost', domain=self.name)
        self.xml = xml_text


class State:
    def __init__(self, domain):
        self.name, self.domain, self.running, self.live = domain.name, domain, False, None
        self.before_xml = domain.xml
        self.before = dx.parse(domain.xml)


def change_for(domain):
    state = State(domain)
    after = dx.clone(state.before)
    after.find('devices').append(dx.new_element('rng', {'model': 'virtio'}))
    return _runner.Change(state, after)


def domains(*flags):
    return [RecordingDomain('d%d' % i, '<domain><name>d%d</name><devices/></domain>' % i, **f) for i, f in enumerate(flags)]


def test_all_defined_when_libvirt_accepts_all():
    batch = domains({}, {}, {})
    _runner._define_all([change_for(d) for d in batch])
    assert all('<rng' in d.xml for d in batch)


def test_a_refused_definition_restores_the_earlier_ones():
    batch = domains({}, {}, {'refuse_define': True}, {})
    originals = [d.xml for d in batch]
    with pytest.raises(VirtunedError) as raised:
        _runner._define_all([change_for(d) for d in batch])
    assert [d.xml for d in batch] == originals
    assert "domain 'd2'" in raised.value.msg and 'restored: d0, d1' in raised.value.msg


def test_a_restore_that_fails_names_the_domains_that_keep_the_change():
    batch = domains({}, {'refuse_restore': True}, {'refuse_define': True})
    with pytest.raises(VirtunedError) as raised:
        _runner._define_all([change_for(d) for d in batch])
    assert 'restored: d0' in raised.value.msg and 'keep their new definition: d1' in raised.value.msg
    assert '<rng' in batch[1].xml and '<rng' not in batch[0].xml
