"""``train --snapshot-every K`` keeps exactly the snapshots after epochs 0, K, 2K, … and the last,
each equal to that epoch of the full run, in a run directory load_run opens."""

import json
import shutil

import numpy as np
import pytest
from cli_runner import run_embedlab

from embedlab.config import TrainOptions
from embedlab.errors import EmbedLabError
from embedlab.store import load_run
from embedlab.train.snapshot_every import snapshot_epochs, train_every

ARGS = ["--corpus", "toy", "--trainer", "numpy", "--dim", "6", "--epochs", "5", "--min-count", "5", "--seed", "4"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    where = tmp_path_factory.mktemp("every")
    full = run_embedlab(["train", *ARGS, "--out", "full"], cwd=where)
    every = run_embedlab(["train", *ARGS, "--snapshot-every", "2", "--out", "every"], cwd=where)
    assert full.returncode == 0 and every.returncode == 0, full.stderr + every.stderr
    return load_run(where / "full"), load_run(where / "every", verify=True), every


def test_it_keeps_exactly_the_epochs_it_says(runs):
    full, every, result = runs
    assert every.config["snapshot_epochs"] == [0, 2, 4, 5] and every.config["snapshot_every"] == 2
    assert every.input_vectors.shape == (4, *full.input_vectors.shape[1:])
    assert every.output_vectors.shape == every.input_vectors.shape
    assert every.metrics["epoch"].tolist() == [0, 2, 4, 5]
    assert every.config["epochs"] == 5 and every.epochs == 3  # trained 5 epochs; 4 snapshots, 0..3
    assert "snapshots after epochs 0, 2, 4, 5" in result.stderr


def test_each_kept_snapshot_is_that_epoch_of_the_full_run(runs):
    full, every, _ = runs
    kept = every.config["snapshot_epochs"]
    np.testing.assert_array_equal(every.input_vectors, full.input_vectors[kept])
    np.testing.assert_array_equal(every.output_vectors, full.output_vectors[kept])
    for column in ("loss", "heldout_loss", "grad_norm", "mean_norm", "lr"):
        np.testing.assert_allclose(every.metrics[column], full.metrics[column].iloc[kept], rtol=1e-12)
    # displacement is measured from the previous kept snapshot
    moved = [
        np.linalg.norm(every.input_vectors[i].astype(np.float64) - every.input_vectors[i - 1], axis=1).mean()
        for i in range(1, 4)
    ]
    np.testing.assert_allclose(every.metrics["displacement"].iloc[1:], moved, rtol=1e-6)


def test_snapshot_epochs():
    assert snapshot_epochs(5, 1) == [0, 1, 2, 3, 4, 5]
    assert snapshot_epochs(5, 9) == [0, 5]
    assert snapshot_epochs(1, 1) == [0, 1]


@pytest.mark.parametrize("value", ["0", "-2", "1.5", "two"])
def test_a_bad_value_is_one_error_line_and_exit_2(tmp_path, value):
    result = run_embedlab(["train", *ARGS, "--snapshot-every", value, "--out", "x"], cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "--snapshot-every" in lines[0]
    assert not (tmp_path / "x").exists()


def test_a_blow_up_keeps_the_finite_kept_snapshots_under_their_epochs(tmp_path, two_sentences):
    """lr 30 on a two-sentence text turns non-finite in epoch 3 or 4: the run keeps the snapshots of
    epochs 0 and 2, rows 0 and 1, with snapshot_epochs cut to them (not 3 rows, the last never written)."""
    run = train_every(two_sentences, TrainOptions(dim=8, epochs=6, lr=30.0), tmp_path / "run", 2)
    assert run.diverged and run.config["stopped_at_epoch"] == 2 and run.config["planned_epochs"] == 6
    assert run.snapshot_epochs == [0, 2] and run.metrics["epoch"].tolist() == [0, 2] and run.epochs == 1
    assert np.isfinite(run.input_vectors).all() and np.abs(run.input_vectors[1]).sum() > 0


def test_load_run_refuses_snapshot_epochs_that_do_not_fit_the_arrays(runs, tmp_path):
    _, every, _ = runs
    copy = tmp_path / "copy"
    shutil.copytree(every.path, copy)
    config = json.loads((copy / "config.json").read_text())
    for bad in ([0, 2, 4], [0, 4, 2, 5], [1, 2, 4, 5], [0, 2, 4, 9], "0,2,4,5"):
        (copy / "config.json").write_text(json.dumps(config | {"snapshot_epochs": bad}))
        with pytest.raises(EmbedLabError, match="snapshot_epochs"):
            load_run(copy)


def test_export_takes_an_epoch_the_run_kept(runs, tmp_path):
    _, every, _ = runs
    result = run_embedlab(["export", str(every.path), "--epoch", "4", "--out", "e4.txt"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "e4.txt").read_text(encoding="utf-8").splitlines()
    word, *values = lines[1].split(" ")
    np.testing.assert_allclose([float(v) for v in values], every.input_vectors[2][every.vocab.index[word]], rtol=1e-6)
    result = run_embedlab(["export", str(every.path), "--epoch", "3", "--out", "e3.txt"], cwd=tmp_path)
    assert result.returncode == 2 and "kept epochs 0, 2, 4, 5" in result.stderr
    assert not (tmp_path / "e3.txt").exists()
