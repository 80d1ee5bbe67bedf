"""Make the source tree importable as ansible_collections.virtuned.libvirt for the tests."""

from __future__ import annotations

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_ROOT = os.path.join(REPO, 'build', 'src')
LINK = os.path.join(SOURCE_ROOT, 'ansible_collections', 'virtuned', 'libvirt')

if not os.path.islink(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(REPO, LINK)
if SOURCE_ROOT not in sys.path:
    sys.path.insert(0, SOURCE_ROOT)
