"""Headless Chromium (Debian's, which scripts/bootstrap.sh --tests installs), for pages the tests render."""

from __future__ import annotations

import shutil
import subprocess

CHROMIUM = shutil.which('chromium')
# Without the background-networking flags Chromium keeps reaching for hosts this closed network refuses.
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync']


def dump_dom(page, profile):
    """The DOM of page (a file:// URL) once Chromium has run its scripts."""
    return subprocess.run([CHROMIUM] + FLAGS + ['--user-data-dir=%s' % profile, '--dump-dom', page],
                          capture_output=True, text=True, timeout=120, check=True).stdout


def screenshot(page, profile, path, size='1400,900'):
    subprocess.run([CHROMIUM] + FLAGS + ['--user-data-dir=%s' % profile, '--screenshot=%s' % path,
                                         '--window-size=%s' % size, page], capture_output=True, timeout=120, check=True)
