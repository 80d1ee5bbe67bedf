"""Interpreter wrapper for the benchmark: runs the module with the venv's Python and records the
module process's wall time and peak RSS (one JSON line per run) in $VIRTUNED_BENCH_LOG."""

import json
import os
import resource
import subprocess
import sys
import time

started = time.monotonic()
done = subprocess.run([os.environ['VIRTUNED_BENCH_PYTHON']] + sys.argv[1:], check=False)
with open(os.environ['VIRTUNED_BENCH_LOG'], 'a', encoding='utf-8') as log:
    log.write(json.dumps({'seconds': time.monotonic() - started,
                          'max_rss_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}) + '\n')
sys.exit(done.returncode)
