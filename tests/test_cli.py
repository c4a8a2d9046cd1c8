"""The command line contract: train, export, and one `error:` line with exit 2 for user errors."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_runner import run_embedlab
from gensim.models import KeyedVectors

from embedlab.__main__ import build_parser, corpus_options, main, train_command, train_options
from embedlab.config import CorpusOptions, Limits, TrainOptions
from embedlab.store import load_run

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, cwd):
    """The command line in this process (imports paid once); see real_process for the exit contract."""
    return run_embedlab(args, cwd)


def real_process(*args, cwd):
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
    result = real_process(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- import and the run bundle


def test_a_bundle_exported_and_imported_is_the_same_run_byte_for_byte(trained):
    where, _ = trained
    result = cli("export", "run", "--format", "bundle", "--out", "run.zip", cwd=where)
    assert result.returncode == 0, result.stderr
    result = cli("import", "run.zip", "--out", "opened", cwd=where)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # the progress bar is drawn on a terminal only
    assert "EmbedLab run of the gensim trainer on toy" in result.stdout and "run written to opened" in result.stdout
    for name in ("config.json", "vocab.tsv", "input_vectors.npy", "output_vectors.npy", "metrics.csv", "split.json"):
        assert (where / "opened" / name).read_bytes() == (where / "run" / name).read_bytes(), name
    load_run(where / "opened", verify=True)


def test_word2vec_exports_of_each_epoch_import_as_epochs_1_to_3(trained):
    where, _ = trained
    for epoch in (1, 2, 3):
        result = cli("export", "run", "--epoch", str(epoch), "--out", f"w2v/e{epoch}.txt", cwd=where)
        assert result.returncode == 0, result.stderr
    result = cli("import", "w2v/e1.txt", "w2v/e2.txt", "w2v/e3.txt", "--out", "ckpt", "--no-align", cwd=where)
    assert result.returncode == 0, result.stderr
    assert "as epochs 1–3" in result.stdout and "epoch 0 repeats epoch 1" in result.stdout
    run, original = load_run(where / "ckpt", verify=True), load_run(where / "run")
    assert run.epochs == 3 and run.vocab.words == original.vocab.words and not run.has_outputs
    np.testing.assert_array_equal(run.input_vectors[1:], original.input_vectors[1:])  # str(float32) round-trips
    result = cli("import", "w2v", "--out", "from-folder", cwd=where)  # a folder: its files in name order
    assert result.returncode == 0 and load_run(where / "from-folder").config["import"]["aligned"]


def test_import_in_a_real_process_fails_with_one_line_and_no_traceback(tmp_path):
    (tmp_path / "w2v.model").write_bytes(b"\x80\x04\x95" + b"\0" * 40)
    result = real_process("import", "w2v.model", "--out", "x", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and sorted(p.name for p in tmp_path.iterdir()) == ["w2v.model"]


def test_export_max_words_makes_a_smaller_bundle(trained):
    where, _ = trained
    args = ("export", "run", "--format", "bundle", "--max-words", "40", "--no-outputs", "--out", "top.zip")
    result = cli(*args, cwd=where)
    assert result.returncode == 0, result.stderr
    result = cli("import", "top.zip", "--out", "top", cwd=where)
    assert result.returncode == 0, result.stderr
    top, full = load_run(where / "top", verify=True), load_run(where / "run")
    assert len(top.vocab) == 40 and not top.has_outputs and top.config["lacks"] == ["output_vectors.npy"]
    np.testing.assert_array_equal(top.input_vectors, full.input_vectors[:, :40])
    assert top.metrics.equals(full.metrics)  # the training's curves travel with it


@pytest.mark.parametrize(
    "args, message",
    [
        (["import", "no/such.zip", "--out", "x"], "no file"),
        (["import", "w2v.model", "--out", "x"], "pickle"),
        (["import", "e1.txt", "e2.txt", "--out", "x"], "mismatched dimensions"),
        (["import", "broken.zip", "--out", "x"], "zip"),
        (["import", "e1.txt", "--out", "existing"], "already exists"),
        (["import", "e1.txt", "--out", "x", "--max-words", "1"], "max_words"),
        (["import", "e1.txt", "--out", "x", "--first-epoch", "2"], "first-epoch"),
        (["export", "existing", "--format", "word2vec", "--no-outputs", "--out", "y.txt"], "no-outputs"),
        (["export", "existing", "--format", "bundle", "--max-words", "1", "--out", "y.zip"], "max-words"),
    ],
)
def test_import_errors_exit_2_with_one_line_and_leave_nothing(tmp_path, trained, monkeypatch, capsys, args, message):
    (tmp_path / "w2v.model").write_bytes(b"\x80\x04\x95" + b"\0" * 40)  # how a gensim .model (a pickle) starts
    (tmp_path / "e1.txt").write_text("2 2\na 1 0\nb 0 1\n")
    (tmp_path / "e2.txt").write_text("2 3\na 1 0 0\nb 0 1 0\n")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "existing").symlink_to(trained[0] / "run")
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    try:
        status = main(args)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    assert status == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0].lower(), lines
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing left behind


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


def test_export_refuses_an_existing_output_in_one_line_and_replaces_it_with_force(trained):
    where, _ = trained
    (where / "taken.txt").write_text("keep me")
    for argv in (
        ["--format", "word2vec", "--out", "taken.txt"],
        ["--format", "word2vec", "--out", "/"],
        ["--format", "bundle", "--out", "taken.txt/inside.zip"],
        ["--format", "projector-all", "--url-prefix", "javascript:alert(1)//", "--out", "js"],
    ):
        result = cli("export", "run", *argv, cwd=where)
        assert result.returncode == 2 and result.stdout == "", argv
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert (where / "taken.txt").read_text() == "keep me" and not (where / "js").exists()
    result = cli("export", "run", "--format", "word2vec", "--out", "taken.txt", "--force", cwd=where)
    assert result.returncode == 0, result.stderr
    assert (where / "taken.txt").read_text().split("\n", 1)[0].split()[1] == "12"  # "V 12": the vectors' header


def test_a_corpus_of_one_repeated_line_says_why_heldout_loss_is_empty(tmp_path):
    (tmp_path / "same.txt").write_text("the cat sat on the mat again\n" * 40, encoding="utf-8")
    result = cli(
        "train", "--corpus", "same.txt", "--trainer", "numpy", "--dim", "4", "--epochs", "1", "--out", "run",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "0 held-out sentences" in result.stderr
    assert (
        "note: no sentence of same.txt could be held out" in result.stderr and "heldout_loss is empty" in result.stderr
    )
