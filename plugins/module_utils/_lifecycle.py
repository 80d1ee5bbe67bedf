# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Power state and whole definitions of domains: what virt_domain and the device_update role do."""

from __future__ import annotations

import time

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption, VirtunedError
from ansible_collections.virtuned.libvirt.plugins.module_utils._hypervisor import Lifecycle

STATES = ('running', 'shutoff', 'undefined')
POLL_SECONDS = 0.25


def check_definition(name, xml_text):
    """The given definition parses and names the domain it is given for."""
    root = dx.parse(xml_text)
    if dx.domain_name(root) != name:
        raise InvalidOption('xml', '<name>%s</name>' % dx.domain_name(root), ['<name>%s</name>' % name],
                            reason='the definition must name the domain it is given for', domain=name)
    return root


def converge(hypervisor, name, state, xml_text, redefine, shutdown_timeout, force_off, check_mode):
    """Bring one domain to the wanted definition and power state; returns its result."""
    life = Lifecycle(hypervisor, name)
    previous_state = life.state()
    previous_xml = life.inactive_xml()
    actions = []
    if xml_text is not None and state != 'undefined':
        wanted = check_definition(name, xml_text)
        differs = previous_xml is not None and redefine and not dx.same_document(dx.parse(previous_xml), wanted)
        if previous_xml is None or differs:
            actions.append('defined')
            if not check_mode:
                life.define(xml_text)
    current = previous_state if previous_state != 'undefined' or not actions else 'shutoff'
    if current == 'undefined' and state != 'undefined':
        raise VirtunedError('the domain is not defined; give its xml to define it', domain=name)
    if state == 'running' and current == 'shutoff':
        actions.append('started')
        if not check_mode:
            life.start()
    elif state in ('shutoff', 'undefined') and current == 'running':
        if state == 'undefined' or force_off and shutdown_timeout == 0:
            actions.append('forced off')
            if not check_mode:
                life.destroy()
        else:
            actions.append(_shut_down(life, shutdown_timeout, force_off, check_mode))
    if state == 'undefined' and current != 'undefined':
        actions.append('undefined')
        if not check_mode:
            life.undefine()
    result = {
        'changed': bool(actions),
        'actions': actions,
        'previous_state': previous_state,
        'state': state if actions else previous_state,
    }
    if not check_mode and actions and state != 'undefined':
        result['state'] = life.state()
    return result, previous_xml


def _shut_down(life, timeout, force_off, check_mode):
    """ACPI shutdown, waiting up to timeout seconds; then force off only when asked to."""
    if check_mode:
        return 'shut down'
    life.shutdown()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if life.state() != 'running':
            return 'shut down'
        time.sleep(POLL_SECONDS)
    if life.state() != 'running':
        return 'shut down'
    if not force_off:
        raise VirtunedError('did not shut down within %s seconds after an ACPI shutdown request; it was '
                            'left running (set force_off to force it off after the timeout)' % timeout,
                            domain=life.name)
    life.destroy()
    return 'forced off after %s seconds' % timeout
