# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # The connection and the domains, shared by every module.
    DOCUMENTATION = r'''
options:
  uri:
    description:
      - The libvirt connection URI.
      - Every domain of the task is handled over this one connection.
    type: str
    default: qemu:///system
  name:
    description:
      - The domains to act on, by name.
      - A plain string is one domain. All of them are read and checked before the first one is written,
        so a refused input changes none of them.
    type: list
    elements: str
    required: true
    aliases: [domain]
requirements:
  - libvirt-python
  - lxml
'''

    # The attributes of a module that changes persistent domain definitions.
    CHANGING = r'''
attributes:
  check_mode:
    support: full
    description: Predicts the change without defining anything.
  diff_mode:
    support: full
    description: Shows the persistent (inactive) domain XML before and after, one entry per changed domain.
  idempotent:
    support: full
    description: A second identical run reports no change.
notes:
  - The persistent XML is read again right before it is defined; if another client changed it since it
    was planned, the module fails for that domain and writes nothing.
  - New definitions are defined with libvirt's schema validation.
'''

    # The return values every changing module shares.
    CHANGING_RETURN = r'''
domains:
  description: Per domain name, what happened.
  returned: always
  type: dict
  contains:
    changed:
      description: Whether this domain's persistent XML changed.
      type: bool
    reboot_required:
      description: The persistent configuration of the managed devices now differs from the running one
        in a way that only a cold boot applies.
      type: bool
    devices:
      description: The managed devices of the persistent definition after the run, in the abstract form
        (kind, type, bus, model, alias, target, mac, index, address).
      type: list
      elements: dict
    live_devices:
      description: The managed devices of the running domain after the run.
      type: list
      elements: dict
      returned: when the domain runs
    live_changes:
      description: Devices hot-plugged (C(attached)) or unplugged (C(detached)) on the running domain.
      type: list
      elements: dict
reboot_required:
  description: Names of the domains whose change waits for a cold boot.
  returned: always
  type: list
  elements: str
diff:
  description: The persistent domain XML before and after, one entry per changed domain (secrets masked).
  returned: when diff mode is on
  type: list
  elements: dict
'''
