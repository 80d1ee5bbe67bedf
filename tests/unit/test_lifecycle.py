"""Lifecycle actions on a domain that another client removed meanwhile, and pattern refusals."""

from __future__ import annotations

import threading
import time

import libvirt
import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _lifecycle
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption, NoSuchDomain
from ansible_collections.virtuned.libvirt.plugins.module_utils._hypervisor import CALLS_AT_ONCE, Lifecycle


class Gone(libvirt.libvirtError):
    def __init__(self):
        super().__init__('Domain not found')

    def get_error_code(self):
        return libvirt.VIR_ERR_NO_DOMAIN


class EmptyConnection:
    def lookupByName(self, name):
        raise Gone()


class Host:
    uri = 'qemu:///system'
    conn = EmptyConnection()


@pytest.mark.parametrize('action', ['start', 'destroy', 'shutdown', 'undefine'])
def test_a_vanished_domain_fails_with_a_message_not_a_traceback(action):
    with pytest.raises(NoSuchDomain) as gone:
        getattr(Lifecycle(Host(), 'web-1'), action)()
    assert "domain 'web-1'" in gone.value.msg and 'another client undefined it' in gone.value.msg


def test_a_pattern_may_not_reach_a_destructive_state_but_an_exact_name_may():
    with pytest.raises(InvalidOption) as refused:
        _lifecycle.refuse_patterns(['web-*'], ['web-1', 'web-2'], 'undefined')
    assert 'allow_pattern=true' in refused.value.msg and "'web-*'" in refused.value.msg
    _lifecycle.refuse_patterns(['db[1]'], ['db[1]'], 'undefined')


class Stubborn:
    """A running domain that ignores ACPI; destroy takes a while and counts how many overlap."""

    running_destroys = 0
    most_at_once = 0
    lock = threading.Lock()

    def __init__(self):
        self.active = True

    def isActive(self):
        return self.active

    def XMLDesc(self, flags):
        return "<domain type='qemu'><name>x</name><devices/></domain>"

    def shutdownFlags(self, flags):
        return 0

    def destroy(self):
        with Stubborn.lock:
            Stubborn.running_destroys += 1
            Stubborn.most_at_once = max(Stubborn.most_at_once, Stubborn.running_destroys)
        time.sleep(0.05)
        with Stubborn.lock:
            Stubborn.running_destroys -= 1
        self.active = False


class StubbornHost:
    uri = 'qemu:///system'
    read_only = False

    def __init__(self, names):
        self.domains = {name: Stubborn() for name in names}
        self.conn = self

    def lookupByName(self, name):
        return self.domains[name]


def test_forcing_off_a_batch_overlaps_but_keeps_the_connection_within_libvirtds_request_limit():
    names = ['web-%d' % i for i in range(12)]
    host = StubbornHost(names)
    params = {'state': 'shutoff', 'xml': None, 'shutdown_timeout': 1, 'force_off': True, 'redefine': False,
              'nvram': 'keep'}
    clock = iter(range(100))
    results = _lifecycle.Batch(host, params, check_mode=False, clock=lambda: next(clock),
                               sleep=lambda seconds: None).run(names)
    assert all(results[name]['state'] == 'shutoff' and results[name]['actions'] == ['forced off after 1 seconds']
               for name in names), results
    assert 1 < Stubborn.most_at_once <= CALLS_AT_ONCE
