"""libosinfo's own answers for every OS of an osinfo database, as JSON on stdout.

Runs with the system Python (python3-gi and gir1.2-libosinfo-1.0 do not install into a virtualenv):
    /usr/bin/python3 tests/corpus/libosinfo_answers.py [database folder]
Without a folder, libosinfo's default paths (as virt-install reads them).
"""

from __future__ import annotations

import json
import sys

import gi

gi.require_version('Libosinfo', '1.0')
from gi.repository import Libosinfo  # noqa: E402  (after require_version, as PyGObject wants)


def elements(osinfo_list):
    return [osinfo_list.get_nth(i) for i in range(osinfo_list.get_length())]


def main():
    loader = Libosinfo.Loader()
    if len(sys.argv) > 1:
        loader.process_path(sys.argv[1])
    else:
        loader.process_default_path()
    db = loader.get_db()
    answers = {}
    for os_entry in elements(db.get_os_list()):
        firmwares = {}
        for firmware in elements(os_entry.get_complete_firmware_list(None)):
            # virt-install reads the first entry of an arch and type
            firmwares.setdefault('%s/%s' % (firmware.get_architecture(), firmware.get_firmware_type()),
                                 firmware.is_supported())
        answers[os_entry.get_id()] = {
            'short_ids': list(dict.fromkeys(os_entry.get_short_id_list())),
            'devices': sorted(device.get_id() for device in elements(os_entry.get_all_devices(None))),
            'firmwares': firmwares,
            'family': os_entry.get_family(),
        }
    short_ids = {}
    for short_id in {s for answer in answers.values() for s in answer['short_ids']}:
        match = Libosinfo.Filter()
        match.add_constraint(Libosinfo.PRODUCT_PROP_SHORT_ID, short_id)
        # virt-install's lookup: the first OS of the database's list that the filter matches
        short_ids[short_id] = next(o for o in elements(db.get_os_list()) if match.matches(o)).get_id()
    json.dump({'os': answers, 'short_ids': short_ids}, sys.stdout, indent=1, sort_keys=True)


if __name__ == '__main__':
    main()
