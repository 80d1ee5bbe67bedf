"""The collection's recommendations against virt-install's choices for a spread of guest OSes on i440fx, q35
and q35 with SPICE: the same, except where a documented rule decides otherwise (docs/policies.md)."""

from __future__ import annotations

import importlib.util
import os

from ansible_collections.virtuned.libvirt.plugins.module_utils._hypervisor import Hypervisor

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      'scripts', 'virt_install_side_by_side.py')
spec = importlib.util.spec_from_file_location('side_by_side', SCRIPT)
side_by_side = importlib.util.module_from_spec(spec)
spec.loader.exec_module(side_by_side)

# Where the collection decides otherwise, and the words of its reason that show the rule.
DOCUMENTED = {
    # osinfo lists virtio1.0-input: a virtio tablet and keyboard; virt-install adds a USB tablet to every x86 guest
    ('hw_pointer_model', 'tablet', 'usbtablet'): 'lists virtio1.0-input',
    ('hw_input_bus', 'virtio', None): 'lists virtio1.0-input',
    # Nova's rule: the SPICE agent moves the pointer, no tablet without VNC
    ('hw_pointer_model', None, 'usbtablet'): 'the SPICE agent moves the pointer and there is no VNC',
    # a legacy-virtio OS on q35 (virt-install would leave it on i440fx; told q35, its plain virtio sits on PCIe)
    ('virtio_model', 'transitional', 'virtio'): 'but no virtio 1.0 device and the machine is q35',
    # osinfo refuses BIOS: UEFI is required, flagged even where this host has no UEFI firmware to give
    ('firmware', 'efi', None): '(osinfo <firmware type="bios" supported="false">)',
}


def test_the_collection_chooses_as_virt_install_does_except_where_a_documented_rule_decides():
    with Hypervisor(side_by_side.URI) as hypervisor:
        found = list(side_by_side.rows(side_by_side.SPREAD, hypervisor))
    assert len(found) > 400
    unexplained = ['%s on %s: %s ours %r, virt-install %r (%s)' % row[:6] for row in found
                   if row[3] != row[4] and DOCUMENTED.get((row[2], row[3], row[4]), '\0') not in row[5]]
    assert unexplained == []
    assert sum(1 for row in found if row[3] == row[4]) > 0.85 * len(found)
