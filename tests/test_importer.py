"""Opening embeddings trained elsewhere: gensim checkpoints, .npy stacks, EmbedLab bundles, and the
files that must be refused with one clear line and nothing left behind.

Independent computations: gensim's own reader (``KeyedVectors.load_word2vec_format``) and its
``most_similar``; a rotation recovered with NumPy's SVD instead of scipy; byte comparison of
bundle files with the original run directory.
"""

from __future__ import annotations

import doctest
import gzip
import io
import json
import logging
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

import embedlab.importer
from embedlab.atomic import sha256_file
from embedlab.config import ImportOptions, Limits
from embedlab.errors import EmbedLabError
from embedlab.export import run_bundle
from embedlab.importer import InputFile, content_key, describe, import_run, read_word2vec, run_name
from embedlab.runs import analysis, neighbours
from embedlab.store import FILES, RunWriter, load_run
from embedlab.text.corpus import load_corpus
from embedlab.text.vocab import Vocabulary

DIM = 16
QUERIES = ("king", "queen", "cat", "red", "bread")


# ---------------------------------------------------------------- fixtures


class _SaveEachEpoch(CallbackAny2Vec):
    """Saves the vectors after every epoch in both word2vec formats, as a user's own training would."""

    def __init__(self, folder: Path):
        self.folder, self.epoch = folder, 0

    def on_epoch_end(self, model):
        self.epoch += 1
        model.wv.save_word2vec_format(str(self.folder / f"epoch{self.epoch}.txt"), binary=False)
        model.wv.save_word2vec_format(str(self.folder / f"epoch{self.epoch}.bin"), binary=True)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> Path:
    """epoch1..3.txt and epoch1..3.bin written by gensim during one training on the toy corpus."""
    folder = tmp_path_factory.mktemp("checkpoints")
    logging.getLogger("gensim").setLevel(logging.ERROR)
    Word2Vec(
        load_corpus("toy").sentences,
        vector_size=DIM,
        min_count=5,
        epochs=3,
        seed=3,
        workers=1,
        callbacks=[_SaveEachEpoch(folder)],
    )
    return folder


def files_of(folder: Path, pattern: str) -> list[InputFile]:
    return [InputFile(p.name, p.read_bytes()) for p in sorted(folder.glob(pattern))]


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def word2vec_text(words: list[str], vectors: np.ndarray, header: bool = True) -> bytes:
    lines = [f"{len(words)} {vectors.shape[1]}"] if header else []
    lines += [f"{w} {' '.join(repr(float(x)) for x in row)}" for w, row in zip(words, vectors, strict=True)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def random_orthogonal(d: int, rng) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    return q * np.sign(np.diag(r))


def small_run(folder: Path, *, V: int = 12, d: int = 4, epochs: int = 2, seed: int = 0) -> Path:
    """A complete run directory with known arrays and metrics (what training writes, in miniature)."""
    rng = np.random.default_rng(seed)
    vocab = Vocabulary.from_words([f"w{i}" for i in range(V)], np.arange(V, 0, -1) * 10)
    out = folder / f"numpy-{seed:04d}abcdef"
    rows = []
    with RunWriter(out, epochs, V, d) as writer:
        for epoch in range(epochs + 1):
            writer.write_snapshot(
                epoch, rng.normal(size=(V, d)).astype(np.float32), rng.normal(size=(V, d)).astype(np.float32)
            )
            rows.append({"epoch": epoch, "loss": 3.0 - epoch * 0.5, "heldout_loss": 3.1 - epoch * 0.4})
        config = {"trainer": "numpy", "corpus": {"name": "toy", "sha256": "x"}, "train_options": {"l2": 0.0}}
        writer.finish(config, vocab, rows, extra={"split.json": {"heldout": [1, 2, 3]}})
    return out


def assert_nothing_left(folder: Path, out: Path) -> None:
    assert not out.exists()
    assert [p.name for p in folder.iterdir() if p.name.startswith(".tmp-")] == []


# ---------------------------------------------------------------- gensim checkpoints


@pytest.mark.parametrize("suffix, kind", [("txt", "word2vec text"), ("bin", "word2vec binary")])
def test_gensim_checkpoints_open_as_epochs_1_to_3_and_match_most_similar(checkpoints, tmp_path, suffix, kind):
    run = import_run(files_of(checkpoints, f"epoch*.{suffix}"), tmp_path / "run")
    assert run.epochs == 3 and run.dim == DIM and not run.has_outputs and not run.has_loss
    info = run.config["import"]
    assert info["format"] == kind and info["aligned"] and info["epoch0"] == "copy of epoch 1"
    assert [s["file"] for s in info["snapshots"]] == [None, f"epoch1.{suffix}", f"epoch2.{suffix}", f"epoch3.{suffix}"]
    np.testing.assert_array_equal(run.input_vectors[0], run.input_vectors[1])  # no initial vectors given
    for epoch in (1, 2, 3):
        kv = KeyedVectors.load_word2vec_format(str(checkpoints / f"epoch{epoch}.{suffix}"), binary=suffix == "bin")
        assert list(run.vocab.words) == kv.index_to_key  # every word kept, in the file's order
        for word in QUERIES:
            ours = neighbours.neighbour_table(run.input_vectors, run.vocab, word, 10, epochs=[epoch])
            theirs = kv.most_similar(word, topn=10)
            assert list(ours["neighbour"]) == [w for w, _ in theirs], (epoch, word)
            np.testing.assert_allclose(ours["cosine"], [c for _, c in theirs], atol=2e-6)


@pytest.mark.parametrize("suffix", ["txt", "bin"])
def test_without_alignment_the_vectors_are_gensims_exactly(checkpoints, tmp_path, suffix):
    run = import_run(files_of(checkpoints, f"epoch*.{suffix}"), tmp_path / "run", ImportOptions(align=False))
    assert not run.config["import"]["aligned"]
    for epoch in (1, 2, 3):
        kv = KeyedVectors.load_word2vec_format(str(checkpoints / f"epoch{epoch}.{suffix}"), binary=suffix == "bin")
        np.testing.assert_array_equal(run.input_vectors[epoch], kv.vectors)


def test_a_zip_of_checkpoints_opens_in_natural_order_with_an_epoch_0_file(checkpoints, tmp_path):
    texts = {p.name: p.read_bytes() for p in checkpoints.glob("epoch*.txt")}
    entries = {
        "ckpt/epoch_0.txt": texts["epoch1.txt"],  # numbered 0: the initial vectors
        "ckpt/epoch_2.txt": texts["epoch2.txt"],
        "ckpt/epoch_10.txt": texts["epoch3.txt"],  # after epoch_2 although "1" < "2"
        "__MACOSX/ckpt/._epoch_2.txt": b"resource fork",
        "ckpt/.DS_Store": b"\0\0",
    }
    run = import_run([InputFile("ckpt.zip", zip_of(entries))], tmp_path / "run", ImportOptions(align=False))
    assert run.epochs == 2 and run.config["import"]["epoch0"] == "file"
    assert [s["file"] for s in run.config["import"]["snapshots"]] == ["epoch_0.txt", "epoch_2.txt", "epoch_10.txt"]
    kv = KeyedVectors.load_word2vec_format(str(checkpoints / "epoch3.txt"))
    np.testing.assert_array_equal(run.input_vectors[2], kv.vectors)
    # asked explicitly, the same files are epochs 1..3
    again = import_run(
        [InputFile("ckpt.zip", zip_of(entries))], tmp_path / "again", ImportOptions(align=False, first_epoch=1)
    )
    assert again.epochs == 3 and again.config["import"]["epoch0"] == "copy of epoch 1"


def test_differing_vocabularies_are_intersected_and_the_dropped_words_counted(tmp_path):
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(10)]
    first = rng.normal(size=(10, 3))
    second = rng.normal(size=(11, 3))
    files = [
        InputFile("e1.txt", word2vec_text([w for w in words if w != "w3"], first[:9])),  # lacks w3
        InputFile("e2.txt", word2vec_text([*words, "extra"], second)),  # has a word no other has
        InputFile("e3.txt", word2vec_text(words[::-1], first)),  # the reference order: reversed
    ]
    run = import_run(files, tmp_path / "run", ImportOptions(align=False))
    kept = [w for w in words[::-1] if w != "w3"]
    assert list(run.vocab.words) == kept
    assert run.config["import"]["words_dropped"] == 2 and run.config["import"]["words_kept"] == 9
    assert any("2 word(s) that some snapshot lacked were dropped" in line for line in describe(run))
    row_in_first = {w: i for i, w in enumerate(w for w in words if w != "w3")}
    for i, word in enumerate(kept):  # each word's row comes from its own row in each file
        np.testing.assert_allclose(run.input_vectors[1][i], first[row_in_first[word]], rtol=1e-6)
        np.testing.assert_allclose(run.input_vectors[2][i], second[words.index(word)], rtol=1e-6)
        np.testing.assert_allclose(run.input_vectors[3][i], first[words[::-1].index(word)], rtol=1e-6)


def test_procrustes_alignment_recovers_a_known_rotation(tmp_path):
    rng = np.random.default_rng(7)
    base = rng.normal(size=(40, 5))
    rotations = [random_orthogonal(5, rng) for _ in range(2)]
    noise = [0.01 * rng.normal(size=base.shape) for _ in range(2)]
    words = [f"w{i}" for i in range(40)]
    files = [
        InputFile("e1.txt", word2vec_text(words, (base + noise[0]) @ rotations[0])),
        InputFile("e2.txt", word2vec_text(words, (base + noise[1]) @ rotations[1])),
        InputFile("e3.txt", word2vec_text(words, base)),
    ]
    run = import_run(files, tmp_path / "run")
    for epoch, (rotation, eps) in enumerate(zip(rotations, noise, strict=True), start=1):
        # the rotation found is Q⁻¹ = Qᵀ up to the noise: the snapshot lands back on the base
        np.testing.assert_allclose(run.input_vectors[epoch], base + eps, atol=0.02)
        # and it is the least-squares rotation, computed here with NumPy's SVD (not scipy)
        X = ((base + eps) @ rotation).astype(np.float32).astype(np.float64)
        u, _, vt = np.linalg.svd(X.T @ base)
        np.testing.assert_allclose(run.input_vectors[epoch], X @ (u @ vt), atol=1e-5)
    np.testing.assert_allclose(run.input_vectors[3], base, atol=1e-6)  # the last is the reference
    # cosines within an epoch are those of the file
    unit = analysis.normalize_rows((base + noise[0]) @ rotations[0])
    np.testing.assert_allclose(
        analysis.normalize_rows(run.input_vectors[1]) @ analysis.normalize_rows(run.input_vectors[1]).T,
        unit @ unit.T,
        atol=1e-5,
    )


def test_odd_but_valid_word2vec_files(tmp_path):
    rng = np.random.default_rng(2)
    words = ["phở", "nắng", "café", "x"]
    X = rng.normal(size=(4, 3)).astype(np.float32)
    c_tool_binary = b"4 3\n" + b"".join(
        w.encode() + b" " + row.astype("<f4").tobytes() + b"\n" for w, row in zip(words, X, strict=True)
    )
    glove = word2vec_text(words, X, header=False)
    crlf_gz = gzip.compress(word2vec_text(words, X).replace(b"\n", b"\r\n"))
    duplicate = word2vec_text([*words, "x"], np.vstack([X, X[:1] + 9]))
    for name, data, kind in [
        ("c.bin", c_tool_binary, "word2vec binary"),
        ("glove.txt", glove, "GloVe text (no header)"),
        ("crlf.txt.gz", crlf_gz, "word2vec text"),
        ("dup.txt", duplicate, "word2vec text"),
    ]:
        checkpoint = read_word2vec(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data, name)
        assert checkpoint.kind == kind and checkpoint.words == words, name
        np.testing.assert_allclose(checkpoint.vectors, X, rtol=1e-6)
    assert read_word2vec(duplicate, "dup.txt").duplicates == 1  # the first row of a word is kept, as gensim does
    assert read_word2vec(glove, "g.txt", max_words=2).words == words[:2]
    run = import_run([InputFile("a.txt.gz", crlf_gz), InputFile("b.bin", c_tool_binary)], tmp_path / "run")
    assert run.epochs == 2 and run.config["import"]["format"] == "word2vec binary + word2vec text"
    assert list(run.vocab.words) == words


# ---------------------------------------------------------------- .npy


def test_a_npy_stack_with_its_vocabulary(tmp_path):
    rng = np.random.default_rng(4)
    stack = rng.normal(size=(4, 6, 3)).astype(np.float32)
    buffer = io.BytesIO()
    np.save(buffer, stack)
    vocab = b"word\tcount\na\t9\nb\t7\nc\t5\nd\t3\ne\t2\nf\t1\n"
    files = [InputFile("vectors.npy", buffer.getvalue()), InputFile("vocab.tsv", vocab)]
    run = import_run(files, tmp_path / "run", ImportOptions(align=False))
    assert run.epochs == 3 and run.vocab.counts.tolist() == [9, 7, 5, 3, 2, 1]  # snapshot 0 is the first
    np.testing.assert_array_equal(run.input_vectors, stack)
    assert run.config["import"]["epoch0"] == "file"


def test_one_npy_per_checkpoint_with_a_plain_word_list(tmp_path):
    rng = np.random.default_rng(5)
    arrays = [rng.normal(size=(5, 2)) for _ in range(2)]
    entries = {}
    for i, array in enumerate(arrays, start=1):
        buffer = io.BytesIO()
        np.save(buffer, array)
        entries[f"vec{i}.npy"] = buffer.getvalue()
    entries["vocab.txt"] = b"one\ntwo\nthree\nfour\nfive\n"
    run = import_run([InputFile("npys.zip", zip_of(entries))], tmp_path / "run", ImportOptions(align=False))
    assert run.epochs == 2 and list(run.vocab.words) == ["one", "two", "three", "four", "five"]
    np.testing.assert_allclose(run.input_vectors[2], arrays[1], rtol=1e-6)


# ---------------------------------------------------------------- EmbedLab bundles


def test_a_bundle_opens_byte_for_byte(tmp_path):
    original = load_run(small_run(tmp_path))
    run = import_run([InputFile("bundle.zip", run_bundle(original))], tmp_path / "opened" / original.run_id)
    for name in (*FILES, "split.json", "manifest.json"):
        assert sha256_file(run.path / name) == sha256_file(original.path / name), name
    load_run(run.path, verify=True)
    assert run.has_loss and run.has_outputs and "import" not in run.config
    assert run_name([InputFile("bundle.zip", run_bundle(original))]) == original.run_id


def test_a_bundle_from_before_split_json_was_bundled_still_opens(tmp_path):
    original = load_run(small_run(tmp_path))
    entries = {f"r/{name}": (original.path / name).read_bytes() for name in (*FILES, "manifest.json")}
    run = import_run([InputFile("old.zip", zip_of(entries))], tmp_path / "opened")
    load_run(run.path, verify=True)  # a new manifest for the files it has
    np.testing.assert_array_equal(run.input_vectors, original.input_vectors)


def test_a_bundle_of_the_top_words(tmp_path):
    original = load_run(small_run(tmp_path, V=30))
    run = import_run([InputFile("top.zip", run_bundle(original, max_words=8))], tmp_path / "opened")
    assert list(run.vocab.words) == list(original.vocab.words[:8]) and run.config["max_words"] == 8
    np.testing.assert_array_equal(run.input_vectors, original.input_vectors[:, :8])
    np.testing.assert_array_equal(run.output_vectors, original.output_vectors[:, :8])
    pd.testing.assert_frame_equal(run.metrics, original.metrics)


def test_a_bundle_without_output_vectors_says_so(tmp_path):
    original = load_run(small_run(tmp_path))
    run = import_run([InputFile("b.zip", run_bundle(original, outputs=False))], tmp_path / "opened")
    assert not run.has_outputs and run.has_loss and run.config["lacks"] == ["output_vectors.npy"]
    np.testing.assert_array_equal(run.input_vectors, original.input_vectors)
    load_run(run.path, verify=True)


def test_a_bundle_aligned_on_request_keeps_every_score_u_dot_v(tmp_path):
    original = load_run(small_run(tmp_path))
    run = import_run([InputFile("b.zip", run_bundle(original))], tmp_path / "opened", ImportOptions(align=True))
    assert run.config["import"]["aligned"]
    for epoch in range(run.epochs + 1):
        np.testing.assert_allclose(
            run.input_vectors[epoch] @ run.output_vectors[epoch].T,
            original.input_vectors[epoch] @ original.output_vectors[epoch].T,
            atol=1e-4,
        )
    np.testing.assert_array_equal(run.input_vectors[-1], original.input_vectors[-1])
    load_run(run.path, verify=True)


# ---------------------------------------------------------------- refusals


def _gensim_model_bytes(tmp_path) -> bytes:
    model = Word2Vec([["a", "b", "c"]] * 20, vector_size=4, min_count=1, epochs=1, workers=1)
    model.save(str(tmp_path / "w2v.model"))
    return (tmp_path / "w2v.model").read_bytes()


def _bundle_bytes(tmp_path) -> bytes:
    source = tmp_path / "source"
    source.mkdir()
    return run_bundle(load_run(small_run(source)))


def bad_inputs(tmp_path) -> dict[str, tuple[list[InputFile], Limits | None, str]]:
    words = ["a", "b", "c"]
    X3, X4 = np.ones((3, 3)), np.ones((3, 4))
    bundle = _bundle_bytes(tmp_path)
    damaged = bytearray(bundle)
    damaged[len(damaged) // 3 : len(damaged) // 3 + 64] = b"\xff" * 64  # inside the deflated arrays
    object_npy = io.BytesIO()
    np.save(object_npy, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return {
        "pickle (.model)": ([InputFile("w2v.model", _gensim_model_bytes(tmp_path))], None, "pickle"),
        "pickle by content": ([InputFile("vectors.bin", pickle.dumps({"a": [1.0]}, protocol=4))], None, "pickle"),
        "pickle in a zip": ([InputFile("m.zip", zip_of({"m/w2v.model": b"\x80\x04\x95"}))], None, "pickle"),
        "object .npy": (
            [InputFile("v.npy", object_npy.getvalue()), InputFile("vocab.txt", b"a\n")],
            None,
            "python objects",
        ),
        "damaged zip": ([InputFile("run.zip", bytes(damaged))], None, "damaged"),
        "truncated zip": ([InputFile("run.zip", bundle[: len(bundle) // 2])], None, "zip"),
        "mismatched dims": (
            [InputFile("e1.txt", word2vec_text(words, X3)), InputFile("e2.txt", word2vec_text(words, X4))],
            None,
            "mismatched dimensions",
        ),
        "file over the cap": (
            [InputFile("big.txt", b"1 1\na 1\n" + b" " * (2 * 1024 * 1024))],
            Limits(max_upload_mb=1),
            "more than the 1 mb",
        ),
        "values over the cap": (
            [InputFile("e1.txt", word2vec_text(words, X3)), InputFile("e2.txt", word2vec_text(words, X3))],
            Limits(max_import_values=10),
            "more than the 10 allowed",
        ),
        "too many files": (
            [InputFile(f"e{i}.txt", word2vec_text(words, X3)) for i in range(4)],
            Limits(max_import_files=3),
            "more than the 3 allowed",
        ),
        "zip bomb": (
            [InputFile("z.zip", zip_of({"e1.txt": b"0" * (3 * 1024 * 1024)}))],
            Limits(max_uncompressed_mb=1),
            "more than 1 mb once decompressed",
        ),
        "not word2vec": ([InputFile("notes.txt", b"hello world, this is prose\n")], None, "not a word2vec file"),
        "short row": ([InputFile("e.txt", b"2 3\na 1 2 3\nb 1 2\n")], None, "row 2"),
        "long row beside a short one": ([InputFile("e.txt", b"2 3\na 1 2 3 4\nb 1 2\n")], None, "row 1"),
        "a word for a number": ([InputFile("e.txt", b"2 2\na 1 2\nb 1 x\n")], None, "row 2 ('b')"),
        "binary header over the cap": ([InputFile("e.bin", b"1000000000000 300\na " + b"\1" * 1200)], None, "allowed"),
        "NaN": ([InputFile("e.txt", b"2 2\na 1 nan\nb 1 2\n")], None, "nan"),
        "truncated binary": (
            [InputFile("e.bin", b"3 2\na " + np.ones(2, "<f4").tobytes() + b"b " + b"\x01")],
            None,
            "room for 1",
        ),
        "npy without vocabulary": ([InputFile("v.npy", _npy(np.ones((2, 2, 2))))], None, "no vocabulary"),
        "vocabulary of the wrong length": (
            [InputFile("v.npy", _npy(np.ones((2, 3, 2)))), InputFile("vocab.txt", b"a\nb\n")],
            None,
            "row i of the vectors",
        ),
        "two runs in one zip": (
            [InputFile("two.zip", zip_of({"r1/input_vectors.npy": b"x", "r2/input_vectors.npy": b"y"}))],
            None,
            "2 runs",
        ),
        "zip among files": ([InputFile("a.zip", bundle), InputFile("e1.txt", word2vec_text(words, X3))], None, "zip"),
        "one snapshot": (
            [InputFile("v.npy", _npy(np.ones((1, 3, 2)))), InputFile("vocab.txt", b"a\nb\nc\n")],
            None,
            "one snapshot",
        ),
        "nothing shared": (
            [
                InputFile("e1.txt", word2vec_text(["a", "b"], np.ones((2, 2)))),
                InputFile("e2.txt", word2vec_text(["c", "d"], np.ones((2, 2)))),
            ],
            None,
            "share only 0",
        ),
    }


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


CASES = [
    "pickle (.model)",
    "pickle by content",
    "pickle in a zip",
    "object .npy",
    "damaged zip",
    "truncated zip",
    "mismatched dims",
    "file over the cap",
    "values over the cap",
    "too many files",
    "zip bomb",
    "not word2vec",
    "short row",
    "long row beside a short one",
    "a word for a number",
    "binary header over the cap",
    "NaN",
    "truncated binary",
    "npy without vocabulary",
    "vocabulary of the wrong length",
    "two runs in one zip",
    "zip among files",
    "one snapshot",
    "nothing shared",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gives_one_clear_line_and_leaves_nothing(tmp_path, case):
    files, limits, message = bad_inputs(tmp_path)[case]
    out = tmp_path / "runs" / "opened"
    out.parent.mkdir()
    with pytest.raises(EmbedLabError) as error:
        import_run(files, out, limits=limits or Limits())
    text = str(error.value)
    assert "\n" not in text and message in text.lower(), text
    assert_nothing_left(out.parent, out)


def test_a_binary_header_that_lies_is_caught_before_anything_is_allocated():
    with pytest.raises(EmbedLabError, match="says it holds 1,000,000,000,000 rows of 300 numbers but has room for 1"):
        read_word2vec(b"1000000000000 300\na " + b"\1" * 1200, "e.bin")


def test_the_pickle_message_says_how_to_save_instead(tmp_path):
    with pytest.raises(EmbedLabError, match="save_word2vec_format"):
        import_run([InputFile("w2v.model", _gensim_model_bytes(tmp_path))], tmp_path / "out")


def test_a_damaged_bundle_file_is_caught_by_its_checksum(tmp_path):
    original = load_run(small_run(tmp_path))
    entries = {f"r/{name}": (original.path / name).read_bytes() for name in (*FILES, "split.json", "manifest.json")}
    entries["r/metrics.csv"] = entries["r/metrics.csv"].replace(b"2.5", b"2.6")
    with pytest.raises(EmbedLabError, match="metrics.csv differs from its checksum"):
        import_run([InputFile("r.zip", zip_of(entries))], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_existing_output_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("keep me")
    with pytest.raises(EmbedLabError, match="already exists"):
        import_run([InputFile("e.txt", word2vec_text(["a", "b"], np.ones((2, 2))))], tmp_path / "out")
    assert (tmp_path / "out" / "x").read_text() == "keep me"


def test_options_are_checked():
    with pytest.raises(EmbedLabError, match="first epoch"):
        ImportOptions(first_epoch=2).validate()
    with pytest.raises(EmbedLabError, match="max_words"):
        ImportOptions(max_words=1).validate()


def test_the_content_key_follows_names_bytes_and_options():
    a = [InputFile("e1.txt", b"1"), InputFile("e2.txt", b"2")]
    assert content_key(a, ImportOptions()) == content_key(list(a), ImportOptions())
    assert content_key(a, ImportOptions()) != content_key(a, ImportOptions(align=False))
    assert content_key(a, ImportOptions()) != content_key([a[1], a[0]], ImportOptions())
    assert content_key(a, ImportOptions()) != content_key([a[0], InputFile("e2.txt", b"3")], ImportOptions())


def test_config_says_what_the_run_lacks(checkpoints, tmp_path):
    run = import_run(files_of(checkpoints, "epoch*.txt"), tmp_path / "run")
    assert set(run.config["lacks"]) == {"output_vectors.npy", "metrics.csv"}
    assert list(run.metrics.columns) == ["epoch"] and run.output_vectors is None
    assert json.loads((run.path / "config.json").read_text())["trainer"] == "imported"


def test_doctests():
    modules = [getattr(embedlab.importer, name) for name in ("files", "word2vec", "npy", "snapshots", "opening")]
    results = [doctest.testmod(module) for module in modules]
    assert sum(r.failed for r in results) == 0 and sum(r.attempted for r in results) >= 5


# ---------------------------------------------------------------- bundles that lie


def _tampered_bundle(folder: Path, change) -> bytes:
    """A bundle of a small trained run after ``change(files)`` edits its files (name → bytes) and
    before a fresh manifest is written over them: only the checks of the contents can catch it."""
    run = load_run(small_run(folder, V=5, d=3, epochs=2))
    files = {name: (run.path / name).read_bytes() for name in (*FILES, "split.json")}
    config = json.loads(files["config.json"])
    config.update(epochs=2, vocab_size=5, dim=3)
    files["config.json"] = json.dumps(config).encode()
    change(files)
    manifest = {
        name: {"sha256": embedlab.importer.files.sha256_hex(data), "bytes": len(data)} for name, data in files.items()
    }
    if "manifest.json" not in files:
        files["manifest.json"] = json.dumps(manifest).encode()
    return zip_of({f"r/{name}": data for name, data in files.items()})


def _config(**changes):
    def change(files):
        config = json.loads(files["config.json"])
        config.update(changes)
        files["config.json"] = json.dumps(config).encode()

    return change


def _array(name: str, edit):
    def change(files):
        array = np.load(io.BytesIO(files[name]))
        edit(array)
        files[name] = _npy(array)

    return change


def _vocab_words(words: list[str]):
    def change(files):
        files["vocab.tsv"] = ("word\tcount\n" + "".join(f"{w}\t{9 - i}\n" for i, w in enumerate(words))).encode()

    return change


LYING_BUNDLES = {
    "lacks null": (_config(lacks=None), "lacks is null"),
    "lacks a number": (_config(lacks=5), "lacks is 5"),
    "lacks an unknown file": (_config(lacks=["vocab.tsv"]), 'lacks "vocab.tsv"'),
    "manifest a list": (lambda files: files.update({"manifest.json": b"[1, 2]"}), "manifest.json is not an object"),
    "epochs 1000": (_config(epochs=1000), "epochs is 1000"),
    "vocab_size -3": (_config(vocab_size=-3), "vocab_size is -3"),
    "dim a string": (_config(dim="x"), 'dim is "x"'),
    "a NaN setting": (_config(train_options={"lr": float("nan")}), "nan or infinite number"),
    "train_options epochs 0": (_config(train_options={"epochs": 0}), "epochs is 0"),
    "NaN in the vectors": (_array("input_vectors.npy", lambda a: a.__setitem__((1, 2, 0), np.nan)), "epoch 1"),
    "inf in the outputs": (_array("output_vectors.npy", lambda a: a.__setitem__((2, 0, 0), np.inf)), "output_vectors"),
    "a word twice": (_vocab_words(["a", "b", "a", "c", "d"]), "lists 'a' twice"),
    "an empty word": (_vocab_words(["a", "b", " ", "c", "d"]), "empty word"),
    "no words": (
        lambda files: [
            files.update(
                {name: _npy(np.zeros((3, 0, 3), np.float32)) for name in ("input_vectors.npy", "output_vectors.npy")}
            ),
            _vocab_words([])(files),
            _config(vocab_size=1)(files),
            files.update({"config.json": files["config.json"].replace(b'"vocab_size": 1, ', b"")}),
        ],
        "no words",
    ),
}


@pytest.mark.parametrize("case", LYING_BUNDLES)
def test_a_bundle_that_lies_is_refused_in_one_line(tmp_path, case):
    change, message = LYING_BUNDLES[case]
    bundle = _tampered_bundle(tmp_path, change)
    out = tmp_path / "runs" / "opened"
    out.parent.mkdir()
    with pytest.raises(EmbedLabError) as error:
        import_run([InputFile("r.zip", bundle)], out)
    text = str(error.value)
    assert "\n" not in text and message.lower() in text.lower(), text
    assert_nothing_left(out.parent, out)


def test_the_untampered_bundle_of_the_lying_cases_opens(tmp_path):
    run = import_run([InputFile("r.zip", _tampered_bundle(tmp_path, lambda files: None))], tmp_path / "opened")
    assert (run.epochs, len(run.vocab), run.dim) == (2, 5, 3)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"2 2\na 1 2\nb 1 2\nc 3 4\n", "says it holds 2 rows but holds 3"),
        (b"1 2\na " + np.ones(2, "<f4").tobytes() + b"\nb " + np.ones(2, "<f4").tobytes(), "says it holds 1 rows"),
        (b"2 2\na 1 2\nb 1 1e39\n", "too large for float32"),
    ],
    ids=["text header short", "binary header short", "float32 overflow"],
)
def test_a_header_that_undercounts_and_an_overflow_are_refused_without_a_warning(tmp_path, data, message):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's RuntimeWarning would print two lines before the error
        with pytest.raises(EmbedLabError, match=message):
            import_run([InputFile("e.bin" if b"\x00" in data or b"\x80" in data else "e.txt", data)], tmp_path / "o")
    assert not (tmp_path / "o").exists()
