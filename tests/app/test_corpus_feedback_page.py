"""The Corpus page's feedback on a student's own text, its one-click fixes, and the notice every
page showing runs gives while they are not of the current corpus."""

import re
from pathlib import Path

from app_helpers import open_page

from embedlab.text.corpus import Corpus, corpus_from_bytes, load_corpus

NOTE = Path(__file__).resolve().parents[2] / "docs" / "lecture-note" / "SEED.vi.md"


def upload(at, data: bytes, name: str) -> Corpus:
    """What the Corpus page's uploader does with a file (dashboard.corpora.add_upload), in this session."""
    corpus = corpus_from_bytes(data, name)
    at.session_state["uploads"][corpus.sha256] = corpus
    if corpus.markup:
        at.session_state["overviews"][(corpus.sha256, "source")] = (data, name)
    at.session_state["corpus_source"] = corpus.sha256
    at.session_state["corpus_choice"] = corpus.sha256
    return corpus


def shown(text: str) -> str:
    """What a reader sees of widgets.plain(text): the escapes and zero-width spaces gone."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u200b", "")


def warnings(at) -> list[str]:
    return [shown(w.value) for w in at.warning]


def test_the_lecture_note_as_uploaded_is_called_marked_up_and_too_small_and_stripping_fixes_the_markup(app):
    at = app
    upload(at, NOTE.read_bytes(), "SEED.vi.md")
    open_page(at, "pages/corpus.py")
    said = " ".join(warnings(at))
    assert "LaTeX" in said and "mathbf" in said and "too small to show structure" in said
    assert any("the runs learn V =" in shown(c.value) for c in at.caption)  # the vocabulary count explained
    at.button(key="fix_markup").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("SEED.vi.stripped.txt" in shown(s.value) for s in at.success)
    stripped = next(c for c in at.session_state["uploads"].values() if c.name == "SEED.vi.stripped.txt")
    assert at.session_state["corpus_source"] == stripped.sha256
    vocabulary = {w for s in stripped.sentences for w in s}
    assert not {"mathbf", "frac", "mathcal", "partial"} & vocabulary
    assert "LaTeX" not in " ".join(warnings(at))  # the markup warning is gone, the size one stays
    assert "too small to show structure" in " ".join(warnings(at))


def test_lowering_min_count_is_one_click_and_the_page_follows(app):
    at = app
    toy = load_corpus("toy")
    text = "\n".join(" ".join(s) for s in toy.sentences[:100]).encode()
    upload(at, text, "small.txt")
    open_page(at, "pages/corpus.py")
    button = next(b for b in at.button if b.key == "fix_few_words")
    value = int(button.label.split()[-1])
    button.click().run()
    assert at.session_state["settings"].min_count == value
    assert any(f"min_count = {value}" in c.value for c in at.caption)


def test_after_an_upload_every_page_with_runs_says_they_are_not_of_it(app):
    at = app
    upload(at, NOTE.read_bytes(), "my_*notes*.md")
    for page in ("pages/heatmaps.py", "pages/dynamics.py", "pages/lecture.py"):
        open_page(at, page)
        notice = next(w.value for w in at.warning if "The runs shown are still those of" in w.value)
        assert "toy" in notice and r"my\_\*notes\*\.md" in notice  # the file name as text, not markdown
    links = [str(link.proto) for link in at.get("page_link")]
    assert any("train" in link.lower() for link in links), links
