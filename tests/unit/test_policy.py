"""Policy profiles: merge order, conflicts, unknown profiles and keys."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.virtuned.libvirt.plugins.filter.device_policy import device_policy
from ansible_collections.virtuned.libvirt.plugins.module_utils import _policy


@pytest.mark.parametrize('items, expected', [
    (['modern'], _policy.PROFILES['modern']),
    ('windows', _policy.PROFILES['windows']),
    ([{'hw_disk_bus': 'scsi'}], {'hw_disk_bus': 'scsi'}),
    (['modern', {'hw_video_model': 'qxl'}], dict(_policy.PROFILES['modern'], hw_video_model='qxl')),
    ([{'hw_video_model': 'qxl'}, 'modern'], _policy.PROFILES['modern']),
    (['legacy-guest', 'windows'], dict(_policy.PROFILES['legacy-guest'], **_policy.PROFILES['windows'])),
    (['modern', {'hw_input_bus': None, 'hw_pointer_model': 'usbtablet'}],
     dict({k: v for k, v in _policy.PROFILES['modern'].items() if k != 'hw_input_bus'}, hw_pointer_model='usbtablet')),
    ([], {}),
    # A preference fills only what no enforced item sets, wherever it stands.
    ([{'hw_video_model': 'qxl'}, {'prefer': 'modern'}], dict(_policy.PROFILES['modern'], hw_video_model='qxl')),
    ([{'prefer': 'windows'}, {'prefer': {'hw_disk_bus': 'virtio'}}, {'enforce': {'hw_vif_model': 'virtio'}}],
     dict(_policy.PROFILES['windows'], hw_disk_bus='virtio', hw_vif_model='virtio')),
])
def test_merge_order_later_wins(items, expected):
    assert device_policy(items) == expected


@pytest.mark.parametrize('items, named', [
    (['modrn'], "'modrn'"),
    ([{'hw_disk': 'virtio'}], "'hw_disk'"),
    ([{'hw_disk_bus': 'floppy'}], "'floppy'"),
    ([{'virtio_model': 'legacy'}], "'legacy'"),
    ([{'hw_pointer_model': 'usbtablet', 'hw_input_bus': 'virtio'}], "'usbtablet'"),
    (['modern', {'hw_pointer_model': 'usbtablet'}], "hw_input_bus='virtio'"),
    ([42], '42'),
    ([{'hw_video_model': 7}], '7'),
    ([{'pcie_free_ports': 'three'}], "'three'"),
    ([{'pcie_free_ports': 99}], 'from 0 to 30'),
    ([{'features': ['vmcoreinfo', 'turbo']}], 'vmcoreinfo'),
    ([{'prefr': 'modern'}], 'nor a merge mode (enforce, prefer)'),
    ([{'prefer': 'modern', 'hw_disk_bus': 'sata'}], 'a mode item holds the mode alone'),
    ([{'prefer': 'modrn'}], "'modrn'"),
])
def test_unknown_and_conflicting_are_named(items, named):
    with pytest.raises(AnsibleFilterError) as raised:
        device_policy(items)
    assert named in str(raised.value)


def test_every_shipped_profile_stands_alone():
    for name in _policy.PROFILES:
        assert _policy.merge([name]) == _policy.PROFILES[name]


def test_grouped_by_module():
    grouped = device_policy(['modern'], modules=True)
    assert grouped['virt_device_bus'] == {'disk_bus': 'virtio', 'cdrom_bus': 'sata', 'vif_model': 'virtio',
                                          'video_model': 'virtio', 'virtio_model': 'virtio'}
    assert grouped['virt_input'] == {'pointer_model': 'tablet', 'input_bus': 'virtio'}
    assert grouped['virt_usb_controller'] == {'model': 'qemu-xhci'}


def test_platform_keys_go_to_virt_machine():
    grouped = device_policy([{'hw_machine_type': 'q35', 'pcie_free_ports': 3, 'features': ['vmcoreinfo']}],
                            modules=True)
    assert grouped['virt_machine'] == {'machine_type': 'q35', 'pcie_free_ports': 3, 'features': ['vmcoreinfo']}
