"""The plugins run on the oldest Python that the oldest supported ansible-core runs modules with
(ansible-core 2.17: Python 3.7); only Python 3.11 can be installed here, so the syntax is checked
against 3.7's grammar."""

from __future__ import annotations

import ast
import glob
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OLDEST_TARGET_PYTHON = (3, 7)  # ansible-core 2.17's module targets: Python 3.7 to 3.12


def test_the_floor_is_the_one_meta_runtime_states():
    with open(os.path.join(ROOT, 'meta', 'runtime.yml')) as handle:
        assert yaml.safe_load(handle)['requires_ansible'] == '>=2.17.0'


@pytest.mark.parametrize('path', sorted(glob.glob(os.path.join(ROOT, 'plugins', '**', '*.py'), recursive=True)),
                         ids=lambda path: os.path.relpath(path, ROOT))
def test_every_plugin_parses_with_the_oldest_target_python(path):
    with open(path) as handle:
        ast.parse(handle.read(), filename=path, feature_version=OLDEST_TARGET_PYTHON)


def test_a_newer_construct_is_noticed():
    with pytest.raises(SyntaxError):
        ast.parse('if (n := 1): pass', feature_version=OLDEST_TARGET_PYTHON)
