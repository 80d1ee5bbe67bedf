"""The RETURN parts several modules share are written from one home (scripts/return_docs.py)."""

from __future__ import annotations

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))

import return_docs  # noqa: E402  pylint: disable=wrong-import-position


@pytest.mark.parametrize('path', return_docs.module_paths(), ids=os.path.basename)
def test_the_shared_parts_of_the_return_docs_are_written_from_one_home(path):
    with open(path) as handle:
        current = handle.read()
    assert return_docs.generated(current) == current, 'run python scripts/return_docs.py'


def test_every_module_reports_refusals_as_documented():
    marked = {os.path.basename(path): open(path).read().count('# shared: refusal') for path in return_docs.module_paths()}
    assert set(marked.values()) == {1}, marked


def test_a_changed_shared_part_is_noticed():
    path = os.path.join(return_docs.MODULES, 'virt_input.py')
    with open(path) as handle:
        current = handle.read()
    assert return_docs.generated(current.replace('The refused value, as given.', 'Something else.')) == current
