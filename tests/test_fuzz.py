"""Property-based fuzzing of everything that reads a visitor's bytes: the decoders, the tokenizer,
the importers and the command line. Random bytes, real files truncated and mutated, random zip
structures (traversal names, absolute paths, symlinks, nested runs): each either opens as a valid
corpus or run, or is refused with one line (EmbedLabError; `error: …` and exit 2 on the command
line) — never a traceback, never a file outside the output folder.

A bounded number of examples runs in the fast loop (``fuzzing.FAST``); ``-m slow`` runs many more.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from fuzzing import FAST, SLOW
from hypothesis import given
from hypothesis import strategies as st

from embedlab.__main__ import main
from embedlab.config import Limits
from embedlab.errors import EmbedLabError
from embedlab.export import run_bundle
from embedlab.importer import InputFile, import_run
from embedlab.store import RunWriter, load_run
from embedlab.text.corpus import corpus_from_bytes
from embedlab.text.tokenizer import MAX_SENTENCE_TOKENS, split_sentences, tokenize
from embedlab.text.vocab import Vocabulary

SMALL = Limits(max_upload_mb=1, max_uncompressed_mb=2, max_tokens=50_000, max_import_values=200_000)


# ---------------------------------------------------------------- real files to mutate


def _word2vec_text(words, X) -> bytes:
    rows = [f"{len(words)} {X.shape[1]}"] + [
        f"{w} " + " ".join(f"{x:.4f}" for x in row) for w, row in zip(words, X, strict=True)
    ]
    return ("\n".join(rows) + "\n").encode()


def _word2vec_binary(words, X) -> bytes:
    return f"{len(words)} {X.shape[1]}\n".encode() + b"".join(
        w.encode() + b" " + row.astype("<f4").tobytes() + b"\n" for w, row in zip(words, X, strict=True)
    )


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bundle() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        rng = np.random.default_rng(0)
        vocab = Vocabulary.from_words(["king", "queen", "man", "woman", "cat"], [9, 8, 7, 6, 5])
        with RunWriter(Path(folder) / "numpy-fuzz", 2, 5, 3) as writer:
            for epoch in range(3):
                writer.write_snapshot(epoch, rng.normal(size=(5, 3)).astype(np.float32), np.ones((5, 3), np.float32))
            writer.finish({"trainer": "numpy", "corpus": {"name": "toy"}}, vocab, [{"epoch": e} for e in range(3)])
        return run_bundle(load_run(Path(folder) / "numpy-fuzz"))


WORDS = ["king", "queen", "man", "woman"]
X = np.random.default_rng(1).normal(size=(4, 3))
TEXT = "The king and the queen.\nA man, a woman; the cat!\n" * 3
SEEDS = {
    "e1.txt": _word2vec_text(WORDS, X),
    "e1.bin": _word2vec_binary(WORDS, X),
    "v.npy": _npy(np.stack([X, X + 1]).astype(np.float32)),
    "vocab.txt": ("\n".join(WORDS) + "\n").encode(),
    "run.zip": _bundle(),
    "corpus.txt": TEXT.encode(),
    "corpus.txt.gz": gzip.compress(TEXT.encode()),
    "corpus.zip": _zip({"a.txt": TEXT.encode(), "b.txt": b"more words here\n"}),
    "utf16.txt": TEXT.encode("utf-16"),
}


@st.composite
def mutated(draw, names=tuple(SEEDS)) -> InputFile:
    """A real file truncated, with bytes flipped, inserted or cut out."""
    name = draw(st.sampled_from(names))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        operation = draw(st.sampled_from(["truncate", "flip", "insert", "cut"]))
        if operation == "truncate":
            del data[at:]
        elif operation == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif operation == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[at : at + draw(st.integers(1, 64))]
    return InputFile(name, bytes(data))


MEMBER_NAMES = [
    "r/input_vectors.npy", "r/output_vectors.npy", "r/config.json", "r/vocab.tsv", "r/metrics.csv",
    "r/manifest.json", "r/split.json", "e1.txt", "e2.txt", "e1.bin", "v.npy", "vocab.txt", "a.txt",
    "../evil.txt", "/abs/evil.txt", "..\\..\\evil.txt", "r/../../evil.npy", "w2v.model", "nested.zip", "",
]  # fmt: skip


@st.composite
def zip_structures(draw) -> InputFile:
    """A zip of members with hostile or ordinary names, bodies taken from real files or random
    bytes, some marked as symbolic links."""
    buffer = io.BytesIO()
    bundle_files = {}
    with zipfile.ZipFile(io.BytesIO(SEEDS["run.zip"])) as archive:
        bundle_files = {Path(n).name: archive.read(n) for n in archive.namelist()}
    bodies = {**{Path(k).name: v for k, v in SEEDS.items()}, **bundle_files}
    with zipfile.ZipFile(buffer, "w") as archive:
        for _ in range(draw(st.integers(0, 6))):
            name = draw(st.sampled_from(MEMBER_NAMES) | st.text(min_size=1, max_size=12))
            body = draw(st.sampled_from(sorted(bodies)).map(bodies.get) | st.binary(max_size=200))
            info = zipfile.ZipInfo(name or "x")
            if draw(st.booleans()) and draw(st.booleans()):
                info.external_attr = (0o120777 << 16) | 0x10  # a symbolic link
                body = draw(st.sampled_from([b"/etc/passwd", b"../../outside", b"r/vocab.tsv"]))
            archive.writestr(info, body)
    return InputFile(draw(st.sampled_from(["run.zip", "ckpt.zip", "corpus.zip"])), buffer.getvalue())


NAMES = st.sampled_from(["a.txt", "a.gz", "a.zip", "a.bin", "a.npy", "vocab.txt", "e1.txt", "a.vec", "a.model", "a"])
RANDOM_FILES = st.builds(InputFile, NAMES, st.binary(max_size=3000))
ANY_FILE = RANDOM_FILES | mutated() | zip_structures()


# ---------------------------------------------------------------- the properties


def _one_line(error: BaseException) -> None:
    text = str(error)
    assert text and "\n" not in text and "Traceback" not in text, text


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")} | {p for p in folder.rglob(".*")}


def check_corpus(file: InputFile) -> None:
    try:
        corpus = corpus_from_bytes(file.data, file.name, limits=SMALL)
    except EmbedLabError as error:
        _one_line(error)
        return
    assert corpus.sentences and all(corpus.sentences)
    assert corpus.n_tokens == sum(len(s) for s in corpus.sentences) <= SMALL.max_tokens
    assert all(len(s) <= MAX_SENTENCE_TOKENS for s in corpus.sentences)


def check_import(files: list[InputFile]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "runs").mkdir()
        out = folder / "runs" / "opened"
        try:
            run = import_run(files, out, limits=SMALL)
        except EmbedLabError as error:
            _one_line(error)
            assert not out.exists()
            assert _files_under(folder) == {folder / "runs"}, "something was left behind"
            return
        assert all(p == folder / "runs" or out in p.parents or p == out for p in _files_under(folder))
        run = load_run(out, verify=True)
        assert np.isfinite(run.input_vectors).all() and len(set(run.vocab.words)) == len(run.vocab) >= 1
        assert run.input_vectors.shape[1] == len(run.vocab)


def check_command_line(file: InputFile) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        source = folder / "in" / (Path(file.name).name or "a")
        source.parent.mkdir()
        source.write_bytes(file.data)
        out = folder / "out"
        stderr, stdout = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            code = main(["import", str(source), "--out", str(out)])
        if code == 2:
            lines = stderr.getvalue().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), stderr.getvalue()
            assert not out.exists()
        else:
            assert code == 0 and load_run(out, verify=True)
        outside = {p for p in _files_under(folder) if p != out and out not in p.parents}
        assert outside == {folder / "in", source}


def check_tokenizer(text: str) -> None:
    tokens = tokenize(text)
    assert all(t and not any(ch.isspace() for ch in t) for t in tokens)
    assert all(any(ch.isalpha() for ch in t) for t in tokenize(text))
    pieces = split_sentences(text)
    assert all(len(tokenize(piece)) <= MAX_SENTENCE_TOKENS for piece in pieces)
    assert sum(len(tokenize(piece)) for piece in pieces) == len(tokens)


def _both(strategy, check):
    """The property ``check`` over ``strategy``: FAST in the fast loop, SLOW under -m slow."""

    @FAST
    @given(strategy)
    def fast(value):
        check(value)

    @pytest.mark.slow
    @SLOW
    @given(strategy)
    def many(value):
        check(value)

    return fast, many


LONG_TEXT = st.lists(
    st.sampled_from(list("ab cdé'-\n\r\t.,1") + ["\u0301", "\u200c", "người", "w "]), max_size=3000
).map("".join)
test_decoders_and_corpus_reading, test_decoders_and_corpus_reading_many = _both(ANY_FILE, check_corpus)
test_tokenizer, test_tokenizer_many = _both(st.text() | LONG_TEXT, check_tokenizer)
test_importers, test_importers_many = _both(st.lists(ANY_FILE, min_size=1, max_size=3), check_import)
test_command_line_import, test_command_line_import_many = _both(ANY_FILE, check_command_line)


# ---------------------------------------------------------------- examples kept as regular tests


def test_the_real_files_themselves_open():
    check_import([InputFile("run.zip", SEEDS["run.zip"])])
    check_import([InputFile("e1.txt", SEEDS["e1.txt"]), InputFile("e2.txt", SEEDS["e1.txt"])])
    check_import([InputFile("v.npy", SEEDS["v.npy"]), InputFile("vocab.txt", SEEDS["vocab.txt"])])
    for name in ("corpus.txt", "corpus.txt.gz", "corpus.zip", "utf16.txt"):
        check_corpus(InputFile(name, SEEDS[name]))


def test_a_bundle_with_a_traversal_name_beside_it_leaves_nothing_outside():
    entries = {}
    with zipfile.ZipFile(io.BytesIO(SEEDS["run.zip"])) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    entries["../evil.txt"] = b"x"
    check_import([InputFile("run.zip", _zip(entries))])


def test_a_config_json_that_is_not_json_is_one_line():
    with zipfile.ZipFile(io.BytesIO(SEEDS["run.zip"])) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    config = next(n for n in entries if n.endswith("config.json"))
    for body in (b"[]", b"null", b'{"lacks": {"a": 1}}', json.dumps({"epochs": 1e400}).encode(), b"\xff\xfe"):
        entries[config] = body
        check_import([InputFile("run.zip", _zip(entries))])


def test_the_command_line_refuses_a_directory_and_a_missing_file(tmp_path):
    for source in (tmp_path, tmp_path / "missing.txt"):
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            code = main(["import", str(source), "--out", str(tmp_path / "out")])
        assert code == 2 and stderr.getvalue().count("\n") == 1, stderr.getvalue()
    assert sorted(os.listdir(tmp_path)) == []


def test_a_zip_whose_member_offset_points_before_the_file_is_one_line():
    """Found by test_decoders_and_corpus_reading_many: zipfile raised ValueError (negative seek)."""
    data = b'PK\x03\x04\x00\x00\x00\x08\x00\xd7\t\x87]<\x1b\xc8\x971\x00\x00\x00\x93\x00\x00\x00\x05\x00\x00\x00a.txt\x0b\xc9HU\xc8\xce\xccKWH\xccKQ(\x01r\nKSS\xf3\xf4\xb8\x1c\x15r\x13\xf3t\x14\x12\x15\xca\xf3\x81\x0ck\xb0Trb\x89"W\x08\xcd5\x00\x00PK\x03\x04\x14\x00\x00\x00\x08\x00\xd7\t\x87]\xc8\xa4Wg\x12\x00\x00\x00\x10\x00\x00\x00\x05\x00\x00\x00b.txt\xcb\xcd/JU(\xcf/J)V\xc8H-J\xe5\x02\x00PK\x01\x02\x14\x03\x14\x00\x00\x00\x08\x00\xd7\t\x87]<\x1b\xc8\x971\x00\x00\x00\x93\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00\x00\x00\x00a.txtPK\x01\x02\x14\x03\x14\x00\x00\x00\x08\x00\xd7\t\x87]\xc8\xa4Wg\x12\x00\x00\x00\x10\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01T\x00\x00\x00b.txtPK\x05\x06\x00\x00\x00\x00\x02\x00\x02\x00f\x00\x00\x00\x89\x00\x00\x00\x00\x00'
    check_corpus(InputFile("corpus.zip", data))


def test_a_zip_member_with_an_empty_name_is_one_line():
    """Found by test_command_line_import_many: ZipInfo.is_dir() raised IndexError on an empty name."""
    data = b'PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00!\x00w\xc43\xa0=\x00\x00\x00=\x00\x00\x00\x00\x00\x00\x00{\n  "corpus": {\n    "name": "toy"\n  },\n  "trainer": "numpy"\n}PK\x01\x02\x14\x03\x14\x00\x00\x00\x00\x00\x00\x00!\x00w\xc43\xa0=\x00\x00\x00=\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00\x00\x00\x00PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00.\x00\x00\x00[\x00\x00\x00\x00\x00'
    check_command_line(InputFile("run.zip", data))
    check_import([InputFile("run.zip", data)])
    check_corpus(InputFile("corpus.zip", data))
