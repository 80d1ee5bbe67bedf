"""The definition locks' folder: private to this user, never through a link."""

from __future__ import annotations

import os

import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _hypervisor


def test_a_new_folder_is_private(tmp_path):
    path = str(tmp_path / 'locks')
    assert _hypervisor._private_directory(path) == path
    assert os.stat(path).st_mode & 0o777 == 0o700


@pytest.mark.parametrize('make, fragment', [
    (lambda path, target: os.symlink(target, path), 'link'),
    (lambda path, target: open(path, 'w').close(), 'not a folder'),
    (lambda path, target: os.mkdir(path, 0o777) or os.chmod(path, 0o777), 'open to others'),
])
def test_a_link_a_file_or_an_open_folder_is_refused(tmp_path, make, fragment):
    target = str(tmp_path / 'elsewhere')
    os.mkdir(target, 0o700)
    path = str(tmp_path / 'locks')
    make(path, target)
    with pytest.raises(OSError) as refused:
        _hypervisor._private_directory(path)
    assert fragment in str(refused.value)


def test_every_unsafe_place_is_named_when_none_is_left(tmp_path, monkeypatch):
    monkeypatch.setattr(_hypervisor.tempfile, 'gettempdir', lambda: str(tmp_path))
    os.symlink(str(tmp_path), str(tmp_path / ('virtuned-%d' % os.getuid())))
    monkeypatch.setattr(_hypervisor, '_private_directory', _refuse_run(_hypervisor._private_directory))
    with pytest.raises(_hypervisor.VirtunedError) as refused:
        _hypervisor._lock_directory()
    assert '/run/virtuned' in refused.value.msg and 'is a link' in refused.value.msg


def _refuse_run(real):
    def private(path):
        if path == '/run/virtuned':
            raise OSError('/run/virtuned belongs to another user or is open to others (mode 777)')
        return real(path)
    return private
