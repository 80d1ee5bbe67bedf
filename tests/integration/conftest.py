from __future__ import annotations

import pytest

import testbed


@pytest.fixture(scope='session', autouse=True)
def installed_collection():
    return testbed.install_collection()


@pytest.fixture
def scratch():
    bed = testbed.Scratch()
    try:
        yield bed
    finally:
        bed.cleanup()
