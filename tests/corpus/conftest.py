"""Print the corpus counts of every chunk, added up, at the end of the run (workers print nothing)."""

from __future__ import annotations

import collections
import glob
import json
import os

REPORTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       'build', 'corpus-report')


def pytest_sessionstart(session):
    if hasattr(session.config, 'workerinput'):
        return  # an xdist worker: the controller clears the reports once
    for stale in glob.glob(os.path.join(REPORTS, '*.json')):
        os.unlink(stale)


def pytest_terminal_summary(terminalreporter):
    totals = collections.OrderedDict()
    for path in sorted(glob.glob(os.path.join(REPORTS, '*.json'))):
        with open(path) as handle:
            for section, counts in json.load(handle).items():
                totals.setdefault(section, collections.Counter()).update(counts)
    for section, counts in totals.items():
        terminalreporter.write_line('%s:' % section)
        for key, value in counts.most_common():
            terminalreporter.write_line('  %6d  %s' % (value, key))
