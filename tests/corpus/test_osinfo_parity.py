"""The collection reads osinfo-db as libosinfo does: for every OS entry of the local database, and
for a small database of the cases where the rules of inheritance meet, its answers (devices,
firmwares, family, what each short id names) are libosinfo's own, asked through its GObject API."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from ansible_collections.virtuned.libvirt.plugins.module_utils import _osinfo

ANSWERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'libosinfo_answers.py')
SYSTEM_PYTHON = '/usr/bin/python3'  # where Debian's python3-gi and gir1.2-libosinfo-1.0 are


def libosinfo(folder=None):
    command = [SYSTEM_PYTHON, ANSWERS] + ([folder] if folder else [])
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, 'libosinfo could not be asked (bootstrap.sh --tests installs it): %s' % result.stderr
    return json.loads(result.stdout)


def differences(db, answers):
    found = []
    if set(db.os_ids()) != set(answers['os']):
        found.append('OS entries: only ours %s, only libosinfo %s'
                     % (sorted(set(db.os_ids()) - set(answers['os'])), sorted(set(answers['os']) - set(db.os_ids()))))
    for os_id, theirs in sorted(answers['os'].items()):
        ours = {
            'short_ids': db.short_ids(os_id),
            'devices': sorted(db.devices(os_id)),
            'firmwares': {'%s/%s' % key: supported for key, supported in db.firmwares(os_id).items()},
            'family': db.family(os_id),
        }
        for key, value in ours.items():
            if value != theirs[key]:
                found.append('%s %s: ours %s, libosinfo %s' % (os_id, key, value, theirs[key]))
    for short_id, os_id in sorted(answers['short_ids'].items()):
        if db.resolve(short_id) != os_id:
            found.append('short id %s: ours %s, libosinfo %s' % (short_id, db.resolve(short_id), os_id))
    return found


def test_every_entry_of_the_local_osinfo_db_reads_as_libosinfo_reads_it():
    answers = libosinfo()
    assert len(answers['os']) > 500, 'the local osinfo-db looks empty'
    assert differences(_osinfo.OsinfoDb(), answers) == []


# Where inheritance rules meet: a device marked supported="false" on one side of the family tree and
# listed on the other, explicit supported="true" in a child, relations in either document order,
# firmwares overridden, an extra short id and a device added from a .d/ fragment.
VIRTIO_NET = '<device id="http://pcisig.com/pci/1af4/1000"%s/>'
RNG = '<device id="http://pcisig.com/pci/1af4/1005"/>'
EDGE_CASES = {
    'parent': ('', VIRTIO_NET % ' supported="false"' + '<firmware arch="x86_64" type="bios" supported="false"/>'),
    'base': ('', VIRTIO_NET % '' + '<firmware arch="x86_64" type="efi"/>'),
    'plain': ('<derives-from id="parent"/>', VIRTIO_NET % ''),
    'explicit': ('<derives-from id="parent"/>', VIRTIO_NET % ' supported="true"'),
    'grand': ('<derives-from id="plain"/>', ''),
    'child_false': ('<derives-from id="base"/>', VIRTIO_NET % ' supported="false"'),
    'derives_then_clones': ('<derives-from id="base"/><clones id="parent"/>', ''),
    'clones_written_first': ('<clones id="base"/><derives-from id="parent"/>', ''),
    'mid_false': ('<derives-from id="parent"/>', ''),
    'depth_first': ('<derives-from id="mid_false"/><clones id="base"/>', ''),
    'bios_back': ('<derives-from id="parent"/>', '<firmware arch="x86_64" type="bios"/>'),
    'with_fragment': ('<derives-from id="base"/>', ''),
}


def write_edge_cases(folder):
    os_folder = folder / 'os' / 'example.org'
    (os_folder / 'with_fragment.d').mkdir(parents=True)
    for name, (relations, body) in EDGE_CASES.items():
        relations = relations.replace('id="', 'id="http://example.org/')
        (os_folder / (name + '.xml')).write_text(
            '<libosinfo version="0.0.1"><os id="http://example.org/%s"><short-id>%s</short-id>'
            '<family>%s</family>%s%s</os></libosinfo>'
            % (name, name, 'linux' if name == 'base' else 'winnt', relations, _devices_and_firmwares(body)))
    (os_folder / 'with_fragment.d' / 'more.xml').write_text(
        '<libosinfo version="0.0.1"><os id="http://example.org/with_fragment"><short-id>fragment-alias</short-id>'
        '<devices>%s</devices></os></libosinfo>' % RNG)
    device_folder = folder / 'device' / 'pcisig.com'
    device_folder.mkdir(parents=True)
    for device_id, name in (('1000', 'virtio-net'), ('1005', 'virtio-rng')):
        (device_folder / ('pci-1af4-%s.xml' % device_id)).write_text(
            '<libosinfo version="0.0.1"><device id="http://pcisig.com/pci/1af4/%s"><name>%s</name><class>net</class>'
            '</device></libosinfo>' % (device_id, name))


def _devices_and_firmwares(body):
    devices = ''.join(part + '/>' for part in body.split('/>') if part.startswith('<device'))
    firmwares = ''.join(part + '/>' for part in body.split('/>') if part.startswith('<firmware'))
    return ('<devices>%s</devices>' % devices if devices else '') + firmwares


def test_the_rules_of_inheritance_are_libosinfos(tmp_path):
    write_edge_cases(tmp_path)
    answers = libosinfo(str(tmp_path))
    assert len(answers['os']) == len(EDGE_CASES)
    db = _osinfo.OsinfoDb([str(tmp_path)])
    assert differences(db, answers) == []
    # and the cases do tell the rules apart
    virtio_net = 'http://pcisig.com/pci/1af4/1000'
    supported = {name: virtio_net in db.devices('http://example.org/' + name) for name in EDGE_CASES}
    assert not supported['parent'] and supported['plain'] and supported['explicit'] and not supported['child_false']
    assert supported['derives_then_clones'] and not supported['clones_written_first'] and not supported['depth_first']
    assert db.resolve('fragment-alias') == 'http://example.org/with_fragment'
    assert db.requires_uefi('http://example.org/parent', 'x86_64') is False  # BIOS refused, but no UEFI listed
    assert db.requires_uefi('http://example.org/clones_written_first', 'x86_64') is True
    assert db.requires_uefi('http://example.org/bios_back', 'x86_64') is False


def test_a_close_match_is_offered_for_an_unknown_short_id():
    db = _osinfo.database()
    with pytest.raises(Exception) as refused:
        db.resolve('ubuntujamy')
    assert 'ubuntujammy' in str(refused.value)
    with pytest.raises(Exception) as refused:
        db.resolve('rhel9.9')
    assert 'rhel9.0' in str(refused.value)
