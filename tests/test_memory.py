"""Memory given back: a visitor's containers are emptied after the grace period, and release()
hands the freed pages of a dropped corpus back to the OS."""

from __future__ import annotations

import doctest
import sys

import pytest

import embedlab.server.memory
from embedlab.server.memory import PerVisitor, release, rss_bytes
from embedlab.text.corpus import corpus_from_bytes

MB = 1024 * 1024


def test_a_visitor_is_dropped_only_after_the_grace_period_of_absence():
    visitors = PerVisitor(grace=60)
    uploads = visitors.container("a", "uploads")
    uploads["sha"] = "a corpus"
    assert visitors.container("a", "uploads") is uploads  # one container per (visitor, name)
    assert visitors.sweep(lambda v: True, now=1e9) == []  # connected: kept, and seen now
    assert visitors.sweep(lambda v: False, now=1e9 + 59) == [] and uploads == {"sha": "a corpus"}
    assert visitors.sweep(lambda v: v != "a", now=1e9 + 60) == ["a"]
    assert uploads == {} and visitors.visitors() == []  # emptied in place: other references see it


def test_a_visitor_who_comes_back_within_the_grace_keeps_everything():
    visitors = PerVisitor(grace=60)
    visitors.container("a", "uploads")["sha"] = "a corpus"
    visitors.sweep(lambda v: True, now=1000)
    visitors.sweep(lambda v: False, now=1050)  # a network blip
    visitors.sweep(lambda v: True, now=1055)  # back
    assert visitors.sweep(lambda v: False, now=1100) == []  # 45 s since last seen
    assert visitors.container("a", "uploads") == {"sha": "a corpus"}


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="resident memory from /proc, trimming from glibc")
def test_a_dropped_upload_gives_its_memory_back_to_the_os():
    def word(n: int) -> str:  # letters only: tokens with digits are dropped
        return "".join(chr(97 + int(digit)) for digit in str(n))

    text = "\n".join(f"w{word(i % 50_000)} o{word(i % 977)} t{word(i % 31)} and more" for i in range(400_000)).encode()
    release()
    before = rss_bytes()
    corpus = corpus_from_bytes(text, "big.txt")  # 2 M tokens, 50 k types: ~100 MB while tokenising
    peak = rss_bytes()
    assert corpus.n_tokens == 2_000_000
    del corpus
    release()
    after = rss_bytes()
    print(f"rss before {before / MB:.0f} MB, with the corpus {peak / MB:.0f} MB, after release {after / MB:.0f} MB")
    assert peak - before > 20 * MB  # the corpus was really there
    assert after - before < 15 * MB


def test_the_janitor_empties_a_gone_visitors_containers_and_tells_the_caller():
    import threading

    visitors = PerVisitor(grace=0)
    uploads = visitors.container("gone", "uploads")
    uploads["x"] = bytearray(10)
    kept = visitors.container("here", "uploads")
    kept["y"] = 1
    told = threading.Event()
    gone = []

    def on_gone(visitor: str) -> None:
        gone.append(visitor)
        told.set()

    thread = embedlab.server.memory.start_janitor(visitors, lambda visitor: visitor == "here", on_gone, every=0.01)
    assert told.wait(10) and thread.daemon
    assert gone == ["gone"] and uploads == {} and kept == {"y": 1} and visitors.visitors() == ["here"]


def test_rss_is_measured():
    assert rss_bytes() > 10 * MB and rss_bytes("no-such-process") == 0


def test_doctests():
    assert doctest.testmod(embedlab.server.memory).failed == 0


HEAP_AFTER_FREE = """
import sys
import numpy as np
from embedlab.server.memory import map_large_blocks, rss_bytes

if sys.argv[1] == "mapped":
    assert map_large_blocks()
np.ones(16 << 20, np.uint8)  # a 16 MB block mapped and freed: glibc raises its own threshold to 16 MB
before = rss_bytes()
blocks, pins = [], []
for _ in range(100):  # 100 blocks of 2 MB, each followed by a small object that outlives them
    blocks.append(np.ones(2 << 20, np.uint8))
    pins.append(np.ones(1000, np.uint8))
del blocks  # no malloc_trim: only what glibc returns by itself
print((rss_bytes() - before) >> 20)
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_large_blocks_go_back_to_the_os_the_moment_they_are_freed():
    """With map_large_blocks a freed 2 MB array leaves no resident memory behind; with glibc's
    own rising threshold the same arrays stay on the heap (the control: the test can fail)."""
    import subprocess

    def kept_mb(mode: str) -> int:
        done = subprocess.run([sys.executable, "-c", HEAP_AFTER_FREE, mode], capture_output=True, text=True, check=True)
        return int(done.stdout.split()[-1])

    assert kept_mb("mapped") < 20
    assert kept_mb("glibc") > 100  # 200 MB of freed arrays still resident
