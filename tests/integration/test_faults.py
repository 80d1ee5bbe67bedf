"""libvirtd goes away in the middle of a batch: a clear error, the domains done so far named, the
rest untouched, and a re-run finishes the job. Serial: it stops the daemon under everything."""

from __future__ import annotations

import os
import subprocess

import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _hypervisor

import returndocs
import testbed

pytestmark = pytest.mark.serial

MANY = 300


def libvirtd(action):
    subprocess.run(['bash', os.path.join(testbed.REPO, 'scripts', 'libvirtd.sh'), action], check=True,
                   capture_output=True)


def test_libvirtd_stopped_mid_batch_then_a_rerun_finishes(scratch):
    names = [scratch.create('i440fx', tag='fault%03d' % i, disk=False) for i in range(MANY)]
    originals = {name: scratch.inactive_xml(name) for name in names}
    pending = testbed.in_background(testbed.run_module, 'virt_device_bus', {'name': names, 'video_model': 'qxl'})
    try:
        assert testbed.wait_for(lambda: "type='qxl'" in scratch.inactive_xml(names[0]))
        libvirtd('stop')
        result = pending()
    finally:
        libvirtd('start')
    scratch.conn = testbed.libvirt.open(testbed.URI)  # the old connection died with the daemon

    assert result['failed'] is True, 'the batch finished before libvirtd stopped; make MANY bigger'
    returndocs.assert_documented('virt_device_bus', result)
    kept = result['kept_new_definition']
    assert kept and set(kept) < set(names)
    assert 'keep their new definition' in result['msg'] and kept[0] in result['msg']
    assert all("type='qxl'" in scratch.inactive_xml(name) for name in kept)
    # Defines run CALLS_AT_ONCE at a time, in order: the ones done when the daemon went keep their new
    # definition; those in flight may or may not have been committed; after them, nothing was touched.
    last = max(names.index(name) for name in kept)
    in_flight = _hypervisor.CALLS_AT_ONCE
    assert last < len(kept) + in_flight, 'the kept domains are the first ones, but for the defines in flight'
    assert [n for n in names[last + in_flight + 1:] if scratch.inactive_xml(n) != originals[n]] == []

    again = testbed.run_module('virt_device_bus', {'name': names, 'video_model': 'qxl'})
    assert again.get('failed') is not True and again['changed'] is True
    assert all(again['domains'][n]['changed'] is False for n in kept)
    assert all(again['domains'][n]['changed'] is True for n in names[last + in_flight + 1:])
    assert all("type='qxl'" in scratch.inactive_xml(n) for n in names)
    assert testbed.run_module('virt_device_bus', {'name': names, 'video_model': 'qxl'})['changed'] is False
