"""The fleet benchmark's CPU steal column: the host's share of this VM's CPU time while a row ran."""

from __future__ import annotations

import importlib.util
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_SPEC = importlib.util.spec_from_file_location('fleet', os.path.join(REPO, 'benchmarks', 'fleet.py'))
fleet = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(fleet)


def test_the_ticks_are_this_machines_and_only_grow():
    before = fleet.cpu_ticks()
    sum(range(2_000_000))
    after = fleet.cpu_ticks()
    assert before is not None and after is not None
    assert 0 <= before[0] <= before[1] and after[0] >= before[0] and after[1] > before[1]
    assert 0 <= fleet.steal_percent(before, after) <= 100


@pytest.mark.parametrize('before, after, percent', [
    ((100, 1000), (150, 2000), 5.0),   # 50 of 1000 ticks stolen
    ((100, 1000), (100, 1400), 0.0),
    ((100, 1000), (100, 1000), None),  # no tick passed: nothing to say
    (None, (100, 1000), None),         # no /proc/stat
])
def test_steal_is_the_stolen_share_of_the_ticks_between(before, after, percent):
    assert fleet.steal_percent(before, after) == percent


def test_without_proc_stat_there_is_no_steal_column(monkeypatch):
    def missing(*_args, **_kwargs):
        raise FileNotFoundError('/proc/stat')
    monkeypatch.setattr(fleet, 'open', missing, raising=False)
    assert fleet.cpu_ticks() is None
