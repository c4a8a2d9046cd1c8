"""A Vietnamese upload on the Corpus page: segmented into words in a job, a double-encoded file
repaired, and the page says both (the visitor's words as plain text)."""

from pathlib import Path

from app_helpers import open_page

GOLD = Path(__file__).resolve().parents[1] / "data" / "vi_words_gold.txt"


def plain_text() -> str:
    lines = [
        line for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")
    ]
    return "\n".join(line.replace("_", " ") for line in lines) + "\n"


def texts(at) -> str:
    return "\n".join(str(element.value) for kind in ("text", "info", "caption", "success") for element in at.get(kind))


def test_a_double_encoded_vietnamese_upload_is_repaired_and_segmented_into_words(app, monkeypatch, tmp_path):
    monkeypatch.setenv("EMBEDLAB_CACHE_DIR", str(tmp_path))  # nothing segmented before: the job runs
    at = open_page(app, "pages/corpus.py")
    assert at.radio[0].label == "Corpus" and at.radio[1].value == "auto"  # words for Vietnamese, by default
    broken = plain_text().encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")  # "Há»\ufffdc sinh"
    at.file_uploader[0].set_value(("lớp học.txt", broken, "text/plain")).run(timeout=180)
    assert not at.exception and not at.error, [e.value for e in at.error]
    corpus = at.session_state["uploads"][at.session_state["corpus_source"]]
    words = {w for sentence in corpus.sentences for w in sentence}
    assert {"học_sinh", "bác_sĩ", "hà_nội"} <= words  # repaired, then segmented
    assert corpus.repair.lines_repaired == len(corpus.sentences) and corpus.segmentation.applied == "words"
    assert corpus.segmentation.seconds > 0  # segmented now, in the job (run_as_job), not read from a cache
    shown = texts(at)
    assert "double-encoded" in shown and "before: " in shown and "after:  " in shown
    assert "words of several syllables" in shown and "học sinh" in shown  # shown with a space
    assert "Detected: Vietnamese" in shown


def test_syllables_as_written_keeps_todays_tokens(app):
    at = open_page(app, "pages/corpus.py")
    at.radio[1].set_value("syllables").run()
    at.file_uploader[0].set_value(("lớp.txt", plain_text().encode(), "text/plain")).run(timeout=60)
    assert not at.exception and not at.error
    corpus = at.session_state["uploads"][at.session_state["corpus_source"]]
    assert not any("_" in w for sentence in corpus.sentences for w in sentence)
    assert corpus.segmentation.applied == "syllables"
