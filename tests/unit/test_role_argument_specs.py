"""The device_update role's dict options are the modules' own options (one source: their DOCUMENTATION)."""

from __future__ import annotations

import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))

import role_argument_specs  # noqa: E402  pylint: disable=wrong-import-position


def test_the_role_argument_specs_are_generated_from_the_modules():
    with open(role_argument_specs.SPECS) as handle:
        current = handle.read()
    assert role_argument_specs.generated(current) == current, 'run python scripts/role_argument_specs.py'


def test_every_module_option_is_a_role_option_without_a_default():
    with open(role_argument_specs.SPECS) as handle:
        options = yaml.safe_load(handle)['argument_specs']['main']['options']
    for role_option, module in role_argument_specs.PASSED_TO.items():
        nested = options[role_option]['options']
        module_options = role_argument_specs.module_options(module)
        assert set(nested) == set(module_options) - {'uri', 'name'}, role_option
        for name, spec in nested.items():
            assert 'default' not in spec, (role_option, name)  # a default would make every dict non-empty
            assert spec['type'] == module_options[name]['type']
            assert spec.get('choices') == module_options[name].get('choices')


def test_the_role_passes_every_option_on_to_its_module():
    with open(os.path.join(ROOT, 'roles', 'device_update', 'tasks', 'batch.yml')) as handle:
        tasks = handle.read()
    passed_as = {'device_update_buses': 'device_update__buses.%s',
                 'device_update_inputs': 'device_update__inputs.%s',
                 'device_update_usb_controllers': 'item.%s',
                 'device_update_machine': 'device_update__machine.%s'}
    for role_option, module in role_argument_specs.PASSED_TO.items():
        for name in role_argument_specs.nested_options(module):
            # once to plan in check mode, once to apply
            assert tasks.count('%s: "{{ %s' % (name, passed_as[role_option] % name)) == 2, (role_option, name)
