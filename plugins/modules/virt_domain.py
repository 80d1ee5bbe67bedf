#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: virt_domain
short_description: Define, restore, start, shut down or remove libvirt domains
version_added: 0.1.0
description:
  - Brings domains to a power state, shutting them down gracefully (ACPI) with a timeout and forcing them
    off afterwards only when asked to.
  - Defines a whole domain definition, to create a domain or to restore a definition saved earlier with
    O(return_xml=true).
  - The building block of the P(virtuned.libvirt.device_update#role) role's stop, apply, start and roll back.
extends_documentation_fragment:
  - virtuned.libvirt.virt
options:
  state:
    description:
      - V(running) starts a stopped domain.
      - V(shutoff) asks a running domain to shut down (ACPI) and waits up to O(shutdown_timeout) seconds.
      - V(undefined) forces the domain off and removes its definition; its UEFI variables stay unless
        O(nvram=remove).
      - V(shutoff) and V(undefined) reach domains by a name pattern only with O(allow_pattern=true).
    type: str
    choices: [running, shutoff, undefined]
  nvram:
    description:
      - With O(state=undefined), whether the domain's UEFI variables file (NVRAM) is kept, as C(virsh undefine)
        does without C(--nvram), or removed.
    type: str
    choices: [keep, remove]
    default: keep
  allow_pattern:
    description:
      - Let a name pattern (C(*), C(?), C([)) select domains for O(state=shutoff) or O(state=undefined).
      - Without it such a task is refused before any domain is touched, so that C(name='*') cannot stop or remove
        a whole host by accident.
    type: bool
    default: false
  xml:
    description:
      - A whole domain definition to define, for one domain whose name it holds.
      - Nothing is defined when the persistent definition already equals it (libvirt's own output, as
        returned with O(return_xml=true), compares exactly).
      - A password given as C(********) (masked, as RV(domains.previous_xml) returns it) keeps the domain's
        current password of the same graphics type; the task is refused when the domain has none to keep.
      - The passwords it holds are hidden from the task's output.
    type: str
  redefine:
    description:
      - With V(false), O(xml) only creates a domain that does not exist yet; an existing one is left as it
        is. Use it for hand-written definitions, which libvirt always rewrites with its defaults.
    type: bool
    default: true
  shutdown_timeout:
    description: Seconds to wait for a graceful shutdown.
    type: int
    default: 120
  force_off:
    description:
      - Force the domain off when it has not shut down after O(shutdown_timeout) seconds.
      - Without it, such a domain fails the task and is left running.
    type: bool
    default: false
  return_xml:
    description:
      - Return each domain's persistent XML as it was before the task in RV(domains.previous_xml), so that
        it can be restored; its passwords are masked and a restore keeps them.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Says what would be done; does nothing. A start that would fail fails in check mode as it fails in
      a run, for what libvirt's QEMU driver refuses at start (asked of it) and what QEMU refuses of the command line
      it builds (two virtio channels of one port name, a USB cdrom without a medium), for what the domain opens on
      the host
      (an image, network, socket or tap QEMU could not open, an image another domain holds), for guest memory
      larger than the host's kernel gives one allocation (RAM and swap, under its default overcommit), and for a
      fixed VNC or SPICE port another domain or program takes.
  diff_mode:
    support: full
    description: Shows the persistent domain XML before and after, for each domain O(xml) defines or redefines,
      both sides laid out alike so that only the lines that change differ (passwords masked).
  idempotent:
    support: full
    description: A domain already in the wanted state is left alone.
author:
  - virtuned maintainers (@virtuned)
'''

EXAMPLES = r'''
- name: Shut a domain down, forcing it off after a minute
  virtuned.libvirt.virt_domain:
    name: legacy01
    state: shutoff
    shutdown_timeout: 60
    force_off: true

- name: Save the definition before a change
  virtuned.libvirt.virt_domain:
    name: legacy01
    return_xml: true
  register: saved
  no_log: true

- name: Restore it
  virtuned.libvirt.virt_domain:
    name: legacy01
    xml: "{{ saved.domains.legacy01.previous_xml }}"
  no_log: true
'''

RETURN = r'''
unmatched_patterns:
  description: The name patterns (O(name) entries with C(*), C(?) or C([)) that matched no domain; each also gives a
    warning. A domain really named like a pattern is taken by its name.
  returned: always
  type: list
  elements: str
reboot_required:
  description: The domains that run on with a definition only a cold boot applies.
  returned: always
  type: list
  elements: str
domains:
  description: Per domain name, what was done.
  returned: always
  type: dict
  contains:
    changed:
      description: Whether anything was done to this domain.
      type: bool
    actions:
      description: What was done, in order (V(defined), V(started), V(shut down), V(forced off), V(undefined)).
      type: list
      elements: str
    previous_state:
      description: V(running), V(shutoff) or V(undefined) before the task.
      type: str
    state:
      description: The state after the task.
      type: str
    reboot_required:
      description: The domain runs on with a persistent definition whose devices differ from the ones it runs
        with (a new O(xml) given while it runs, or a change made before); only a cold boot applies it.
      type: bool
    previous_xml:
      description:
        - The persistent XML before the task, VNC/SPICE passwords masked as C(********).
        - Given back as O(xml), a masked password keeps the domain's current one, so a saved definition
          restores with its passwords without them ever leaving the hypervisor.
      type: str
      returned: when O(return_xml=true) and the domain was defined
# shared: refusal
option:
  description: The option whose value was refused.
  returned: on failure, when a value was refused
  type: str
  sample: disk_bus
value:
  description: The refused value, as given.
  returned: on failure, when a value was refused
  type: raw
  sample: ide
allowed:
  description: What the option takes there; null when libvirt refused the definition the value would give.
  returned: on failure, when a value was refused
  type: list
  elements: raw
  sample: [sata, scsi, usb, virtio]
# end shared
diff:
  description: The persistent domain XML before and after, one entry per domain O(xml) defines (passwords masked).
  returned: when diff mode is on
  type: list
  elements: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml, _lifecycle, _runner


def main():
    module = AnsibleModule(
        argument_spec=_runner.common_argument_spec(
            state=dict(type='str', choices=list(_lifecycle.STATES)),
            xml=dict(type='str'),
            redefine=dict(type='bool', default=True),
            shutdown_timeout=dict(type='int', default=120),
            force_off=dict(type='bool', default=False),
            return_xml=dict(type='bool', default=False),
            nvram=dict(type='str', default='keep', choices=['keep', 'remove']),
            allow_pattern=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params['xml'] is not None:
        module.no_log_values.update(_domain_xml.secrets(params['xml']))
    _runner.check_options(module, _lifecycle.check_options)

    def run(hypervisor, names):
        batch = _lifecycle.Batch(hypervisor, params, module.check_mode)
        results = batch.run(names)
        for warning in filter(None, batch.warnings):
            module.warn(warning)
        for name, previous_xml in batch.previous_xml.items():
            module.no_log_values.update(_domain_xml.secrets(previous_xml or '<domain/>'))
            if params['return_xml'] and previous_xml is not None:
                results[name]['previous_xml'] = _domain_xml.masked(previous_xml)
        diffs = None
        if module._diff:  # masking parses both definitions: only when a diff is asked for
            diffs = [_runner.diff_entry(name, batch.previous_xml[name], wanted_xml)
                     for name, wanted_xml in batch.wanted_xml.items()]
        return results, batch.errors, diffs

    def selected(hypervisor):
        names, _matched, unmatched = _runner.selected_domains(module, hypervisor)
        if params['state'] in _lifecycle.DESTRUCTIVE_STATES and not params['allow_pattern']:
            _lifecycle.refuse_patterns(params['name'], names, params['state'])
        return run(hypervisor, names) + (unmatched,)

    results, errors, diffs, unmatched = _runner.with_hypervisor(module, selected)
    changed = any(r['changed'] for r in results.values())
    summary = dict(changed=changed, domains=results)
    if diffs is not None:
        summary['diff'] = diffs
    if errors:
        module.fail_json(msg='; '.join(errors.values()), **summary)
    module.exit_json(unmatched_patterns=unmatched,
                     reboot_required=[name for name, result in results.items() if result['reboot_required']], **summary)


if __name__ == '__main__':
    main()
