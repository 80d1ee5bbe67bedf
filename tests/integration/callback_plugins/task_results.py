# Copyright: virtuned.libvirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test bed stdout callback: prints every task result of the run as one JSON document."""

from __future__ import annotations

import json

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: task_results
type: stdout
short_description: every task result as one JSON document (test bed only)
description: Prints one JSON document with every task result and the play stats at the end of the run.
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'task_results'

    def __init__(self):
        super().__init__()
        self.tasks = []

    def _record(self, result, **status):
        data = dict(result._result)
        data.update(status)
        self.tasks.append({'name': result._task.get_name(), 'host': result._host.get_name(), 'result': data})

    def v2_runner_on_ok(self, result):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True)

    def v2_runner_on_skipped(self, result):
        self._record(result, skipped=True)

    def v2_runner_on_unreachable(self, result):
        self._record(result, unreachable=True, failed=True)

    def v2_runner_item_on_ok(self, result):
        self._record(result)

    def v2_runner_item_on_failed(self, result):
        self._record(result, failed=True)

    def v2_playbook_on_stats(self, stats):
        summary = {host: stats.summarize(host) for host in sorted(stats.processed)}
        self._display.display(json.dumps({'tasks': self.tasks, 'stats': summary}, default=str))
