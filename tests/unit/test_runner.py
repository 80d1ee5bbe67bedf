"""The runner's batch logic: a refused definition puts back every other domain defined in the call."""

from __future__ import annotations

import types

import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _runner
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import ConcurrentChange, NoSuchDomain, VirtunedError


class RecordingDomain:
    """Stands in for _hypervisor.Domain: keeps the definitions it is given, refuses when told to."""

    hypervisor = types.SimpleNamespace(uri='test:///')

    def __init__(self, name, xml, refuse_define=False, refuse_restore=False, changed_by_another=False):
        self.name, self.xml = name, xml
        self.refuse_define, self.refuse_restore = refuse_define, refuse_restore
        self.changed_by_another = changed_by_another

    def check_unchanged(self, expected_before):
        assert expected_before == self.xml
        if self.changed_by_another:
            raise ConcurrentChange('the persistent XML changed since it was read', domain=self.name)

    def define_locked(self, xml_text):
        if self.refuse_define:
            raise VirtunedError('defining the new XML failed: refused', domain=self.name)
        self.xml = xml_text

    def restore(self, xml_text):
        if self.refuse_restore:
            raise VirtunedError('connection lost', domain=self.name)
        self.xml = xml_text

    def is_running(self):
        return False

    def inactive_xml(self):
        return self.xml


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
    _runner._define_all([_runner.Pending(change_for(d)) for d in batch])
    assert all('<rng' in d.xml for d in batch)


def test_a_refused_definition_restores_every_other_one():
    batch = domains({}, {}, {'refuse_define': True}, {})
    originals = [d.xml for d in batch]
    with pytest.raises(VirtunedError) as raised:
        _runner._define_all([_runner.Pending(change_for(d)) for d in batch])
    assert [d.xml for d in batch] == originals
    assert "domain 'd2'" in raised.value.msg and 'were restored: d0, d1, d3' in raised.value.msg
    assert raised.value.details == {'defined_then_restored': ['d0', 'd1', 'd3'], 'kept_new_definition': []}


def test_a_restore_that_fails_names_the_domains_that_keep_the_change():
    batch = domains({}, {'refuse_restore': True}, {'refuse_define': True})
    with pytest.raises(VirtunedError) as raised:
        _runner._define_all([_runner.Pending(change_for(d)) for d in batch])
    assert 'restored: d0' in raised.value.msg
    assert 'keep their new definition (connection lost): d1' in raised.value.msg
    assert raised.value.details == {'defined_then_restored': ['d0'], 'kept_new_definition': ['d1']}
    assert '<rng' in batch[1].xml and '<rng' not in batch[0].xml


def test_rounds_stop_at_the_first_refusal_and_every_earlier_round_is_restored(monkeypatch):
    monkeypatch.setattr(_runner, 'DEFINED_PER_ROUND', 2)
    batch = domains({}, {}, {}, {'refuse_define': True}, {}, {})
    originals = [d.xml for d in batch]
    with pytest.raises(VirtunedError) as raised:
        _runner._define_all([_runner.Pending(change_for(d)) for d in batch])
    assert [d.xml for d in batch] == originals
    assert raised.value.details == {'defined_then_restored': ['d0', 'd1', 'd2'], 'kept_new_definition': []}


def test_another_writer_found_in_a_round_leaves_that_round_unwritten(monkeypatch):
    monkeypatch.setattr(_runner, 'DEFINED_PER_ROUND', 2)
    batch = domains({}, {}, {}, {'changed_by_another': True})
    originals = [d.xml for d in batch]
    with pytest.raises(VirtunedError, match='changed since it was read') as raised:
        _runner._define_all([_runner.Pending(change_for(d)) for d in batch])
    assert [d.xml for d in batch] == originals
    assert raised.value.details == {'defined_then_restored': ['d0', 'd1'], 'kept_new_definition': []}


class Listing:
    """Stands in for _hypervisor.Hypervisor: some domains listed; of those, some gone by the time the
    states are listed, some by the time their XML is read."""

    uri = 'test:///'

    def __init__(self, listed, gone=(), vanishing=()):
        self.listed, self.gone, self.vanishing = listed, gone, vanishing

    def domain_names(self):
        return self.listed

    def domains(self, names):
        return {name: (VanishingDomain(self, name), False) for name in names
                if name in self.listed and name not in self.gone}


class VanishingDomain(RecordingDomain):
    def __init__(self, hypervisor, name):
        super().__init__(name, '<domain><name>%s</name><devices/></domain>' % name)
        self.hypervisor = hypervisor

    def inactive_xml(self):
        if self.name in self.hypervisor.vanishing:
            raise NoSuchDomain('no such domain', domain=self.name)
        return self.xml


class Params:
    def __init__(self, names):
        self.params = {'name': names}


def test_patterns_expand_in_order_once_each():
    names, matched, unmatched = _runner.domain_names(Params(['web-*', 'db', 'web-2']),
                                                     Listing(['db', 'web-1', 'web-2']))
    assert names == ['web-1', 'web-2', 'db'] and matched == {'web-1'} and unmatched == []


def test_an_exact_name_wins_over_the_pattern_it_looks_like():
    names, matched, unmatched = _runner.domain_names(Params(['db[1]', 'web-?']), Listing(['db1', 'db[1]']))
    assert names == ['db[1]'] and matched == set() and unmatched == ['web-?']


@pytest.mark.parametrize('when', ['gone', 'vanishing'])
def test_a_domain_gone_after_a_pattern_listed_it_is_left_out(when):
    hypervisor = Listing(['web-1', 'web-2'], **{when: ['web-1']})
    states = _runner.domain_states(hypervisor, ['web-1', 'web-2'], {'web-1', 'web-2'})
    assert [state.name for state in states] == ['web-2']


@pytest.mark.parametrize('when', ['gone', 'vanishing'])
def test_a_named_domain_that_is_gone_is_an_error(when):
    hypervisor = Listing(['web-1', 'web-2'], **{when: ['web-1']})
    with pytest.raises(NoSuchDomain):
        list(_runner.domain_states(hypervisor, ['web-1', 'web-2'], {'web-2'}))


class FailingModule:
    def fail_json(self, **result):
        raise SystemExit(result)


def test_every_missing_library_is_named_at_once(monkeypatch):
    monkeypatch.setattr(_runner.dx, 'etree', None)
    monkeypatch.setattr(_runner._hypervisor, 'LIBVIRT_IMPORT_ERROR', 'Traceback: no libvirt')
    with pytest.raises(SystemExit) as failed:
        _runner.require_libraries(FailingModule())
    assert '(lxml and libvirt-python)' in failed.value.args[0]['msg']
