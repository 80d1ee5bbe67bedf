# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How every module runs: read all domains, plan all, then apply; check mode, diff, results.

Every domain is planned (and every input validated) before the first write, so a refused
input leaves every domain as it was.
"""

from __future__ import annotations

import collections
import concurrent.futures
import fnmatch

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _hotplug, _hypervisor
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import (
    InvalidOption, NoSuchDomain, VirtunedError)


def common_argument_spec(**extra):
    spec = dict(
        uri=dict(type='str', default='qemu:///system'),
        name=dict(type='list', elements='str', required=True, aliases=['domain']),
    )
    spec.update(extra)
    return spec


def require_libraries(module):
    """Fail once, naming every library the hypervisor's Python lacks."""
    missing = [name for name, absent in (('lxml', dx.etree is None),
                                         ('libvirt-python', _hypervisor.LIBVIRT_IMPORT_ERROR is not None)) if absent]
    if missing:
        module.fail_json(msg=missing_required_lib(' and '.join(missing)), exception=_hypervisor.LIBVIRT_IMPORT_ERROR)


PATTERN_CHARACTERS = '*?['
# Seconds a hot-unplug waits for libvirt's device-removed event before it is reported pending.
DEFAULT_UNPLUG_TIMEOUT = 10


def is_pattern(name):
    return any(character in name for character in PATTERN_CHARACTERS)


def domain_names(module, hypervisor):
    """The names asked for, in order and once each; shell-style patterns expand to every match.

    A domain really named like a pattern ('db[1]') is that domain: the exact name wins.
    Returns (names, matched, unmatched): matched holds the names that came from a pattern only,
    unmatched the patterns that matched no domain.
    """
    names, matched, unmatched = [], set(), []
    listed = None
    for name in module.params['name']:
        if not name:
            raise InvalidOption('name', name, ['a domain name or a pattern such as web-*'],
                                reason='a domain name cannot be empty')
        if is_pattern(name) and listed is None:
            listed = hypervisor.domain_names()
        if is_pattern(name) and name not in listed:
            matches = [n for n in listed if fnmatch.fnmatchcase(n, name)]
            if not matches:
                unmatched.append(name)
            found = [n for n in matches if n not in names]
            matched.update(found)
        else:
            found = [name] if name not in names else []
            matched.discard(name)
        names.extend(found)
    return names, matched, unmatched


def selected_domains(module, hypervisor):
    """domain_names, with a warning for each pattern that matched no domain."""
    names, matched, unmatched = domain_names(module, hypervisor)
    for pattern in unmatched:
        module.warn('name: the pattern %r matches no domain on %s' % (pattern, hypervisor.uri))
    return names, matched, unmatched


def domain_states(hypervisor, names, matched):
    """A DomainState per name; a domain a pattern matched that is gone by the time it is read
    (another client undefined it) is left out rather than failing the whole call.

    Every definition is read before the first is parsed: calls back to back take half the time
    they take between planning work (1000 domains: 0.16 s against 0.30 s). Each state is handed
    over (and parsed) one at a time, so that only the texts wait.
    """
    found = hypervisor.domains(names)
    states = collections.deque()
    for name in names:
        try:
            if name not in found:
                raise _hypervisor.no_such_domain(hypervisor.uri, name)
            states.append(DomainState(*found[name]))
        except NoSuchDomain:
            if name not in matched:
                raise
    while states:
        yield states.popleft().parsed()


class DomainState:
    """A domain as read at planning time: persistent XML, live XML when running."""

    def __init__(self, domain, running):
        self.hypervisor = domain.hypervisor
        self.name = domain.name
        self.domain = domain
        self.running = running
        self.before_xml = domain.inactive_xml()
        self._live_xml = domain.live_xml() if running else None
        self.before = self.live = None

    def parsed(self):
        self.before = dx.parse(self.before_xml)
        self.live = dx.parse(self._live_xml) if self.running else None
        return self

    def capabilities(self):
        return self.hypervisor.capabilities(self.before)


class Change:
    """The planned persistent XML of one domain, and the devices to (un)plug or update live.

    detach and update hold elements of the live XML (update: the device as it should run)."""

    def __init__(self, state, after, attach=(), detach=(), report=None, update=()):
        self.state = state
        self.after = after
        self.report = report or {}
        self.changed = not dx.same_document(state.before, after)
        self.after_xml = dx.serialize(after) if self.changed else state.before_xml
        self.attach = list(attach) if state.running else []
        self.detach = list(detach) if state.running else []
        self.update = list(update) if state.running else []
        self._plugs = self._refused = None

    def plugs(self):
        """The devices a run hot-plugs: attach, with the controllers of after they need first."""
        if self._plugs is None:
            self._plugs = _hotplug.with_controllers(self.attach, self.after, self.state.live)
        return self._plugs

    def refusals(self):
        """Why the running domain would refuse each device to hot-unplug, each update and each of plugs()
        (None: it takes it), as three lists, asked once, in the order a run makes them: the images a
        domain opens or closes count for the domains after it."""
        if self._refused is None:
            name, host = self.state.name, self.state.hypervisor.host_resources
            detach = _hotplug.detach_refusals(self.state.live, self.detach)
            for device, reason in zip(self.detach, detach):
                if reason is None:
                    host.closed(name, device)
            update = [_hotplug.update_refusal(device) or host.update_refusal(name, device) for device in self.update]
            attach = _hotplug.attach_refusals(self.state.hypervisor, self.state.live, self.plugs())
            self._refused = (detach, update, attach)
        return self._refused

    def predicted_live_changes(self):
        """live_changes as check mode predicts them, in the order a run does them: each unplug, update
        and hot-plug done unless libvirt or QEMU would refuse it (see _hotplug and _host_resources). A real run
        may still find the guest holding a device ('pending')."""
        refused_detach, refused_update, refused_attach = self.refusals()
        changes = []
        for action, devices, refusals in (('detached', self.detach, refused_detach),
                                          ('updated', self.update, refused_update),
                                          ('attached', self.plugs(), refused_attach)):
            for device, refusal in zip(devices, refusals):
                entry = {'action': action, 'device': dx.abstract(device)}
                if refusal:
                    operation = _hypervisor.LIVE_OPERATIONS[action] % dx.device_label(device)
                    entry.update(action='not ' + action, error="domain '%s': %s would fail: %s"
                                 % (self.state.name, operation, refusal))
                changes.append(entry)
        return changes

    def predicted_live(self):
        live = dx.clone(self.state.live)
        refused_detach, refused_update, refused_attach = self.refusals()
        for device, refusal in zip(self.detach, refused_detach):
            if refusal:
                continue
            for element in dx.devices(live):
                if dx.device_identity(element) == dx.device_identity(device):
                    dx.remove_device(element)
                    break
        for device in (device for device, refusal in zip(self.update, refused_update) if not refusal):
            for element in dx.devices(live):
                if element.tag == device.tag and dx.device_alias(element) == dx.device_alias(device):
                    element.getparent().replace(element, dx.clone(device))
                    break
        for device, refusal in zip(self.plugs(), refused_attach):
            if not refusal:
                dx.append_device(live, dx.clone(device))
        return live


class Pending:
    """A change waiting to be defined, kept as text: a batch of a thousand domains must not hold
    a thousand parsed trees (and the live trees their hot-plug elements belong to)."""

    def __init__(self, change):
        state = change.state
        self.name, self.domain, self.running = state.name, state.domain, state.running
        self.before_xml = state.before_xml
        self.after_xml = change.after_xml
        self.report = change.report
        self.detach = [(dx.device_xml(device), dx.abstract(device)) for device in change.detach]
        self.attach = [(dx.device_xml(device), dx.abstract(device)) for device in change.attach]
        self.update = [(dx.device_xml(device), dx.abstract(device)) for device in change.update]
        self.defined_xml = None  # libvirt's definition, read back once defined


class Scope(collections.namedtuple('Scope', 'kinds devices_from_live platform plugs_live')):
    """What a module reports on: kinds, the devices it manages (element names, a predicate on the
    element, or None for all); devices_from_live, a running domain's devices read from its live XML;
    platform, whether its changes include the machine type and features; plugs_live, whether it
    (un)plugs devices of running domains (and so reports live_changes)."""


def reboot_required(running, persistent, live, scope):
    if not running:
        return False
    return dx.cold_boot_pending(persistent, live, scope.kinds) or (
        scope.platform and dx.platform_pending(persistent, live))


# Domains defined per round: their writer locks (a file descriptor each) are held together while
# they are re-read, defined and read back.
DEFINED_PER_ROUND = 50


def _define_all(pending):
    """Define every planned XML (several at once) and read each back; if libvirt refuses one, put
    back every one that was defined.

    A refused definition thus leaves every domain of the call as it was. Only when libvirt
    itself goes away mid-batch can the restore fail too; the error then names the domains that
    keep their new definition, and a re-run finishes the job.
    """
    defined = []
    try:
        for start in range(0, len(pending), DEFINED_PER_ROUND):
            _define_round(pending[start:start + DEFINED_PER_ROUND], defined)
    except VirtunedError as exc:
        raise _batch_error(exc, defined)


def _define_round(items, defined):
    """Under the writer locks of these domains: check that no other client redefined one since it
    was planned, define them CALLS_AT_ONCE at a time, read each back. The reads go one after the
    other: on one connection that is faster than overlapping them (200 domains on 2 cores:
    re-read, define and read back overlapped 0.46 s; reads apart 0.36 s)."""
    with _hypervisor.writer_locks(items[0].domain.hypervisor.uri, [item.name for item in items]):
        for item in items:
            item.domain.check_unchanged(item.before_xml)
        with concurrent.futures.ThreadPoolExecutor(max_workers=_hypervisor.CALLS_AT_ONCE) as pool:
            outcomes = [pool.submit(item.domain.define_locked, item.after_xml) for item in items]
        defined.extend(item for item, outcome in zip(items, outcomes) if not outcome.exception())
        errors = [(item, outcome.exception()) for item, outcome in zip(items, outcomes) if outcome.exception()]
        if errors:
            item, first = errors[0]
            if not isinstance(first, VirtunedError):
                first = VirtunedError('defining %s failed: %r' % (item.name, first), domain=item.name)
            raise first
        for item in items:
            try:
                item.defined_xml = item.domain.inactive_xml()
            except VirtunedError:
                pass  # defined all the same; _applied reads it again


def _batch_error(exc, defined):
    restored, kept = [], {}
    for done in defined:
        try:
            done.domain.restore(done.before_xml)
            restored.append(done.name)
        except VirtunedError as restore_error:
            kept.setdefault(restore_error.args[0], []).append(done.name)
    text = exc.args[0]
    if restored:
        text += '; the other domains defined in this call were restored: %s' % ', '.join(restored)
    for reason, names in kept.items():
        text += '; these keep their new definition (%s): %s' % (reason, ', '.join(names))
    error = VirtunedError(text, domain=exc.domain)
    error.details = {
        'defined_then_restored': restored,
        'kept_new_definition': [name for names in kept.values() for name in names],
    }
    return error


# Said after a live change the running domain refused, in a run and in check mode's prediction.
WAITS_FOR_A_COLD_BOOT = '; the persistent definition has the change, a cold boot applies it'


def _plug_live(item, warn, unplug_timeout):
    """Unplug, update and plug on the running domain; returns what was done.

    The persistent change stands even when the live domain refuses a device (no free
    hot-pluggable slot) or the guest does not release one in unplug_timeout seconds (a PCI
    unplug needs its consent): that is reported ('not attached', 'pending'), and the
    domain's reboot_required says a cold boot is still needed.
    """
    actions = []
    for device_xml, device in item.detach:
        entry = {'action': 'detached', 'device': device}
        try:
            if not item.domain.detach_live(device_xml, device.get('alias'), unplug_timeout):
                entry['action'] = 'pending'
                warn('%s: the guest has not released %s %s after %s seconds; the persistent definition no '
                     'longer has it, a cold boot removes it'
                     % (item.name, device['kind'], device.get('alias'), unplug_timeout))
        except VirtunedError as exc:
            entry.update(action='not detached', error=exc.msg)
            warn(exc.msg + WAITS_FOR_A_COLD_BOOT)
        actions.append(entry)
    for action, operation, changes in (('updated', item.domain.update_live, item.update),
                                       ('attached', item.domain.attach_live, item.attach)):
        for device_xml, device in changes:
            entry = {'action': action, 'device': device}
            try:
                operation(device_xml)
            except VirtunedError as exc:
                entry.update(action='not ' + action, error=exc.msg)
                warn(exc.msg + WAITS_FOR_A_COLD_BOOT)
            actions.append(entry)
    return actions


def diff_entry(name, before_xml, after_xml):
    """A diff of one domain's persistent XML, passwords masked; before_xml None: not defined before."""
    return {
        'before_header': '%s (persistent XML)' % name,
        'after_header': '%s (persistent XML)' % name,
        'before': dx.diff_text(before_xml) if before_xml is not None else '',
        'after': dx.diff_text(after_xml),
    }


def requested(module):
    """The options this task set (beyond the connection and the names), for messages."""
    return {option: value for option, value in module.params.items()
            if option not in ('uri', 'name') and value is not None
            and value != module.argument_spec.get(option, {}).get('default')}


def converge(module, plan, kinds, devices_from_live=False, platform=False, plugs_live=False):
    """Run a changing module: plan(state) -> Change for every domain, then define them all.

    kinds, devices_from_live, platform, plugs_live: what it reports on (see Scope).

    A domain that does not change (or any domain in check mode) is settled as soon as it is
    planned; the others wait as text until every domain has been planned. Check mode holds back
    what it predicts for a changing domain (its result, its warnings) until no domain is refused:
    a refused run writes nothing and reports none of them.
    """
    require_libraries(module)
    scope = Scope(kinds, devices_from_live, platform, plugs_live)
    results, diffs, pending, refused = {}, [], [], []
    predicted, unmatched = {}, []
    try:
        with _hypervisor.Hypervisor(module.params['uri'], run_command=module.run_command) as hypervisor:
            names, matched, unmatched = selected_domains(module, hypervisor)
            for state in domain_states(hypervisor, names, matched):
                try:
                    change = _plan_one(plan, state)
                    for note in change.report.pop('not_applied', ()):
                        module.warn("domain '%s': %s" % (state.name, note))
                    if change.changed:
                        warning = hypervisor.preflight(state.name, change.after, state.before, requested(module))
                        if warning:
                            module.warn(warning)
                except InvalidOption as exc:
                    refused.append(exc)  # planning goes on, so that every domain at fault is named
                    continue
                if change.changed and not module.check_mode:
                    pending.append(Pending(change))
                    results[state.name] = None  # keeps the order of the names
                elif change.changed:
                    results[state.name] = None
                    predicted[state.name] = _settled(module, change, scope, diffs)
                else:
                    results[state.name] = _settled(module, change, scope, diffs)[0]
            if refused:
                raise _refusals(refused)
            for name, (result, warnings) in predicted.items():
                results[name] = result
                for warning in warnings:
                    module.warn(warning)
            _define_all(pending)
            for item in pending:
                results[item.name] = _applied(module, item, scope, diffs)
    except VirtunedError as exc:
        _fail(module, exc, {name: result for name, result in results.items() if result is not None})
    summary = dict(
        changed=any(result['changed'] for result in results.values()),
        domains=results,
        reboot_required=[name for name, result in results.items() if result['reboot_required']],
        unmatched_patterns=unmatched,
    )
    if module._diff:
        summary['diff'] = diffs
    module.exit_json(**summary)


def _refusals(refused):
    """One error for the domains whose plan was refused: each named with its reason. The first
    refusal's option, value and allowed values are the error's details."""
    if len(refused) == 1:
        return refused[0]
    error = VirtunedError('%d domains refused: %s' % (len(refused), '; '.join(exc.msg for exc in refused)))
    error.details = dict(_error_details(refused[0]), refused_domains=[exc.domain for exc in refused])
    return error


def _plan_one(plan, state):
    try:
        return plan(state)
    except VirtunedError as exc:
        exc.domain = exc.domain or state.name
        raise


def _settled(module, change, scope, diffs):
    """The result of a domain that is not written (unchanged, or predicted in check mode), and the
    warnings the run would give for it."""
    state = change.state
    after, live, live_changes = state.before, state.live, []
    if change.changed:
        after = change.after
        live = change.predicted_live() if state.running else None
        live_changes = change.predicted_live_changes()
        if module._diff:
            diffs.append(diff_entry(state.name, state.before_xml, change.after_xml))
    warnings = [entry['error'] + WAITS_FOR_A_COLD_BOOT for entry in live_changes if entry.get('error')]
    return _result(change.report, change.changed, state.running, after, live, scope, live_changes), warnings


def _applied(module, item, scope, diffs):
    """The result of a domain whose new definition was defined: plug live, then read back."""
    unplug_timeout = module.params.get('unplug_timeout', DEFAULT_UNPLUG_TIMEOUT)
    after_xml = item.defined_xml or item.domain.inactive_xml()
    if item.running:
        # The controllers come from libvirt's definition: it may have added one the plan did not.
        devices = _hotplug.with_controllers([dx.parse(xml, root_tag=None) for xml, _device in item.attach],
                                            dx.parse(after_xml), dx.parse(item.domain.live_xml()))
        item.attach = [(dx.device_xml(device), dx.abstract(device)) for device in devices]
    live_changes = _plug_live(item, module.warn, unplug_timeout) if item.running else []
    if module._diff:
        # The planned definition, as check mode shows it: the diff is the change this module made.
        diffs.append(diff_entry(item.name, item.before_xml, item.after_xml))
    live = dx.parse(item.domain.live_xml()) if item.running else None
    return _result(item.report, True, item.running, dx.parse(after_xml), live, scope, live_changes)


def _result(report, changed, running, after, live, scope, live_changes):
    result = dict(report, changed=changed, reboot_required=reboot_required(running, after, live, scope),
                  devices=dx.abstract_devices(live if running and scope.devices_from_live else after, scope.kinds))
    if scope.plugs_live:
        result['live_changes'] = live_changes
    if running:
        result['live_devices'] = dx.abstract_devices(live, scope.kinds)
    if scope.devices_from_live and running:
        result['persistent_devices'] = dx.abstract_devices(after, scope.kinds)
    return result


def _fail(module, exc, results):
    """Fail the task with what the error says, and the results of the domains settled before it."""
    details = dict(_error_details(exc), **getattr(exc, 'details', {}))
    changed = any(r.get('changed', False) for r in results.values()) or bool(details.get('kept_new_definition'))
    module.fail_json(msg=exc.msg, changed=changed, domains=results, **details)


def check_options(module, check):
    """check(params) for what the options alone can get wrong: one failure for the task, before
    any domain is read. Returns what check returns."""
    try:
        return check(module.params)
    except VirtunedError as exc:
        _fail(module, exc, {})
        return None


def with_hypervisor(module, run, read_only=False):
    """run(hypervisor) over one connection; a VirtunedError fails the task."""
    require_libraries(module)
    try:
        with _hypervisor.Hypervisor(module.params['uri'], read_only=read_only,
                                    run_command=module.run_command) as hypervisor:
            return run(hypervisor)
    except VirtunedError as exc:
        _fail(module, exc, {})


def _error_details(exc):
    if isinstance(exc, InvalidOption):
        return {'option': exc.option, 'value': exc.value, 'allowed': exc.allowed}
    return {}


def inspect(module, describe):
    """Run a read-only module over a read-only connection: describe(state) -> dict for every domain."""
    def read(hypervisor):
        names, matched, unmatched = selected_domains(module, hypervisor)
        return {state.name: describe(state) for state in domain_states(hypervisor, names, matched)}, unmatched

    domains, unmatched = with_hypervisor(module, read, read_only=True)
    module.exit_json(changed=False, domains=domains, unmatched_patterns=unmatched)
