# -*- coding: utf-8 -*-
# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The errors every layer raises; modules turn them into fail_json(msg=...)."""

from __future__ import annotations


class VirtunedError(Exception):
    """A failure with a message fit for the operator."""

    def __init__(self, msg, domain=None):
        self.domain = domain
        super().__init__(msg)

    @property
    def msg(self):
        if self.domain:
            return "domain '%s': %s" % (self.domain, self.args[0])
        return self.args[0]


LONGEST_VALUE = 80


def shown(value):
    """A value as a message quotes it: cut after LONGEST_VALUE characters, with its length."""
    text = repr(value)
    if len(text) <= LONGEST_VALUE:
        return text
    return '%s... (%d characters)' % (text[:LONGEST_VALUE], len(text))


class InvalidOption(VirtunedError):
    """A refused input: names the option, the value and what is allowed."""

    def __init__(self, option, value, allowed=None, reason=None, domain=None):
        self.option = option
        self.value = value
        self.allowed = list(allowed) if allowed is not None else None
        text = 'option %s: value %s is not allowed' % (option, shown(value))
        if reason:
            text += ' (%s)' % reason
        if self.allowed is not None:
            text += '; allowed: %s' % (', '.join(str(a) for a in self.allowed) or 'nothing')
        super().__init__(text, domain=domain)


class NoSuchDomain(VirtunedError):
    """The domain is not (or no longer) defined."""


class ConcurrentChange(VirtunedError):
    """Another client redefined the domain between planning and applying."""


class RefusedByLibvirt(InvalidOption):
    """libvirt's schema or QEMU driver refuses the definition that the options would produce."""

    REFUSER = 'libvirt refuses'

    def __init__(self, requested, reason, domain=None):
        option = ', '.join(requested) or 'name'
        value = next(iter(requested.values())) if len(requested) == 1 else requested
        super().__init__(option, value, reason='%s the definition this would give: %s' % (self.REFUSER, reason),
                         domain=domain)


class RefusedByQemu(RefusedByLibvirt):
    """libvirt takes the definition the options would produce, QEMU would not start it."""

    REFUSER = 'QEMU would not start'
