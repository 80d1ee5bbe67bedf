"""Whether a running domain can open a disk's storage (tests/integration/test_storage_prediction.py holds the
rule against QEMU): an image that is not there, an image another disk holds, kept up to date within a run."""

from __future__ import annotations

import os

import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _domain_xml as dx
from ansible_collections.virtuned.libvirt.plugins.module_utils import _storage

FLAVOURS = {'rw': '', 'ro': '<readonly/>', 'shared': '<shareable/>', 'shared-ro': '<readonly/><shareable/>'}


def disk(path, target, flavour='rw', device='disk', kind='file'):
    source = "<source file='%s'/>" % path if kind == 'file' else "<source dev='%s'/>" % path
    return dx.parse("<disk type='%s' device='%s'>%s<target dev='%s' bus='scsi'/>%s</disk>"
                    % (kind, device, source, target, FLAVOURS[flavour]), root_tag=None)


class Host:
    """The hypervisor as OpenImages asks it: its running domains' live XML, and whether it is this machine."""

    def __init__(self, running=(), local=True):
        self.running = running
        self.local = local
        self.reads = 0

    def is_local(self):
        return self.local

    def running_definitions(self):
        self.reads += 1
        for name, disks in self.running:
            yield name, dx.parse('<domain><name>%s</name><devices>%s</devices></domain>'
                                 % (name, ''.join(dx.serialize(d) for d in disks)))


@pytest.fixture
def image(tmp_path):
    path = tmp_path / 'data.img'
    path.write_bytes(b'')
    return str(path)


@pytest.mark.parametrize('held, wanted, lock', [
    ('rw', 'rw', '"write" lock'), ('rw', 'ro', 'shared "write" lock'), ('rw', 'shared', '"write" lock'),
    ('rw', 'shared-ro', None),
    ('ro', 'rw', '"write" lock'), ('ro', 'ro', None), ('ro', 'shared', '"write" lock'), ('ro', 'shared-ro', None),
    ('shared', 'rw', 'shared "write" lock'), ('shared', 'ro', 'shared "write" lock'), ('shared', 'shared', None),
    ('shared', 'shared-ro', None),
    ('shared-ro', 'rw', None), ('shared-ro', 'ro', None), ('shared-ro', 'shared', None),
    ('shared-ro', 'shared-ro', None),
])
def test_qemus_image_locking(image, held, wanted, lock):
    images = _storage.OpenImages(Host([('a', [disk(image, 'sdb', held)])]))
    reason = images.refusal('b', disk(image, 'sdc', wanted))
    if lock is None:
        assert reason is None
    else:
        assert 'Failed to get %s' % lock in reason and "domain 'a' has '%s' open as sdb" % image in reason


def test_a_cdrom_never_writes(image):
    images = _storage.OpenImages(Host([('a', [disk(image, 'sdb', 'ro')])]))
    assert images.refusal('b', disk(image, 'sdc', device='cdrom')) is None


def test_one_image_by_two_paths_is_one_image(image, tmp_path):
    link = str(tmp_path / 'link.img')
    os.symlink(image, link)
    assert _storage.OpenImages(Host([('a', [disk(link, 'sdb')])])).refusal('b', disk(image, 'sdc'))
    # Over a remote URI the paths are the hypervisor's: compared as they are written.
    assert _storage.OpenImages(Host([('a', [disk(link, 'sdb')])], local=False)).refusal('b', disk(image, 'sdc')) is None


def test_an_image_that_is_not_there_is_refused_only_where_this_machine_is_the_hypervisor(tmp_path):
    missing = str(tmp_path / 'missing.img')
    assert _storage.OpenImages(Host()).refusal('a', disk(missing, 'sdb')) == (
        "Cannot access storage file '%s': No such file or directory" % missing)
    assert _storage.OpenImages(Host()).refusal('a', disk(missing + '/under', 'sdb', kind='block'))
    assert _storage.OpenImages(Host(local=False)).refusal('a', disk(missing, 'sdb')) is None


def test_a_path_this_account_may_not_look_at_is_left_to_libvirt(monkeypatch):
    def forbidden(_path):
        raise PermissionError(13, 'Permission denied')
    monkeypatch.setattr(_storage.os, 'stat', forbidden)
    assert _storage.OpenImages(Host()).refusal('a', disk('/srv/private/data.img', 'sdb')) is None


def test_storage_that_is_not_a_path_is_not_judged_here():
    network = dx.parse("<disk type='network' device='disk'><source protocol='nbd' name='x'/>"
                       "<target dev='sdb' bus='scsi'/></disk>", root_tag=None)
    empty = dx.parse("<disk type='file' device='cdrom'><target dev='sdc' bus='scsi'/></disk>", root_tag=None)
    images = _storage.OpenImages(Host())
    assert images.refusal('a', network) is None and images.refusal('a', empty) is None


def test_the_images_opened_and_closed_in_a_run_count_for_the_domains_after(image):
    host = Host([('a', [disk(image, 'sdb')])])
    images = _storage.OpenImages(host)
    assert images.refusal('b', disk(image, 'sdc'))
    images.closed('a', disk(image, 'sdb'))  # a's disk unplugged earlier in the run
    assert images.refusal('b', disk(image, 'sdc')) is None
    images.opened('b', disk(image, 'sdc'))  # b's hot-plug predicted done
    assert "domain 'b'" in images.refusal('c', disk(image, 'sdd'))
    assert host.reads == 1  # the running domains are read once


def test_a_drive_given_a_new_medium_lets_its_old_one_go(image, tmp_path):
    other = str(tmp_path / 'other.iso')
    open(other, 'wb').close()
    images = _storage.OpenImages(Host([('a', [disk(image, 'sdb', device='cdrom')])]))
    assert images.medium_refusal('a', disk(other, 'sdb', device='cdrom')) is None
    assert images.refusal('b', disk(image, 'sdc')) is None  # the old medium is out
    assert 'open as sdb' in images.refusal('b', disk(other, 'sdc'))  # the new one is in, read-only
    # The drive's own medium does not stand in its way.
    assert images.medium_refusal('a', disk(other, 'sdb', device='cdrom')) is None
