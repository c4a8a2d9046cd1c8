"""The Lecture in two languages with AppTest: ?lang=vi opens it in Vietnamese, the sidebar's
switch turns it into English and back keeping the visitor's runs and page, and under the
pseudo-locale every text of every step comes from the catalog (nothing was left unwrapped)."""

import json
import re

import pytest
from app_helpers import APP, open_page
from streamlit.testing.v1 import AppTest
from test_corpus_feedback_page import upload

from embedlab import i18n
from embedlab.config import CorpusOptions
from embedlab.markup import uninert
from embedlab.teaching import sitemap, tour
from embedlab.text.corpus import corpus_from_bytes
from embedlab.text.prepared import prepare

LEFT, RIGHT = i18n.PSEUDO_MARKS


def elements(block, kinds: tuple[str, ...]) -> list:
    found = []
    for child in getattr(block, "children", {}).values():
        if getattr(child, "type", None) in kinds:
            found.append(child)
        found += elements(child, kinds)
    return found


def step_blocks(at) -> dict:
    anchors = {step.anchor for step in tour.STEPS}
    return {child.key: child for child in at.main.children.values() if getattr(child, "key", None) in anchors}


def opened(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_lang_vi_opens_the_lecture_in_vietnamese_on_toy_vi_and_the_switch_keeps_the_runs():
    at = opened({"lang": "vi"})
    assert at.session_state["corpus_source"] == "toy-vi"  # a Vietnamese visitor starts on the Vietnamese toy
    with i18n.use("vi"):
        vietnamese = tour.steps()
        assert at.header[0].value == tour.title()
    blocks = step_blocks(at)
    assert [b.key for b in blocks.values()] == [s.anchor for s in vietnamese]
    first = elements(blocks[vietnamese[0].anchor], ("subheader",))[0].value
    assert first == vietnamese[0].heading and first != tour.STEPS[0].heading
    notes = [m.value for m in elements(at.main, ("markdown",)) if m.value.startswith("**Trong các lần chạy này**")]
    assert len(notes) == len(tour.STEPS) and any(re.search(r"\d,\d", n) for n in notes)  # decimal commas
    runs_before = list(at.session_state["runs"])

    at.radio(key="language_switch").set_value("en").run()
    assert not at.exception
    assert at.query_params["lang"] == ["en"] or at.query_params["lang"] == "en"  # a shared link keeps English
    assert at.header[0].value == tour.TITLE
    assert elements(step_blocks(at)[tour.STEPS[0].anchor], ("subheader",))[0].value == tour.STEPS[0].heading
    assert list(at.session_state["runs"]) == runs_before  # the same runs, not trained again

    # AppTest's tree has no sidebar after a rerun (Streamlit's navigation), so the way back goes
    # through the choice the switch's callback stores
    at.session_state["language_choice"] = "vi"
    at.run()
    assert at.header[0].value == "Bài giảng, chạy trực tiếp"
    assert list(at.session_state["runs"]) == runs_before


def marked(text: str) -> bool:
    return LEFT in text and RIGHT in text


def test_under_the_pseudo_locale_every_text_of_every_step_comes_from_the_catalog():
    at = opened({"lang": i18n.PSEUDO})
    assert marked(at.header[0].value)
    blocks = step_blocks(at)
    assert len(blocks) == len(tour.STEPS)
    unmarked = []
    for anchor, block in blocks.items():
        for element in elements(block, ("subheader", "markdown", "caption", "info")):
            if not marked(element.value):
                unmarked.append((anchor, element.type, element.value[:80]))
        for latex in elements(block, ("latex",)):
            if "\\text{" in latex.value and not marked(latex.value):
                unmarked.append((anchor, "latex", latex.value[:80]))
        for link in elements(block, ("page_link",)):
            if not marked(link.proto.label):
                unmarked.append((anchor, "page_link", link.proto.label))
        for chart in elements(block, ("vega_lite_chart",)):
            spec = json.loads(chart.proto.spec)
            titles = [spec.get("title")] if isinstance(spec.get("title"), str) else []
            for layer in spec.get("layer", [spec]):
                for channel in ("x", "y"):
                    title = layer.get("encoding", {}).get(channel, {}).get("title")
                    if isinstance(title, str) and title.strip():
                        titles.append(title)
            unmarked += [(anchor, "chart", t) for t in titles if not marked(t)]
    assert not unmarked, unmarked


def test_cached_charts_keep_one_copy_per_language():
    """A chart cached for an English visitor is not served to a Vietnamese one (its titles differ)."""
    from dashboard.language import keyed_by_language

    calls = []

    @keyed_by_language
    def chart(path: str, language: str = "en") -> dict:
        calls.append((path, language))
        return i18n.localise_spec({"title": i18n.gettext("mean ‖v‖", language)}, language)

    with i18n.use("vi"):
        vietnamese = chart("run")
    english = chart("run")
    assert calls == [("run", "vi"), ("run", "en")]
    assert vietnamese["title"] == "‖v‖ trung bình" and english["title"] == "mean ‖v‖"
    assert vietnamese["config"]["locale"]["number"]["decimal"] == "," and "config" not in english


@pytest.fixture(scope="module")
def vietnamese_app() -> AppTest:
    return opened({"lang": "vi"})


@pytest.mark.parametrize("page", [path for path, _, _ in sitemap.PAGES], ids=lambda path: path[6:-3])
def test_every_page_draws_in_vietnamese(vietnamese_app, page):
    """Each page runs through its Vietnamese text (a translation whose {field:spec} fails would raise
    here and nowhere in English) and its heading is the catalog's."""
    at = vietnamese_app
    at.switch_page(page).run(timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    assert at.header[0].value in set(i18n.catalog("vi").values())
    assert not at.error, [e.value for e in at.error]


def test_a_word_typed_without_diacritics_is_added_as_the_vocabularys_word():
    """On toy-vi's runs, a planted word typed without diacritics and with a space ("cong chua")
    in the Heatmaps picker adds the vocabulary's own word (công_chúa); "zzz" is said back, not added."""
    from embedlab.text.lookup import fold

    at = open_page(opened({"lang": "vi"}), "pages/heatmaps.py")
    kept = list(at.multiselect[0].value)[:3]
    word = next(w for w in ("công_chúa", "nữ_hoàng", "đàn_ông", "phụ_nữ") if w not in kept)
    typed = fold(word).replace("_", " ")
    assert typed != word and typed.isascii()
    at.multiselect[0].set_value([*kept, typed, "zzz"]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect[0].value == [*kept, word]
    said = " ".join(c.value for c in at.caption)
    assert "zzz" in said and typed not in said


def test_an_error_raised_inside_a_job_is_said_in_the_visitors_language():
    """A job runs in a worker thread, which starts in English: the sweep's refusal of a corpus with
    no held-out pairs reached a Vietnamese visitor in English."""
    at = opened({"lang": "vi"})
    upload(at, ("con mèo ngồi trên cái ghế nhỏ\n" * 60).encode(), "mèo.txt")  # one line: no held-out pair
    at = open_page(at, "pages/bias_variance.py")
    at.text_input(key="bv_dims").set_value("2,4")
    at.number_input(key="bv_runs").set_value(2)
    at.number_input(key="bv_epochs").set_value(2)
    next(b for b in at.button if b.label == i18n.gettext("Run the sweep", "vi")).click().run(timeout=120)
    errors = [uninert(e.value) for e in at.error]
    said = i18n.gettext("the held-out sentences give no (centre, context) pairs; raise the held-out fraction.", "vi")
    assert said != "the held-out sentences give no (centre, context) pairs; raise the held-out fraction."
    assert said in errors, errors


def test_a_corpus_without_held_out_pairs_is_explained_on_the_corpus_page():
    """One sentence repeated: nothing can be held out. The Corpus page says so (the Lecture points
    there, see tests/test_lecture.py)."""
    data = ("the cat sat on the small red mat\n" * 60).encode()
    at = opened()
    upload(at, data, "cat.txt")
    at = open_page(at, "pages/corpus.py")
    warnings = " ".join(uninert(w.value) for w in at.warning)
    assert "could be held out" in warnings and "cat.txt" in warnings
    corpus = corpus_from_bytes(data, "cat.txt")
    assert prepare(corpus, CorpusOptions(source="cat.txt")).heldout_note() is not None
