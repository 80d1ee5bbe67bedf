# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Power state and whole definitions of domains: what virt_domain and the device_update role do.

A batch shuts down together: every domain gets its ACPI request first, then one wait covers
them all, so N domains take one timeout, not N.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption, VirtunedError
from ansible_collections.virtuned.libvirt.plugins.module_utils._hypervisor import CALLS_AT_ONCE, Lifecycle
from ansible_collections.virtuned.libvirt.plugins.module_utils._runner import is_pattern

STATES = ('running', 'shutoff', 'undefined')
# States that stop or remove domains: a name pattern may reach them only with allow_pattern.
DESTRUCTIVE_STATES = ('shutoff', 'undefined')
POLL_SECONDS = 0.25


def check_options(params):
    """What the options alone can get wrong: checked once for the task, before any domain is read."""
    if params['shutdown_timeout'] < 0:
        raise InvalidOption('shutdown_timeout', params['shutdown_timeout'], ['0 or more seconds'])
    if params['xml'] is not None and len(params['name']) != 1:
        raise InvalidOption('xml', params['xml'], ['one definition for one domain'],
                            reason='a definition is for one domain; name holds %d' % len(params['name']))


def refuse_patterns(asked, names, state):
    """A name that stood as a pattern (not a domain's own name) may not stop or remove domains."""
    patterns = [name for name in asked if name not in names and is_pattern(name)]
    if patterns:
        raise InvalidOption('name', patterns[0], ['domain names', 'a pattern with allow_pattern=true'],
                            reason='state=%s reaches domains by a pattern only with allow_pattern=true' % state)


def check_definition(name, xml_text, previous_xml):
    """The given definition parses, names the domain it is given for, and its masked passwords (a
    definition returned by return_xml) are those of the current definition."""
    root = dx.parse(xml_text)
    if dx.domain_name(root) != name:
        raise InvalidOption('xml', '<name>%s</name>' % dx.domain_name(root), ['<name>%s</name>' % name],
                            reason='the definition must name the domain it is given for', domain=name)
    missing = dx.unmask(root, dx.parse(previous_xml) if previous_xml is not None else None)
    if missing:
        raise InvalidOption('xml', dx.MASK, ['the password itself'],
                            reason='the masked %s has no current value to keep' % ', '.join(missing), domain=name)
    return root


class Batch:
    """Brings a list of domains to one definition and power state; per-domain failures are kept."""

    def __init__(self, hypervisor, params, check_mode, clock=time.monotonic, sleep=time.sleep):
        self.hypervisor = hypervisor
        self.params = params
        self.check_mode = check_mode
        self.clock, self.sleep = clock, sleep
        self.results = {}
        self.previous_xml = {}
        self.wanted_xml = {}
        self.errors = {}
        self.warnings = []

    def run(self, names):
        domains = {name: Lifecycle(self.hypervisor, name) for name in names}
        for name, life in domains.items():
            self._guarded(name, self._prepare, life)
        live = {n: life for n, life in domains.items() if n not in self.errors}
        state = self.params['state']
        if state == 'running':
            for name, life in live.items():
                if self.results[name]['_current'] == 'shutoff':
                    self._guarded(name, self._start, life)
        elif state == 'shutoff':
            self._shut_down([life for name, life in live.items() if self.results[name]['_current'] == 'running'])
        elif state == 'undefined':
            for name, life in live.items():
                self._guarded(name, self._remove, life)
        for name, life in domains.items():
            result = self.results.setdefault(name, {'actions': []})
            result.pop('_current', None)
            result['changed'] = bool(result['actions'])
            if name in self.errors:
                result['failed'] = True
                result['msg'] = self.errors[name]
            if not self.check_mode and result['actions']:
                result['state'] = self._guarded(name, life.state) or result.get('state')
            result['reboot_required'] = bool(self._guarded(name, self._reboot_required, life, result))
        return self.results

    def _reboot_required(self, life, result):
        """Whether a domain that runs on has a definition (a new one, or one defined before the task)
        whose devices differ from the ones it runs with: only a cold boot applies them."""
        if result.get('previous_state') != 'running' or result.get('state') != 'running':
            return False
        persistent = life.inactive_xml()
        if self.check_mode and 'defined' in result['actions']:
            persistent = self.wanted_xml[life.name]
        persistent, live = dx.parse(persistent), dx.parse(life.live_xml())
        return dx.cold_boot_pending(persistent, live) or dx.platform_pending(persistent, live)

    def _guarded(self, name, function, *args):
        try:
            return function(*args)
        except VirtunedError as exc:
            self.errors[name] = exc.msg
            return None

    def _prepare(self, life):
        name = life.name
        previous_state = life.state()
        previous_xml = life.inactive_xml()
        result = {'actions': [], 'previous_state': previous_state, 'state': previous_state,
                  '_current': previous_state}
        self.results[name] = result
        self.previous_xml[name] = previous_xml
        xml_text = self.params['xml']
        if xml_text is not None and self.params['state'] != 'undefined':
            wanted = check_definition(name, xml_text, previous_xml)
            current = dx.parse(previous_xml) if previous_xml is not None and self.params['redefine'] else None
            differs = current is not None and not dx.same_document(current, wanted)
            if previous_xml is None or differs:
                xml_text = self.wanted_xml[name] = dx.serialize(wanted)
                self.warnings.append(self.hypervisor.preflight(name, wanted, current, {'xml': self.params['xml']}))
                self._act(life, 'defined', life.define, xml_text)
                if previous_state == 'undefined':
                    result['_current'] = result['state'] = 'shutoff'
        if result['_current'] == 'undefined' and self.params['state'] not in (None, 'undefined'):
            raise VirtunedError('the domain is not defined; give its xml to define it', domain=name)

    def _act(self, life, action, function, *args):
        """Do one action (only predict it in check mode); it is listed only once it has happened."""
        result = self.results[life.name]
        if not self.check_mode:
            function(*args)
        result['actions'].append(action)
        for prefix, state in (('started', 'running'), ('shut down', 'shutoff'), ('forced off', 'shutoff'),
                              ('undefined', 'undefined')):
            if action.startswith(prefix):
                result['state'] = state

    def _start(self, life):
        """Start a domain; check mode predicts a start that would fail, as the run reports it: one libvirt's
        QEMU driver refuses, or one the host cannot give what its devices open or its memory (see
        _host_resources)."""
        if self.check_mode:
            definition = dx.parse(self.wanted_xml.get(life.name) or life.inactive_xml())
            reason = self.hypervisor.start_refusal(definition) or \
                self.hypervisor.host_resources.start_refusal(life.name, definition)
            if reason:
                raise VirtunedError('starting would fail: %s' % reason, domain=life.name)
        self._act(life, 'started', life.start)

    def _remove(self, life):
        if self.results[life.name]['_current'] == 'running':
            self._act(life, 'forced off', life.destroy)
        if self.results[life.name]['_current'] != 'undefined':
            self._act(life, 'undefined', life.undefine, self.params['nvram'] == 'remove')

    def _shut_down(self, lives):
        """ACPI to all, one wait for all; then force off the rest only when asked to."""
        timeout, force_off = self.params['shutdown_timeout'], self.params['force_off']
        if self.check_mode:
            for life in lives:
                self._act(life, 'shut down', lambda: None)
            return
        asked = []
        for life in lives:
            if force_off and timeout == 0:
                self._guarded(life.name, self._act, life, 'forced off', life.destroy)
            else:
                self._guarded(life.name, life.shutdown)
                if life.name not in self.errors:
                    asked.append(life)
        deadline = self.clock() + timeout
        waiting = list(asked)
        while waiting:
            waiting = [life for life in waiting if self._guarded(life.name, life.state) == 'running']
            if not waiting or self.clock() >= deadline:
                break
            self.sleep(POLL_SECONDS)
        stubborn = []
        for life in asked:
            if life not in waiting:
                if life.name not in self.errors:
                    self.results[life.name]['actions'].append('shut down')
                    self.results[life.name]['state'] = 'shutoff'
            elif force_off:
                stubborn.append(life)
            else:
                self.errors[life.name] = (
                    "domain '%s': did not shut down within %s seconds after an ACPI shutdown request; it was left "
                    'running (set force_off to force it off after the timeout)' % (life.name, timeout))
        # libvirt waits up to seconds for each QEMU to exit on destroy; the batch's waits overlap.
        with ThreadPoolExecutor(max_workers=CALLS_AT_ONCE) as pool:
            for life in stubborn:
                pool.submit(self._guarded, life.name, self._act, life, 'forced off after %s seconds' % timeout,
                            life.destroy)
