"""The device_update role's dict options take the options of the modules they are passed to.

The modules' DOCUMENTATION is the one source: this writes their options (type, choices, elements,
description; no defaults, so that an option left out stays out) under device_update_buses,
device_update_inputs and the items of device_update_usb_controllers in the role's
meta/argument_specs.yml, so that a typo is refused before any domain is touched.
tests/unit/test_role_argument_specs.py fails when the file and the modules drift apart.

    python scripts/role_argument_specs.py          # rewrite the file
    python scripts/role_argument_specs.py --check  # exit 1 when it is out of date
"""

from __future__ import annotations

import ast
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECS = os.path.join(ROOT, 'roles', 'device_update', 'meta', 'argument_specs.yml')
# role option -> the module its dict (or its list's dicts) is passed to
PASSED_TO = {
    'device_update_buses': 'virt_device_bus',
    'device_update_inputs': 'virt_input',
    'device_update_usb_controllers': 'virt_usb_controller',
    'device_update_machine': 'virt_machine',
}
CONNECTION_OPTIONS = ('uri', 'name')
KEPT = ('type', 'elements', 'choices')


def module_options(module):
    path = os.path.join(ROOT, 'plugins', 'modules', module + '.py')
    with open(path) as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == ['DOCUMENTATION']:
            return yaml.safe_load(node.value.value)['options']
    raise LookupError('%s has no DOCUMENTATION' % path)


def qualified(text, module):
    """O(x) and RV(x) of the module's own text, made to point at the module from the role's docs."""
    return re.sub(r'\b(O|RV)\(([^#)]+)\)', r'\1(virtuned.libvirt.%s#module:\2)' % module, text)


def role_option(module, spec):
    description = spec['description']
    paragraphs = [description] if isinstance(description, str) else description
    option = {'description': [qualified(p, module) for p in paragraphs]}
    option.update({key: spec[key] for key in KEPT if key in spec})
    return option


def nested_options(module):
    return {name: role_option(module, spec) for name, spec in module_options(module).items()
            if name not in CONNECTION_OPTIONS}


def generated(current):
    specs = yaml.safe_load(current)
    options = specs['argument_specs']['main']['options']
    for role_option_name, module in PASSED_TO.items():
        options[role_option_name]['options'] = nested_options(module)
    return '---\n' + yaml.dump(specs, Dumper=IndentedDumper, sort_keys=False, width=110, allow_unicode=True)


class IndentedDumper(yaml.SafeDumper):
    """Lists indented under their key, as yamllint and ansible-lint want them."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def main(argv):
    with open(SPECS) as handle:
        current = handle.read()
    wanted = generated(current)
    if '--check' in argv:
        if wanted != current:
            print('%s is out of date: run python scripts/role_argument_specs.py' % SPECS)
            return 1
        return 0
    with open(SPECS, 'w') as handle:
        handle.write(wanted)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
