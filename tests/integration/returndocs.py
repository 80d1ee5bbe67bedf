"""What a module returns, held against its RETURN documentation as ansible-doc reads it.

A result's keys are walked recursively and each must be documented, with the documented type;
test_return_docs.py checks the other direction (every documented key is returned somewhere).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess

import testbed

# What Ansible itself returns or adds for every module (its common return values).
ANSIBLE_KEYS = frozenset({'changed', 'failed', 'msg', 'invocation', 'warnings', 'deprecations', 'exception',
                          'skipped', 'skip_reason', 'unreachable'})
# Dicts whose keys are names (of domains), each value as the documentation's `contains` says.
KEYED_BY_NAME = frozenset({'domains'})
# Dicts (or lists of dicts) documented without `contains`: their keys are data, not fields (hw_*
# property names, recommendation keys, device aliases, address attributes), or Ansible's own diff.
FREE_FORM = frozenset({'diff', 'domains.recommended', 'domains.filled', 'domains.properties',
                       'domains.live_properties', 'domains.stashed', 'domains.devices.address'})
# Devices documented as "in the form of domains.devices": their keys are read as its keys.
SAME_FORM = {'domains.live_devices': 'domains.devices', 'domains.persistent_devices': 'domains.devices',
             'domains.live_changes.device': 'domains.devices'}
TYPES = {'str': str, 'bool': bool, 'int': int, 'float': (int, float), 'list': list, 'dict': dict}


@functools.lru_cache(maxsize=None)
def documented(module):
    """path -> its documentation (type, elements, contains), for every key of module's RETURN."""
    done = subprocess.run([os.path.join(testbed.VENV_BIN, 'ansible-doc'), '--json', '-t', 'module',
                           'virtuned.libvirt.' + module], env=testbed.ansible_env(), capture_output=True,
                          text=True, check=True)
    paths = {}

    def walk(tree, prefix):
        for key, doc in tree.items():
            paths[prefix + key] = doc
            walk(doc.get('contains') or {}, prefix + key + '.')

    walk(json.loads(done.stdout)['virtuned.libvirt.' + module]['return'] or {}, '')
    return paths


def canonical(path):
    """The documented path of a returned one: keys under a SAME_FORM alias are its form's keys."""
    for alias, form in SAME_FORM.items():
        if path.startswith(alias + '.'):
            return form + path[len(alias):]
    return path


def returned_paths(result, module):
    """documented path -> [values] of every key of a module result (Ansible's own keys aside); no
    deeper than the documentation goes (free-form dicts, raw values)."""
    docs, paths = documented(module), {}

    def walk(value, path):
        path = canonical(path)
        paths.setdefault(path, []).append(value)
        if path in FREE_FORM or docs.get(path, {}).get('type') == 'raw':
            return
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, dict):
                continue
            if path in KEYED_BY_NAME:
                for entry in item.values():
                    for key, inner in entry.items():
                        walk(inner, path + '.' + key)
            else:
                for key, inner in item.items():
                    walk(inner, path + '.' + key)

    for key, value in result.items():
        if key not in ANSIBLE_KEYS and not key.startswith('_ansible'):
            walk(value, key)
    return paths


def undocumented(module, result):
    """What result returns that module's RETURN does not document, or documents with another type."""
    docs = documented(module)
    wrong = []
    for path, values in sorted(returned_paths(result, module).items()):
        doc = docs.get(path)
        if doc is None:
            wrong.append('%s: returned, not documented' % path)
            continue
        expected = TYPES.get(doc.get('type'))
        for value in values:
            if value is not None and expected is not None and not isinstance(value, expected):
                wrong.append('%s: documented as %s, returned %r' % (path, doc['type'], value))
            elements = TYPES.get(doc.get('elements'))
            if isinstance(value, list) and elements is not None:
                wrong += ['%s: documented elements %s, returned %r' % (path, doc['elements'], element)
                          for element in value if element is not None and not isinstance(element, elements)]
    return wrong


def assert_documented(module, result):
    wrong = undocumented(module, result)
    assert not wrong, '%s returns what its RETURN does not say:\n  %s' % (module, '\n  '.join(wrong))
