"""The command line contract: train, export, and one `error:` line with exit 2 for user errors."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors

from embedlab.__main__ import build_parser, corpus_options, main, train_command, train_options
from embedlab.config import CorpusOptions, Limits, TrainOptions
from embedlab.store import load_run

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "embedlab", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    where = tmp_path_factory.mktemp("cli")
    result = cli(
        "train",
        "--corpus",
        "toy",
        "--trainer",
        "gensim",
        "--dim",
        "12",
        "--epochs",
        "3",
        "--window",
        "3",
        "--min-count",
        "5",
        "--seed",
        "2",
        "--out",
        "run",
        cwd=where,
    )
    return where, result


def test_train_writes_a_run_and_prints_progress_and_summary(trained):
    where, result = trained
    assert result.returncode == 0, result.stderr
    assert "3/3" in result.stderr  # the progress bar reached the end
    assert "heldout_loss" in result.stdout and "run written to run" in result.stdout
    run = load_run(where / "run", verify=True)
    assert run.epochs == 3 and run.input_vectors.shape[2] == 12
    assert run.config["train_options"]["window"] == 3 and run.config["train_options"]["seed"] == 2


def test_export_word2vec_and_projector_round_trip(trained):
    where, _ = trained
    run = load_run(where / "run")
    result = cli("export", "run", "--epoch", "2", "--format", "word2vec", "--out", "v.txt", cwd=where)
    assert result.returncode == 0, result.stderr
    kv = KeyedVectors.load_word2vec_format(str(where / "v.txt"), binary=False)
    assert kv.index_to_key == list(run.vocab.words)
    np.testing.assert_allclose(kv.vectors, run.input_vectors[2], rtol=1e-5, atol=1e-6)
    result = cli("export", "run", "--format", "projector", "--out", "proj", cwd=where)
    assert result.returncode == 0, result.stderr
    vectors = np.loadtxt(where / "proj" / "vectors.tsv", delimiter="\t")
    np.testing.assert_allclose(vectors, run.input_vectors[-1], rtol=1e-5, atol=1e-6)
    metadata = (where / "proj" / "metadata.tsv").read_text().splitlines()
    assert metadata[0] == "word\tcount" and len(metadata) == len(run.vocab) + 1


def test_export_every_epoch_for_the_projector(trained):
    where, _ = trained
    run = load_run(where / "run")
    result = cli(
        "export", "run", "--format", "projector-all", "--max-words", "50", "--url-prefix", "https://h/p/",
        "--out", "every", cwd=where,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    config = json.loads((where / "every" / "projector_config.json").read_text(encoding="utf-8"))
    assert [e["tensorPath"] for e in config["embeddings"]] == [f"https://h/p/epoch_{e:02d}.tsv" for e in range(4)]
    for epoch in range(4):
        tensor = np.loadtxt(where / "every" / f"epoch_{epoch:02d}.tsv", delimiter="\t")
        np.testing.assert_allclose(tensor, run.input_vectors[epoch][:50], rtol=1e-5, atol=1e-6)
    assert f"wrote every{os.sep}projector_config.json" in result.stdout


def test_help_lists_the_commands(tmp_path):
    result = cli("--help", cwd=tmp_path)
    assert result.returncode == 0 and "train" in result.stdout and "export" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--corpus", "no/such/file.txt"], "file"),
        (["train", "--corpus", "."], "folder"),
        (["train", "--dim", "0"], "dim"),
        (["train", "--dim", "abc"], "dim"),
        (["train", "--epochs", "-1"], "epochs"),
        (["train", "--window", "0"], "window"),
        (["train", "--lr", "0"], "lr"),
        (["train", "--lr", "nan"], "lr"),
        (["train", "--l2", "-1"], "l2"),
        (["train", "--min-count", "0"], "min_count"),
        (["train", "--min-count", "100000"], "min_count"),
        (["train", "--trainer", "torch"], "trainer"),
        (["train", "--corpus", "empty.txt"], "empty"),
        (["train", "--corpus", "binary.bin"], "binary"),
        (["export", "missing-run", "--out", "x.txt"], "run directory"),
        (["export", "existing", "--epoch", "99", "--out", "x.txt"], "epoch"),
        (["export", "existing", "--format", "projector-all", "--max-words", "0", "--out", "p"], "max-words"),
        (["export", "existing", "--format", "projector-all", "--out", "existing"], "already exists"),
        (["train", "--out", "existing"], "already exists"),
    ],
)
def test_user_errors_exit_2_with_one_line(tmp_path, trained, monkeypatch, capsys, args, message):
    """In-process for speed; the subprocess test below checks the real exit status once."""
    (tmp_path / "empty.txt").write_text("  \n\n")
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "existing").symlink_to(trained[0] / "run")
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    try:
        status = main(args)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    assert status == 2
    stderr = capsys.readouterr().err
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert message in lines[0].lower()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing left behind


@pytest.mark.parametrize(
    "args", [["train", "--dim", "0"], ["train", "--corpus", "no/such.txt"], ["train", "--dim", "x"]]
)
def test_real_process_exit_status_and_no_traceback(tmp_path, args):
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the command a refused job is shown

LIFTED = Limits(max_dim=10**6)


@pytest.mark.parametrize(
    "options",
    [
        TrainOptions(trainer="numpy", dim=100, epochs=20),
        TrainOptions(trainer="numpy", dim=7, epochs=3, window=2, seed=4_294_967_295, lr=0.123456789, l2=1e-4),
        TrainOptions(trainer="numpy", batch_size=64, sample=1e-5, min_lr_fraction=1.0),
        TrainOptions(trainer="gensim", sg=0, hs=1, negative=0, workers=3, sample=0.0),
        TrainOptions(trainer="gensim", negative=12, lr=0.05),
        TrainOptions(trainer="numpy", dim=400),  # over the cap: EMBEDLAB_UNLIMITED=1 in front
    ],
    ids=["defaults", "everything numpy", "batch and sample", "cbow hs", "negative", "over the cap"],
)
def test_train_command_parses_back_to_the_same_settings(options, monkeypatch):
    corpus = CorpusOptions("my corpus.txt", min_count=3, max_vocab=500, heldout_fraction=0.2)
    command = train_command(
        corpus.source, corpus, options.validate(Limits.from_env() if options.dim <= 300 else LIFTED)
    )
    words = shlex.split(command)
    if options.dim > Limits().max_dim:
        assert words[0] == "EMBEDLAB_UNLIMITED=1"
        monkeypatch.setenv("EMBEDLAB_UNLIMITED", "1")
        words = words[1:]
    else:
        assert "EMBEDLAB_UNLIMITED" not in command
    assert words[:4] == ["python", "-m", "embedlab", "train"]
    args = build_parser().parse_args(words[3:])
    assert corpus_options(args) == corpus
    assert train_options(args, args.trainer) == options.validate(LIFTED)
