"""Every definition written is one libvirt's domain schema accepts, on both paths: validated here with
the daemon's own schema file (then defined without libvirt's flag), or, when that file cannot be
trusted (a remote URI, another libvirt version, no file), defined with VIR_DOMAIN_DEFINE_VALIDATE."""

from __future__ import annotations

import libvirt
import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _hypervisor
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import RefusedByLibvirt, VirtunedError

import testbed


@pytest.mark.parametrize('uri, daemon, library, expected', [
    ('qemu:///system', 9000000, 9000000, True),
    ('qemu+ssh://root@hv01.example.org/system', 9000000, 9000000, False),  # remote: its daemon, its schema
    ('qemu+tcp://10.0.0.5/system', 9000000, 9000000, False),
    ('qemu:///system', 10000000, 9000000, False),  # the daemon is another libvirt than the files here
    ('qemu:///system', None, 9000000, False),
])
def test_the_local_schema_is_used_only_for_the_local_daemon_of_the_same_version(uri, daemon, library, expected):
    assert _hypervisor.local_schema_applies(uri, daemon, library) is expected


def test_no_schema_file_means_libvirt_validates(tmp_path):
    assert _hypervisor.local_schema_applies('qemu:///system', 1, 1, str(tmp_path / 'domain.rng')) is False
    with _hypervisor.Hypervisor(testbed.URI, schema_path=str(tmp_path / 'domain.rng')) as fallback:
        assert fallback.schema() is None and fallback.define_flags() == libvirt.VIR_DOMAIN_DEFINE_VALIDATE
    with _hypervisor.Hypervisor(testbed.URI) as local:
        assert local.schema() is not None and local.define_flags() == 0


# An element libvirt's parser ignores but its schema refuses: only a validating path catches it.
BOGUS = "<rng model='virtio'><backend model='random'>/dev/urandom</backend><bogus/></rng>"


def test_a_definition_the_schema_refuses_is_never_written_on_either_path(scratch, tmp_path):
    name = scratch.create('q35')
    before = scratch.inactive_xml(name)
    bad = before.replace('</devices>', BOGUS + '</devices>')
    # the local path: the pre-flight asks the schema and refuses, naming it
    with _hypervisor.Hypervisor(testbed.URI) as local:
        with pytest.raises(RefusedByLibvirt, match="libvirt's domain schema"):
            local.preflight(name, bad, before, {'devices': 'rng'})
    assert scratch.inactive_xml(name) == before
    # the fallback path: the QEMU driver alone would take it; libvirt's validating define refuses it
    with _hypervisor.Hypervisor(testbed.URI, schema_path=str(tmp_path / 'missing.rng')) as fallback:
        assert fallback.preflight(name, bad, before, {'devices': 'rng'}) is None
        with pytest.raises(VirtunedError, match='bogus|Relax-NG|schema'):
            fallback.domain(name).define(bad, before)
    assert scratch.inactive_xml(name) == before
