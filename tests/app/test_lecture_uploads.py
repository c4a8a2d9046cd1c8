"""The Lecture's §3 check on runs trained on a visitor's upload: rebuilt from the upload the
visitor holds, measured again once they hold it, and its reasons in the visitor's language."""

from __future__ import annotations

import json
import shutil

from dashboard import lecture as steps
from embedlab.markup import uninert
from embedlab.store import load_run
from embedlab.text.corpus import load_corpus
from embedlab.train.training import SHIPPED_RUNS


def test_section_3_measures_again_once_the_visitor_holds_the_upload_and_speaks_their_language(tmp_path, monkeypatch):
    shipped = next(p for p in sorted(SHIPPED_RUNS.iterdir()) if load_run(p).corpus_name == "toy")
    run_dir = tmp_path / "upload-run"
    shutil.copytree(shipped, run_dir)
    config = json.loads((run_dir / "config.json").read_text())
    config["corpus_options"]["source"] = "mine.txt"  # what a run trained on an upload records
    (run_dir / "config.json").write_text(json.dumps(config))
    monkeypatch.setattr(steps, "run_at", load_run)  # the page's cached reader, without a server
    toy = load_corpus("toy")  # the same text the visitor uploaded as mine.txt
    assert toy.sha256 == config["corpus"]["sha256"]
    corpora = {toy.sha256: toy}
    paths = (("NumPy softmax", str(run_dir)),)

    # first without the upload (an opened bundle, or an upload dropped), then with it
    without = steps.measure("geometry", paths, "king", "en", steps.held({}), {})
    assert without.frame is None and "not one of this session's uploads" in uninert(without.note)
    held = steps.measure("geometry", paths, "king", "en", steps.held(corpora), corpora)
    assert held.frame is not None and "is not checked" not in held.note
    assert set(held.frame["trainer"]) == {"NumPy softmax"}
    # the same file read as words would rebuild another objective: another key
    assert steps.held(corpora) != (("0" * 64, "words"),) and steps.held(corpora) == ((toy.sha256, "syllables"),)
    # the reason is cached per language: a Vietnamese visitor reads it in Vietnamese
    vi = steps.measure("geometry", paths, "king", "vi", steps.held({}), {})
    assert "không thuộc các tệp đã tải lên" in uninert(vi.note) and "uploads" not in vi.note
