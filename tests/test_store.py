"""Atomic run directories, damage detection, the cache, and a SIGKILL in the middle of a run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from embedlab.atomic import remove_stale_temporaries
from embedlab.config import CorpusOptions, TrainOptions
from embedlab.errors import EmbedLabError, TrainingCancelled
from embedlab.hooks import Hooks
from embedlab.store import RunWriter, load_run
from embedlab.text.corpus import Corpus
from embedlab.text.prepared import prepare
from embedlab.text.vocab import Vocabulary
from embedlab.train.training import train_cached

ROOT = Path(__file__).resolve().parent.parent


def small_corpus(n=400, seed=0):
    rng = np.random.default_rng(seed)
    groups = [["red", "green", "blue"], ["cat", "dog", "cow"], ["oslo", "paris", "rome"]]
    sentences = []
    for _ in range(n):
        g = groups[rng.integers(3)]
        sentences.append([str(w) for w in rng.choice(g, 4)] + ["and", "the"])
    return Corpus("small", sentences, f"{seed:064d}", "synthetic")


def test_exception_inside_writer_leaves_nothing(tmp_path):
    vocab = Vocabulary.from_words(["a", "b"], [2, 1])
    with pytest.raises(RuntimeError), RunWriter(tmp_path / "run", epochs=2, vocab_size=2, dim=3) as writer:
        writer.write_snapshot(0, np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32))
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(EmbedLabError, match="non-finite"), RunWriter(tmp_path / "run", 1, 2, 3) as writer:
        writer.write_snapshot(0, np.full((2, 3), np.nan, np.float32), np.zeros((2, 3), np.float32))
    assert list(tmp_path.iterdir()) == []
    assert vocab.words == ("a", "b")


def test_refuses_to_overwrite_but_accepts_an_empty_directory(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "precious.txt").write_text("keep me")
    with pytest.raises(EmbedLabError, match="already exists"):
        RunWriter(tmp_path / "run", 1, 2, 3)
    assert (tmp_path / "run" / "precious.txt").read_text() == "keep me"
    (tmp_path / "empty").mkdir()
    vocab = Vocabulary.from_words(["a", "b"], [2, 1])
    with RunWriter(tmp_path / "empty", 0, 2, 3) as writer:
        writer.write_snapshot(0, np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32))
        writer.finish({"trainer": "numpy"}, vocab, [{"epoch": 0}])
    assert load_run(tmp_path / "empty").input_vectors.shape == (1, 2, 3)


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / f".tmp-{dead.pid}-abcd-run").mkdir()
    (tmp_path / f".tmp-{os.getpid()}-abcd-run").mkdir()  # ours, alive: kept
    remove_stale_temporaries(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f".tmp-{os.getpid()}-abcd-run"]


def test_cache_trains_once_and_retrains_damaged_entries(tmp_path):
    prepared = prepare(small_corpus(), CorpusOptions(min_count=1))
    options = TrainOptions(dim=4, epochs=2)
    epochs_seen = []
    hooks = Hooks(on_epoch=lambda e, s, m: epochs_seen.append(e))
    first = train_cached(prepared, options, tmp_path, hooks)
    assert epochs_seen == [0, 1, 2]
    second = train_cached(prepared, options, tmp_path, hooks)
    assert second.path == first.path and epochs_seen == [0, 1, 2]  # served, not trained
    other = train_cached(prepared, options.replace(seed=9), tmp_path, hooks)
    assert other.path != first.path and len(epochs_seen) == 6
    trained_vectors = np.array(first.input_vectors)
    # damage: flip bytes inside the array file, then delete another
    path = first.path / "input_vectors.npy"
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(EmbedLabError, match="damaged"):
        load_run(first.path, verify=True)
    third = train_cached(prepared, options, tmp_path, hooks)
    assert len(epochs_seen) == 9 and np.array_equal(third.input_vectors, trained_vectors)
    (third.path / "metrics.csv").unlink()
    with pytest.raises(EmbedLabError, match="incomplete"):
        load_run(third.path)
    train_cached(prepared, options, tmp_path, hooks)
    assert len(epochs_seen) == 12


def test_the_cache_holds_whole_runs_only_a_stopped_one_under_its_own_name(tmp_path):
    """train_cached publishes once, under the name the outcome decides: nothing half-built, no
    scratch directory left beside the runs, a cancelled run with no finished epoch leaves nothing."""
    prepared = prepare(small_corpus(), CorpusOptions(min_count=1))
    options = TrainOptions(dim=4, epochs=4)
    done = []
    stop_after_two = Hooks(on_epoch=lambda e, s, m: done.append(e), should_stop=lambda: len(done) >= 3)
    stopped = train_cached(prepared, options, tmp_path, stop_after_two, keep_partial=True)
    assert stopped.stopped_early and stopped.epochs == 2 and stopped.path.name.endswith("-stopped2")
    with pytest.raises(TrainingCancelled):
        train_cached(prepared, options.replace(seed=5), tmp_path, Hooks(should_stop=lambda: True), keep_partial=True)
    full = train_cached(prepared, options, tmp_path)
    assert not full.stopped_early and full.path == stopped.path.with_name(stopped.path.name.removesuffix("-stopped2"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([stopped.path.name, full.path.name])
    load_run(stopped.path, verify=True), load_run(full.path, verify=True)


def test_load_run_rejects_disagreeing_shapes(tmp_path):
    vocab = Vocabulary.from_words(["a", "b"], [2, 1])
    with RunWriter(tmp_path / "run", 1, 2, 3) as writer:
        for e in (0, 1):
            writer.write_snapshot(e, np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32))
        writer.finish({"trainer": "numpy"}, vocab, [{"epoch": 0}, {"epoch": 1}])
    np.save(tmp_path / "run" / "output_vectors.npy", np.zeros((2, 2, 4), np.float32))
    with pytest.raises(EmbedLabError, match="do not agree"):
        load_run(tmp_path / "run")
    with pytest.raises(EmbedLabError, match="not a run directory"):
        load_run(tmp_path / "missing")


@pytest.mark.slow
def test_sigkill_mid_run_leaves_nothing_served_and_rerun_completes(tmp_path):
    """Fault injection: kill -9 a training process between snapshots, at several moments."""
    out = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "embedlab",
        "train",
        "--corpus",
        "toy",
        "--trainer",
        "numpy",
        "--dim",
        "40",
        "--epochs",
        "30",
        "--min-count",
        "1",
        "--out",
        str(out),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for epoch in (1, 4):  # kill right after the progress line of this epoch: mid-run, snapshots written
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
        deadline = time.time() + 120
        line = b""
        while f" {epoch}/30 ".encode() not in line and time.time() < deadline:  # an event, not a sleep
            line = process.stderr.readline()
        assert process.poll() is None, "training finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert not out.exists()
        with pytest.raises(EmbedLabError):
            load_run(out)
    quick = command[:]
    quick[quick.index("30")] = "2"
    subprocess.run(quick, cwd=tmp_path, env=env, check=True, capture_output=True)
    assert load_run(out, verify=True).epochs == 2
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # the killed runs' temporaries are gone


SNAPSHOT_RSS = """
import sys, tempfile
from pathlib import Path
import numpy as np
from embedlab.server.memory import rss_bytes
from embedlab.store import RunWriter
shape = (11, 50_000, 40)  # 8 MB an epoch, 88 MB in all
frame = np.ones(shape[1:], np.float32)
before = rss_bytes()
if sys.argv[1] == "writer":
    writer = RunWriter(Path(tempfile.mkdtemp()) / "run", epochs=shape[0] - 1, vocab_size=shape[1], dim=shape[2], outputs=False)
    for epoch in range(shape[0]):
        writer.write_snapshot(epoch, frame, None)
else:  # the control: every epoch through one memmap, as the writer once did
    array = np.lib.format.open_memmap(Path(tempfile.mkdtemp()) / "a.npy", "w+", np.float32, shape)
    for epoch in range(shape[0]):
        array[epoch] = frame
print((rss_bytes() - before) // 2**20)
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="resident memory from /proc")
def test_written_snapshots_do_not_stay_in_the_writers_memory():
    """Eleven 8 MB snapshots written by RunWriter add less than two to the process's resident
    memory; written through a memmap they would all stay resident (the control: the test can fail)."""

    def grown_mb(mode: str) -> int:
        done = subprocess.run([sys.executable, "-c", SNAPSHOT_RSS, mode], capture_output=True, text=True, check=True)
        return int(done.stdout.split()[-1])

    assert grown_mb("writer") < 16
    assert grown_mb("memmap") > 80
