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
      - A name with C(*), C(?) or C([) is a shell-style pattern that stands for every matching domain, running
        or not (V(*) is all of them), unless a domain has exactly that name. A pattern that matches nothing adds
        no domain, gives a warning and is listed in RV(unmatched_patterns).
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
    description: Shows the persistent (inactive) domain XML before and after, one entry per changed domain,
      both sides laid out alike so that only the lines that change differ (passwords masked).
  idempotent:
    support: full
    description: A second identical run reports no change.
notes:
  - The persistent XML is read again right before it is defined; if another client changed it since it
    was planned, the module fails for that domain and writes nothing.
  - Before anything is written, and in check mode alike, every planned definition is checked by libvirt's
    domain schema and by the hypervisor's own QEMU driver (C(virConnectDomainXMLToNative), which runs
    libvirt's define-time validation and builds the QEMU command line against the emulator's capabilities,
    without defining anything). A refusal fails the task naming the domain, the options and libvirt's reason.
  - What only QEMU itself refuses when the domain starts cannot be seen that way; the values known to fail
    at start with this QEMU are refused up front or not offered.
'''
