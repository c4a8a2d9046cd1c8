"""Reliability: bad corpora and bad settings give one clear line and leave nothing behind; odd but
valid files train end to end; divergence is caught; the resource caps and how to lift them.

What other files already cover (not repeated here):
- tests/test_corpus.py: every bad upload through ``corpus_from_bytes`` with small explicit Limits
  (empty, whitespace, binary, latin-1, numbers only, zip without text, corrupt/damaged archives,
  bombs, ``../`` zip entries), a directory and a missing path through ``load_corpus``, and the
  odd-but-valid encodings (BOM, UTF-16, CRLF, .gz, .zip, one huge line) down to the tokens.
- tests/test_cli.py: through ``python -m embedlab train``: a missing file, a directory ("."),
  a whitespace-only file, a binary file, --dim 0/abc, --epochs -1, --window 0, --lr 0/nan,
  --l2 -1, --min-count 0/100000, --trainer torch, an existing --out.
Here: the same kinds of bad corpora through the command line (and through the upload path with
the *default* limits the pages use, and on to the vocabulary), valid odd files trained end to end,
settings beyond the caps, divergence, and ``Limits.from_env``.
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from cli_runner import run_embedlab

import embedlab.text.corpus
from embedlab.__main__ import main
from embedlab.config import CorpusOptions, Limits, TrainOptions
from embedlab.errors import EmbedLabError
from embedlab.store import load_run
from embedlab.text.corpus import corpus_from_bytes
from embedlab.text.prepared import prepare

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
WORDS = ["river", "stone", "cloud", "lantern", "maple", "copper", "harbor", "violet", "ember", "meadow"]


def text_corpus(n_sentences: int = 300, seed: int = 0) -> str:
    """A plain corpus of ~2.4k tokens: sentences of 8 words drawn from WORDS (every word frequent)."""
    rng = np.random.default_rng(seed)
    return "\n".join(" ".join(rng.choice(WORDS, size=8)) for _ in range(n_sentences)) + "\n"


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def gzip_bomb(megabytes: int) -> bytes:
    """A gzip stream of ``megabytes`` MB of zeros, compressed chunk by chunk (never held in memory)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip header and trailer
    block = bytes(MB)
    return b"".join([*(compressor.compress(block) for _ in range(megabytes)), compressor.flush()])


def zip_bomb(megabytes: int) -> bytes:
    """A zip with one text entry of ``megabytes`` MB (a repeated word), streamed into the archive."""
    buffer = io.BytesIO()
    block = b"word " * (MB // 5)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("bomb.txt", "w", force_zip64=True) as entry:
            for _ in range(megabytes):
                entry.write(block)
    return buffer.getvalue()


OVER_DEFAULT_CAP = Limits().max_uncompressed_mb + 8  # just over the default decompression cap


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {"gzip": gzip_bomb(OVER_DEFAULT_CAP), "zip": zip_bomb(OVER_DEFAULT_CAP)}


@pytest.fixture(autouse=True)
def _default_limits(monkeypatch, tmp_path):
    """The limits a shared server has, and no user cache touched."""
    monkeypatch.delenv("EMBEDLAB_UNLIMITED", raising=False)
    monkeypatch.setenv("EMBEDLAB_CACHE_DIR", str(tmp_path / "cache"))


def tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def run_main(args: list[str], cwd: Path, monkeypatch, capsys) -> tuple[int, str]:
    """``python -m embedlab ARGS`` in-process (fast) from ``cwd``: (exit status, stderr)."""
    monkeypatch.chdir(cwd)
    try:
        status = main(args)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    return status, capsys.readouterr().err


def run_cli(args: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m embedlab ARGS`` in this process: its exit status, stdout and stderr."""
    return run_embedlab(args, cwd, env)


def real_process(args: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m embedlab ARGS`` as a real process: its true exit status and stderr."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "embedlab", *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error")]


# ---------------------------------------------------------------- bad corpora through the CLI

# name → (file name, bytes or a key of the bombs fixture, extra CLI arguments, words the message must contain)
CAP = f"more than {Limits().max_uncompressed_mb} mb"
BAD_CORPORA = {
    "empty": ("empty.txt", b"", [], ["empty"]),
    "not utf-8 (latin-1 accents)": ("latin.txt", "café crème brûlée à la mode\n".encode("latin-1"), [], ["utf-8"]),
    "only numbers and punctuation": ("numbers.txt", b"1, 2, 3!\n4.5 -- 6 ...\n(7) [8] {9}\n" * 50, [], ["no words"]),
    "too few distinct words for min_count": ("few.txt", b"alpha beta gamma\n" * 3, [], ["min_count"]),
    "one word per sentence: no pairs": ("single.txt", b"cat\ndog\n" * 40, [], ["min_count"]),
    "zip without a text file": (
        "images.zip",
        zip_of({"photo.png": b"\x89PNG\r\n", "notes/": b""}),
        [],
        ["no text file"],
    ),
    "zip bomb": ("bomb.zip", "zip", [], [CAP, "embedlab_unlimited"]),
    "gzip bomb": ("bomb.txt.gz", "gzip", [], [CAP, "embedlab_unlimited"]),
    "missing folder in the path": ("", b"", ["--corpus", "no/such/folder/corpus.txt"], ["no file"]),
}


@pytest.mark.parametrize("case", list(BAD_CORPORA))
def test_bad_corpus_through_the_cli_gives_one_error_line_and_leaves_nothing(case, tmp_path, bombs, monkeypatch, capsys):
    name, data, extra, needles = BAD_CORPORA[case]
    inputs, cwd, parent = tmp_path / "inputs", tmp_path / "cwd", tmp_path / "out-parent"
    for folder in (inputs, cwd, parent):
        folder.mkdir()
    args = ["train", "--epochs", "1", "--dim", "5", "--out", str(parent / "run")]
    if name:
        (inputs / name).write_bytes(bombs[data] if isinstance(data, str) else data)
        args += ["--corpus", str(inputs / name)]
    status, stderr = run_main(args + extra, cwd, monkeypatch, capsys)
    assert status == 2
    # one error line, the last thing printed (a corpus read before the vocabulary check is summed
    # up on the line before it)
    errors = error_lines(stderr)
    assert len(errors) == 1 and stderr.rstrip().endswith(errors[0]), stderr
    assert all(needle in errors[0].lower() for needle in needles), errors[0]
    assert "Traceback" not in stderr
    assert tree(cwd) == [] and tree(parent) == []  # nothing half-written, no runs/ in the cwd


# ---------------------------------------------------------------- the upload path of the pages

# The Corpus page hands the uploaded bytes to dashboard.corpora.add_upload → embedlab.text.corpus.corpus_from_bytes with
# the limits of the environment; the Train page then builds the vocabulary with
# embedlab.train.training.prepare. Every other bad upload is in tests/test_corpus.py.
BAD_UPLOADS = {
    "gzip bomb at the default limits": (
        "bomb.txt.gz",
        "gzip",
        f"decompresses to more than {Limits().max_uncompressed_mb} MB",
    ),
    "zip bomb at the default limits": (
        "bomb.zip",
        "zip",
        f"decompresses to more than {Limits().max_uncompressed_mb} MB",
    ),
    "too few distinct words for min_count": ("few.txt", b"alpha beta gamma\n" * 3, "lower min_count"),
    "one word only": ("one.txt", "phở\n".encode() * 50, "lower min_count"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_upload_through_the_page_functions_raises_one_line(case, bombs, tmp_path, monkeypatch):
    name, data, needle = BAD_UPLOADS[case]
    data = bombs[data] if isinstance(data, str) else data
    monkeypatch.chdir(tmp_path)
    with pytest.raises(EmbedLabError) as caught:
        prepare(corpus_from_bytes(data, name), CorpusOptions(source=name))
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message
    assert needle in message
    assert tree(tmp_path) == []  # read in memory: nothing extracted or cached on disk


def test_a_zip_entry_named_dotdot_is_read_as_data_and_nothing_is_written_outside(tmp_path, monkeypatch, capsys):
    """Through the CLI, from a working directory three levels down: the entry "../../evil.txt"
    becomes sentences of the run and no file appears anywhere outside the --out directory."""
    cwd = tmp_path / "a" / "b" / "cwd"
    cwd.mkdir(parents=True)
    text = text_corpus()
    archive = tmp_path / "a" / "traversal.zip"
    archive.write_bytes(zip_of({"../../evil.txt": text.encode(), "/etc/evil2.txt": b"river stone\n"}))
    before = tree(tmp_path)
    status, stderr = run_main(
        ["train", "--corpus", str(archive), "--epochs", "1", "--dim", "5", "--out", "run"], cwd, monkeypatch, capsys
    )
    assert status == 0, stderr
    assert [p for p in tree(tmp_path) if not p.startswith("a/b/cwd/run")] == [*before]
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "a" / "evil.txt").exists()
    run = load_run(cwd / "run", verify=True)
    assert set(run.vocab.words) == set(WORDS)  # the entry's words were trained on


# ---------------------------------------------------------------- odd but valid files, end to end


def _odd_files() -> dict[str, bytes]:
    text = text_corpus()
    return {
        "crlf.txt": text.replace("\n", "\r\n").encode("utf-8"),
        "bom.txt": codecs.BOM_UTF8 + text.encode("utf-8"),
        "utf16.txt": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        "one-line.txt": " ".join(np.random.default_rng(1).choice(WORDS, size=100_000)).encode("utf-8"),
        "corpus.txt.gz": gzip.compress(text.encode("utf-8")),
    }


ODD_FILES = _odd_files()


@pytest.mark.parametrize("filename", list(ODD_FILES))
def test_odd_but_valid_files_train_end_to_end_through_the_cli(filename, tmp_path):
    data = ODD_FILES[filename]
    (tmp_path / filename).write_bytes(data)
    result = run_cli(["train", "--corpus", filename, "--epochs", "1", "--dim", "5", "--out", "run"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower() and "Traceback" not in result.stderr
    run = load_run(tmp_path / "run", verify=True)
    assert run.epochs == 1 and run.input_vectors.shape[2] == 5
    assert set(run.vocab.words) == set(WORDS)  # no BOM, \r or UTF-16 byte glued to a word
    # 300 sentences of 8 words with 30 held out, or one line of 100k words cut into 100 sentences
    # of 1000 with 10 held out: the vocabulary counts the training words only
    expected = 90_000 if filename == "one-line.txt" else 270 * 8
    assert int(run.vocab.counts.sum()) == expected
    assert run.config["corpus"]["name"] == filename
    # the words are drawn independently, so there is nothing to learn: the loss stays near its
    # epoch-0 value log V (the output vectors start at zero, so every context is equally likely)
    assert run.metrics["loss"].iloc[0] == pytest.approx(np.log(len(WORDS)), rel=1e-6)
    assert np.isfinite(run.metrics[["loss", "heldout_loss", "grad_norm"]].to_numpy()).all()


# ---------------------------------------------------------------- bad settings, before any work

# (arguments, the setting named in the message, extra words the message must contain)
BAD_SETTINGS = [
    (["--dim", "-5"], "dim", []),
    (["--epochs", "0"], "epochs", []),
    (["--epochs", "2.5"], "--epochs", []),
    (["--window", "many"], "--window", []),
    (["--lr", "-0.1"], "lr", []),
    (["--lr", "fast"], "--lr", []),
    (["--batch-size", "0"], "batch_size", []),
    (["--trainer", "gensim", "--negative", "-1"], "negative", []),
    (["--dim", "100000"], "dim", ["300", "EMBEDLAB_UNLIMITED"]),
    (["--epochs", "1000"], "epochs", ["100", "EMBEDLAB_UNLIMITED"]),
]


@pytest.mark.parametrize(("args", "setting", "needles"), BAD_SETTINGS, ids=[" ".join(b[0]) for b in BAD_SETTINGS])
def test_bad_settings_are_refused_before_the_corpus_is_read(args, setting, needles, tmp_path, monkeypatch, capsys):
    def no_work(*_args, **_kwargs):
        raise AssertionError("the corpus was read before the settings were checked")

    monkeypatch.setattr(embedlab.text.corpus, "load_corpus", no_work)
    status, stderr = run_main(["train", "--corpus", "toy", *args], tmp_path, monkeypatch, capsys)
    assert status == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert setting in lines[0]
    for needle in needles:
        assert needle in lines[0], f"{lines[0]!r} should mention {needle}"
    assert tree(tmp_path) == []


# ---------------------------------------------------------------- divergence


@pytest.mark.slow
def test_divergence_through_the_cli_names_the_epoch_and_writes_nothing(tmp_path):
    parent = tmp_path / "out-parent"
    parent.mkdir()
    result = real_process(
        ["train", "--corpus", "toy", "--trainer", "numpy", "--dim", "5", "--epochs", "3", "--lr", "1000"]
        + ["--out", str(parent / "run")],
        tmp_path,
    )
    assert result.returncode == 2, result.stderr
    errors = error_lines(result.stderr)
    assert len(errors) == 1 and errors[0].startswith("error: training diverged in epoch "), result.stderr
    assert result.stderr.rstrip().endswith(errors[0])  # the last thing the user reads
    assert "learning rate" in errors[0] and "Traceback" not in result.stderr
    assert tree(parent) == [] and sorted(os.listdir(tmp_path)) == ["out-parent"]


# ---------------------------------------------------------------- resource bounds


def test_default_limits_fit_a_shared_server_and_env_lifts_them(monkeypatch):
    assert Limits.from_env() == Limits()
    defaults = Limits()
    assert (defaults.max_upload_mb, defaults.max_dim, defaults.max_epochs) == (30, 300, 100)
    assert defaults.max_uncompressed_mb >= defaults.max_upload_mb
    for off in ("0", "", "no"):
        monkeypatch.setenv("EMBEDLAB_UNLIMITED", off)
        assert Limits.from_env() == defaults
    monkeypatch.setenv("EMBEDLAB_UNLIMITED", "1")
    lifted = Limits.from_env()
    for field in Limits.__dataclass_fields__:
        assert getattr(lifted, field) >= 10**9 > getattr(defaults, field), field
    assert TrainOptions(dim=1000, epochs=500).validate(lifted).dim == 1000


@pytest.mark.parametrize(
    "bad, named",
    [
        ({"window": 0}, "window"),
        ({"lr": 0.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"dim": 2.5}, "dim"),
        ({"trainer": "torch"}, "trainer"),
        ({"trainer": "gensim", "negative": 0}, "negative sampling"),
        ({"trainer": "gensim", "hs": 1}, "choose one objective"),
        ({"l2": -1.0}, "l2"),
    ],
)
def test_training_options_that_break_a_rule_are_never_made(bad, named):
    """Checked once, where options are made (also by replace): every later step trusts them."""
    with pytest.raises(EmbedLabError, match=named):
        TrainOptions(**bad)
    with pytest.raises(EmbedLabError, match=named):
        TrainOptions().replace(**bad)


def test_the_caps_of_a_shared_server_are_checked_apart_from_the_rules():
    big = TrainOptions(dim=1000, epochs=500)  # a valid setting on one's own machine
    with pytest.raises(EmbedLabError, match="capped at 300"):
        big.validate(Limits())
    assert big.validate(Limits(max_dim=1000, max_epochs=500)) is big


def test_a_dimension_over_the_cap_trains_once_embedlab_unlimited_is_set(tmp_path):
    (tmp_path / "small.txt").write_text(text_corpus(100), encoding="utf-8")
    args = ["train", "--corpus", "small.txt", "--epochs", "1", "--dim", "301", "--out", "run"]
    refused = run_cli(args, tmp_path)
    assert refused.returncode == 2 and "dim" in refused.stderr and not (tmp_path / "run").exists()
    lifted = run_cli(args, tmp_path, env={"EMBEDLAB_UNLIMITED": "1"})
    assert lifted.returncode == 0, lifted.stderr
    assert load_run(tmp_path / "run").input_vectors.shape == (2, len(WORDS), 301)
