# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How every module runs: read all domains, plan all, then apply; check mode, diff, results.

Every domain is planned (and every input validated) before the first write, so a refused
input leaves every domain as it was.
"""

from __future__ import annotations

import fnmatch

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _hypervisor
from ansible_collections.virtuned.libvirt.plugins.module_utils._errors import InvalidOption, VirtunedError


def common_argument_spec(**extra):
    spec = dict(
        uri=dict(type='str', default='qemu:///system'),
        name=dict(type='list', elements='str', required=True, aliases=['domain']),
    )
    spec.update(extra)
    return spec


def require_libraries(module):
    if dx.etree is None:
        module.fail_json(msg=missing_required_lib('lxml'))
    if _hypervisor.LIBVIRT_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib('libvirt-python'), exception=_hypervisor.LIBVIRT_IMPORT_ERROR)


PATTERN_CHARACTERS = '*?['


def domain_names(module, hypervisor):
    """The names asked for, in order and once each; shell-style patterns expand to every match."""
    names = []
    for name in module.params['name']:
        if not name:
            raise InvalidOption('name', name, ['a domain name or a pattern such as web-*'],
                                reason='a domain name cannot be empty')
        if any(character in name for character in PATTERN_CHARACTERS):
            matches = [n for n in hypervisor.domain_names() if fnmatch.fnmatchcase(n, name)]
        else:
            matches = [name]
        names.extend(n for n in matches if n not in names)
    return names


class DomainState:
    """A domain as read at planning time: persistent XML, live XML when running."""

    def __init__(self, hypervisor, name):
        self.hypervisor = hypervisor
        self.name = name
        self.domain = hypervisor.domain(name)
        self.running = self.domain.is_running()
        self.before_xml = self.domain.inactive_xml()
        self.before = dx.parse(self.before_xml)
        self.live = dx.parse(self.domain.live_xml()) if self.running else None

    def capabilities(self):
        return self.hypervisor.capabilities(self.before)


class Change:
    """The planned persistent XML of one domain, and the devices to (un)plug live."""

    def __init__(self, state, after, attach=(), detach=(), report=None):
        self.state = state
        self.after = after
        self.report = report or {}
        self.changed = not dx.same_document(state.before, after)
        self.attach = list(attach) if state.running else []
        self.detach = list(detach) if state.running else []

    def predicted_live(self):
        live = dx.clone(self.state.live)
        for device in self.detach:
            for element in dx.devices(live):
                if dx.device_identity(element) == dx.device_identity(device):
                    dx.remove_device(element)
                    break
        for device in self.attach:
            dx.append_device(live, dx.clone(device))
        return live


def reboot_required(running, persistent, live, kinds):
    if not running:
        return False
    return dx.device_signature(persistent, kinds) != dx.device_signature(live, kinds)


def _define_all(changes):
    """Define every planned XML; if libvirt refuses one, put back the ones defined before it.

    A refused definition thus leaves every domain of the call as it was. Only when libvirt
    itself goes away mid-batch can the restore fail too; the message then names the domains
    that keep their new definition.
    """
    defined = []
    for change in changes:
        try:
            change.state.domain.define(dx.serialize(change.after), change.state.before_xml)
        except VirtunedError as exc:
            restored, kept = [], []
            for done in defined:
                try:
                    done.state.domain.restore(done.state.before_xml)
                    restored.append(done.state.name)
                except VirtunedError as restore_error:
                    kept.append('%s (%s)' % (done.state.name, restore_error.msg))
            text = exc.args[0]
            if restored:
                text += '; the domains defined before it were restored: %s' % ', '.join(restored)
            if kept:
                text += '; these keep their new definition: %s' % ', '.join(kept)
            raise VirtunedError(text, domain=exc.domain) from exc
        defined.append(change)


def _plug_live(change, warn):
    """Plug/unplug on the running domain; returns what was done.

    The persistent change stands even when the live domain refuses a device (no free
    hot-pluggable slot, a guest that does not release it): that is reported, and the
    domain's reboot_required says a cold boot is still needed.
    """
    domain = change.state.domain
    operations = [('detached', domain.detach_live, device) for device in change.detach]
    operations += [('attached', domain.attach_live, device) for device in change.attach]
    actions = []
    for action, operation, device in operations:
        entry = {'action': action, 'device': dx.abstract(device)}
        try:
            operation(dx.device_xml(device))
        except VirtunedError as exc:
            entry['action'] = 'not ' + action
            entry['error'] = exc.msg
            warn('%s; the persistent definition has the change, a cold boot applies it' % exc.msg)
        actions.append(entry)
    return actions


def _diff_entry(name, before_xml, after_xml):
    return {
        'before_header': '%s (persistent XML)' % name,
        'after_header': '%s (persistent XML)' % name,
        'before': dx.masked(before_xml),
        'after': dx.masked(after_xml),
    }


def converge(module, plan, kinds):
    """Run a changing module: plan(state) -> Change for every domain, then apply them all."""
    require_libraries(module)
    results = {}
    diffs = []
    try:
        with _hypervisor.Hypervisor(module.params['uri']) as hypervisor:
            names = domain_names(module, hypervisor)
            changes = [_plan_one(plan, DomainState(hypervisor, name)) for name in names]
            if not module.check_mode:
                _define_all([change for change in changes if change.changed])
            for change in changes:
                results[change.state.name] = _converge_one(module, change, kinds, diffs)
    except VirtunedError as exc:
        _fail(module, exc, results)
    summary = dict(
        changed=any(result['changed'] for result in results.values()),
        domains=results,
        reboot_required=[name for name, result in results.items() if result['reboot_required']],
    )
    if module._diff:
        summary['diff'] = diffs
    module.exit_json(**summary)


def _plan_one(plan, state):
    try:
        return plan(state)
    except VirtunedError as exc:
        exc.domain = exc.domain or state.name
        raise


def _converge_one(module, change, kinds, diffs):
    state = change.state
    result = dict(change.report, changed=change.changed, live_changes=[])
    if not change.changed:
        after, live = state.before, state.live
    elif module.check_mode:
        after, live = change.after, (change.predicted_live() if state.running else None)
    else:
        result['live_changes'] = _plug_live(change, module.warn)
        after = dx.parse(state.domain.inactive_xml())
        live = dx.parse(state.domain.live_xml()) if state.running else None
    if change.changed and module._diff:
        diffs.append(_diff_entry(state.name, state.before_xml, dx.serialize(after)))
    result['reboot_required'] = reboot_required(state.running, after, live, kinds)
    result['devices'] = dx.abstract_devices(after, kinds)
    if state.running:
        result['live_devices'] = dx.abstract_devices(live, kinds)
    return result


def _fail(module, exc, results):
    """Fail the task, saying which domains were done before the failure and which were not touched."""
    msg = exc.msg
    if results:
        pending = [name for name in module.params['name'] if name not in results]
        msg += '; domains done before the failure: %s; not touched: %s' % (
            ', '.join(results), ', '.join(pending) or 'none')
    module.fail_json(msg=msg, changed=any(r.get('changed', False) for r in results.values()),
                     domains=results, **_error_details(exc))


def with_domains(module, run):
    """Run run(hypervisor, names) over one connection; a VirtunedError fails the task."""
    require_libraries(module)
    try:
        with _hypervisor.Hypervisor(module.params['uri']) as hypervisor:
            return run(hypervisor, domain_names(module, hypervisor))
    except VirtunedError as exc:
        _fail(module, exc, {})


def _error_details(exc):
    if isinstance(exc, InvalidOption):
        return {'option': exc.option, 'value': exc.value, 'allowed': exc.allowed}
    return {}


def inspect(module, describe):
    """Run a read-only module: describe(state) -> dict for every domain; never changes anything."""
    domains = with_domains(module, lambda hypervisor, names: {
        name: describe(DomainState(hypervisor, name)) for name in names})
    module.exit_json(changed=False, domains=domains)
