"""Lifecycle actions on a domain that another client removed meanwhile, and pattern refusals."""

from __future__ import annotations

import libvirt
import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _lifecycle
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption, NoSuchDomain
from ansible_collections.virtuned.libvirt.plugins.module_utils._hypervisor import Lifecycle


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
