"""Export: the every-epoch Projector bundle round-trips (V × d numbers per tensor, every epoch in
the config), is written atomically, and its download is bounded by the Limits."""

import io
import json
import zipfile

import numpy as np
import pytest

from embedlab.config import Limits
from embedlab.errors import EmbedLabError
from embedlab.export import check_projector_size, export, most_projector_words, projector_files, projector_zip
from embedlab.store import RunWriter, load_run
from embedlab.text.builtin_corpora import planted_groups
from embedlab.text.vocab import Vocabulary


@pytest.fixture
def run(tmp_path):
    """A small run on words of the toy corpus (so some have a planted group), 12 epochs."""
    groups = planted_groups("toy")
    words = [*groups["royalty"][:3], "the", "of", *groups["animals"][:2]]
    counts = [90, 80, 70, 500, 400, 20, 10]
    order = np.argsort(-np.array(counts), kind="stable")
    vocab = Vocabulary.from_words([words[i] for i in order], np.array(counts)[order])
    epochs, dim = 12, 3
    snapshots = np.random.default_rng(0).normal(size=(epochs + 1, len(vocab), dim)).astype(np.float32)
    with RunWriter(tmp_path / "run", epochs, len(vocab), dim) as writer:
        for epoch in range(epochs + 1):
            writer.write_snapshot(epoch, snapshots[epoch], snapshots[epoch])
        config = {"trainer": "numpy", "corpus": {"name": "toy"}}
        writer.finish(config, vocab, [{"epoch": e} for e in range(epochs + 1)])
    return load_run(tmp_path / "run")


def read_tensor(data: bytes) -> np.ndarray:
    return np.loadtxt(io.BytesIO(data), delimiter="\t", ndmin=2)


def test_projector_all_round_trips_every_epoch(run, tmp_path):
    written = export(run, 0, "projector-all", tmp_path / "proj")
    folder = tmp_path / "proj"
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(p.name for p in written)
    assert names == [*[f"epoch_{e:02d}.tsv" for e in range(13)], "metadata.tsv", "projector_config.json"]
    config = json.loads((folder / "projector_config.json").read_text(encoding="utf-8"))
    embeddings = config["embeddings"]
    assert [e["tensorPath"] for e in embeddings] == [f"epoch_{e:02d}.tsv" for e in range(13)]
    assert [e["tensorName"] for e in embeddings] == [f"{run.run_id} · epoch {e}" for e in range(13)]
    V, d = len(run.vocab), run.dim
    for epoch, entry in enumerate(embeddings):
        assert entry["tensorShape"] == [V, d] and entry["metadataPath"] == "metadata.tsv"
        tensor = read_tensor((folder / entry["tensorPath"]).read_bytes())
        assert tensor.shape == (V, d)  # V × d numbers, nothing else
        np.testing.assert_allclose(tensor, run.input_vectors[epoch], rtol=1e-5, atol=1e-6)
    lines = (folder / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "word\tcount\tgroup\tband" and len(lines) == V + 1
    rows = dict((line.split("\t")[0], line.split("\t")[1:]) for line in lines[1:])
    assert rows["the"] == ["500", "other", "ranks 1–10"]
    assert rows["king"][1] == "royalty" and rows[run.vocab.words[-1]][1] == "animals"


def test_most_frequent_words_only_and_a_url_prefix(run):
    files = dict(projector_files(run, max_words=2, url_prefix="https://example.org/p/"))
    assert files["metadata.tsv"].decode().splitlines()[1:] == [
        "the\t500\tother\tranks 1–10",
        "of\t400\tother\tranks 1–10",
    ]
    np.testing.assert_allclose(read_tensor(files["epoch_05.tsv"]), run.input_vectors[5][:2], rtol=1e-5, atol=1e-6)
    entry = json.loads(files["projector_config.json"])["embeddings"][5]
    assert entry["tensorShape"] == [2, 3]
    assert entry["tensorPath"] == "https://example.org/p/epoch_05.tsv"
    assert entry["metadataPath"] == "https://example.org/p/metadata.tsv"


def test_the_zip_holds_the_same_files_in_one_folder(run):
    with zipfile.ZipFile(io.BytesIO(projector_zip(run, max_words=4))) as bundle:
        contents = {name: bundle.read(name) for name in bundle.namelist()}
    expected = {f"{run.run_id}-projector/{name}": data for name, data in projector_files(run, max_words=4)}
    assert contents == expected


def test_a_download_bigger_than_the_limit_is_refused_with_what_to_do(run):
    values = 13 * len(run.vocab) * run.dim
    check_projector_size(run, None, Limits(max_projector_values=values))
    with pytest.raises(EmbedLabError, match=r"choose at most 6 words.*projector-all"):
        check_projector_size(run, None, Limits(max_projector_values=values - 1))
    assert most_projector_words(run, Limits(max_projector_values=values - 1)) == 6  # 6 × 3 × 13 = 234 numbers
    check_projector_size(run, 6, Limits(max_projector_values=values - 1))


def test_the_folder_appears_whole_or_not_at_all(run, tmp_path, monkeypatch):
    import embedlab.export as export_module

    def failing(*args, **kwargs):
        yield "metadata.tsv", b"word\n"
        raise OSError("disk full")

    monkeypatch.setattr(export_module, "projector_files", failing)
    with pytest.raises(EmbedLabError, match=r"cannot write .*proj \(disk full\)"):
        export(run, 0, "projector-all", tmp_path / "proj")
    assert list(tmp_path.iterdir()) == [tmp_path / "run"]  # no folder, no temporary left behind


def test_bad_requests_are_one_line_errors(run, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("x")
    with pytest.raises(EmbedLabError, match="already exists"):
        export(run, 0, "projector-all", tmp_path / "taken")
    with pytest.raises(EmbedLabError, match="at least 1"):
        export(run, 0, "projector-all", tmp_path / "new", max_words=0)
    with pytest.raises(EmbedLabError, match="projector-all"):
        export(run, 0, "tsne", tmp_path / "new")
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("fmt", ["word2vec", "bundle"])
def test_an_existing_file_is_refused_and_replaced_only_with_force(run, tmp_path, fmt):
    target = tmp_path / "out.file"
    target.write_text("keep me")
    with pytest.raises(EmbedLabError, match="already exists.*--force"):
        export(run, 1, fmt, target)
    assert target.read_text() == "keep me"
    assert export(run, 1, fmt, target, force=True) == [target]
    assert target.read_bytes() != b"keep me" and target.stat().st_size > 100


def test_projector_refuses_a_folder_that_is_not_empty_without_force(run, tmp_path):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "notes.txt").write_text("mine")
    with pytest.raises(EmbedLabError, match="not empty.*--force"):
        export(run, 2, "projector", tmp_path / "proj")
    assert sorted(p.name for p in (tmp_path / "proj").iterdir()) == ["notes.txt"]
    export(run, 2, "projector", tmp_path / "proj", force=True)
    assert (tmp_path / "proj" / "notes.txt").read_text() == "mine"
    np.testing.assert_allclose(
        read_tensor((tmp_path / "proj" / "vectors.tsv").read_bytes()), run.input_vectors[2], atol=1e-5
    )


@pytest.mark.parametrize("fmt", ["word2vec", "bundle", "projector", "projector-all"])
def test_every_file_system_error_is_one_line(run, tmp_path, fmt):
    (tmp_path / "a-file").write_text("x")
    places = {
        "a path through a file": tmp_path / "a-file" / "out",
        "the root folder": "/",
        "a folder for a file": tmp_path,
    }
    for where, out in places.items():
        if fmt.startswith("projector") and where == "a folder for a file":
            continue
        with pytest.raises(EmbedLabError) as error:
            export(run, 1, fmt, out, force=where != "the root folder")
        assert "\n" not in str(error.value), where
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "run"]


@pytest.mark.parametrize(
    "prefix", ["javascript:alert(1)//", " JavaScript:x/", "data:text/html,<b>", "file:///etc/", "http://a/\n"]
)
def test_a_url_prefix_that_is_not_a_web_address_is_refused(run, tmp_path, prefix):
    with pytest.raises(EmbedLabError, match="url-prefix"):
        export(run, 0, "projector-all", tmp_path / "proj", url_prefix=prefix)
    with pytest.raises(EmbedLabError, match="url-prefix"):
        projector_zip(run, url_prefix=prefix)
    assert not (tmp_path / "proj").exists()


def test_word2vec_text_keeps_the_runs_row_order_not_the_counts(tmp_path):
    """A fine-tuned run keeps the parent's rows and counts the second corpus: its export must
    not reorder the words by the second corpus's counts."""
    from embedlab.export import word2vec_text

    words, counts = ["king", "queen", "the", "mathbf"], [50, 40, 30, 900]  # rows as the parent ordered them
    vocab = Vocabulary.from_words(words, counts)
    vectors = np.arange(2 * 4 * 2, dtype=np.float32).reshape(2, 4, 2)
    with RunWriter(tmp_path / "ft", 1, 4, 2) as writer:
        for epoch in range(2):
            writer.write_snapshot(epoch, vectors[epoch], vectors[epoch])
        writer.finish({"trainer": "gensim", "corpus": {"name": "b"}}, vocab, [{"epoch": 0}, {"epoch": 1}])
    lines = word2vec_text(load_run(tmp_path / "ft"), 1).decode().splitlines()
    assert lines[0] == "4 2"
    assert [line.split()[0] for line in lines[1:]] == words
    assert [float(x) for x in lines[4].split()[1:]] == vectors[1, 3].tolist()
