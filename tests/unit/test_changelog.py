"""The changelog: antsibull-changelog lint is clean, and the release it would write lists each new
plugin, module and role once under its kind, after a release summary, with nothing else (the
collection has never been released, so it has no bug fixes or changes to report yet)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def run(*args, cwd=ROOT):
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
    return subprocess.run([os.path.join(BIN, 'antsibull-changelog')] + list(args), cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)


def test_lint_is_clean():
    done = run('lint')
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_the_release_lists_every_new_plugin_once_after_its_summary(tmp_path):
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        version = yaml.safe_load(handle)['version']
    tree = tmp_path / 'ansible_collections' / 'virtuned' / 'libvirt'
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    for name in files:
        if os.path.exists(os.path.join(ROOT, name)):
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(os.path.join(ROOT, name), tree / name)
    done = run('release', '--version', version, '--date', '2026-01-01', cwd=tree)
    assert done.returncode == 0, done.stdout + done.stderr
    text = (tree / 'CHANGELOG.rst').read_text()
    sections = re.findall(r'^(.+)\n-+$', text, re.M)
    assert sections[0] == 'Release Summary' and set(sections[1:]) <= {'New Plugins', 'New Modules', 'New Roles'}, sections
    listed = re.findall(r'^- virtuned\.libvirt\.(\w+) - ', text, re.M)
    modules = [n[:-3] for n in os.listdir(os.path.join(ROOT, 'plugins', 'modules')) if n.endswith('.py')]
    filters = [n[:-3] for n in os.listdir(os.path.join(ROOT, 'plugins', 'filter')) if n.endswith('.py')]
    roles = os.listdir(os.path.join(ROOT, 'roles'))
    assert sorted(listed) == sorted(modules + filters + roles)
