# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""CPython small objects (tests/integration/python.sh): 200,000 one-element tuples of ints,
each object well under pymalloc's 512 B, so that CPython's own allocator would serve them all.

    pysmall.py DIR            prints "before", waits for DIR/go1, makes the objects, prints
                              "after", waits for DIR/go2, exits (a session marks between)
    pysmall.py --tracemalloc  makes the objects under tracemalloc and prints the bytes and
                              blocks traced that they added: "tracemalloc BYTES BLOCKS"
"""
import os
import sys
import time

N = 200000


def wait_for(path):
    while not os.path.exists(path):
        time.sleep(0.02)


def make():
    return [(i,) for i in range(N)]


if sys.argv[1] == "--tracemalloc":
    import tracemalloc

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    keep = make()
    grown = tracemalloc.get_traced_memory()[0] - before
    here = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, __file__)])
    print("tracemalloc", grown, sum(s.count for s in here.statistics("filename")))
else:
    print("before", flush=True)
    wait_for(os.path.join(sys.argv[1], "go1"))
    keep = make()
    print("after", flush=True)
    wait_for(os.path.join(sys.argv[1], "go2"))
