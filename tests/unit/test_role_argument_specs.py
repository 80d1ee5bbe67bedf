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
