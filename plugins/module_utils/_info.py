# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What virt_device_info reports about one domain."""

from __future__ import annotations

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _machine, _recommend
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import VirtunedError


def describe(state):
    persistent = state.before
    properties = dx.effective_properties(persistent)
    stashed = dx.stashed_properties(persistent)
    os_type = dx.os_type(persistent)
    report = {
        'running': state.running,
        'machine': os_type['machine'],
        'arch': os_type['arch'],
        'os_id': dx.libosinfo_os_id(persistent),
        'devices': dx.abstract_devices(state.live if state.running else persistent),
        'persistent_devices': dx.abstract_devices(persistent),
        'properties': properties,
        'stashed': stashed,
        'drift': dx.drift(properties, stashed),
        'reboot_required': state.running and dx.cold_boot_pending(persistent, state.live),
        'live_properties': dx.effective_properties(state.live) if state.running else None,
    }
    machines = _machine.machine_types(state.hypervisor, persistent)
    report['machine_missing'] = not machines.offers(os_type['machine'])
    report['machine_deprecated'] = os_type['machine'] in machines.deprecated
    report['newer_machines'] = machines.newer(os_type['machine'])
    recommended = _recommend.for_domain(persistent, capabilities=_capabilities(state))
    report['recommended'], report['recommended_message'] = recommended
    return report


def _capabilities(state):
    """The domain capabilities, or None: libvirt refuses them to a read-only connection."""
    try:
        return state.capabilities()
    except VirtunedError:
        return None
