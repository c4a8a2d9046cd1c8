"""Every page under the pseudo-locale (``?lang=qps``: each catalog string shown between ⟦ ⟧):
a visible text outside the marks never went through the catalog, so a Vietnamese visitor would
read it in English.

What is read: every heading, paragraph, caption and alert; every widget's label, help, placeholder
and options; expander and tab labels; metric labels and values; chart titles and axis and legend
titles; table column headers; the ``\\text{…}`` parts of formulas.

What may stand outside the marks, and nothing else (the rule in :func:`untranslated`):
- numbers, punctuation and symbols, and one-letter names (d, V, k, η): what is left must hold no
  word of two letters or more;
- formulas: LaTeX apart from its ``\\text{…}`` (a formula from the catalog is marked whole), and
  Markdown's ``$…$``;
- code and addresses: Markdown's `` `…` `` spans, link targets ``](…)``, ``http(s)://`` URLs and
  Streamlit's icon shortcodes (``:material/…:``);
- the visitor's data: this session's run labels and run ids and the corpora's names anywhere in a
  text; a vocabulary word only as a whole text (a picker's option, a table column named after it);
- a column of a run's ``metrics.csv`` as a table's header (the file's own names, PRODUCT.md);
- the name EmbedLab, and the language switch, which reads the same in both languages on purpose.

Pages not translated yet are listed in PENDING (none now) and expected to fail: the test then fails as soon as
one of them is clean, so that it moves out of the list.
"""

from __future__ import annotations

import json
import re

import pytest
from app_helpers import APP
from streamlit.testing.v1 import AppTest

from embedlab import i18n
from embedlab.config import BUILTIN_CORPORA
from embedlab.store import load_run
from embedlab.teaching import sitemap

LEFT, RIGHT = i18n.PSEUDO_MARKS
# Pages whose text is still being put through the catalog: each fails here until it is done.
PENDING: set[str] = set()
TEXT_ELEMENTS = {
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "text",
    "info",
    "success",
    "warning",
    "error",
}
SAME_IN_EVERY_LANGUAGE = {"EmbedLab"}
SWITCH_KEY = "language_switch"  # dashboard.language.switch: "Language · Ngôn ngữ", English / Tiếng Việt

ICON = re.compile(r":material/[a-z0-9_]+:")  # Streamlit's icon shortcodes
CODE = re.compile(r"`[^`]*`")
INLINE_MATHS = re.compile(r"(?<!\\)\$[^$]+\$")
URL = re.compile(r"https?://\S+")
LINK_TARGET = re.compile(r"\]\([^)\s]*\)")  # [text](#anchor): the text is read, the target is not
WORD = re.compile(r"[^\W\d_]{2,}")
LATEX_TEXT = re.compile(r"\\text\{([^{}]*)\}")
ESCAPE = re.compile(r"\\(?=[^\w\s]|_)")  # markup.inert's backslashes before marks


def nodes(block) -> list:
    found = []
    for child in getattr(block, "children", {}).values():
        found.append(child)
        found += nodes(child)
    return found


def chart_titles(spec: dict) -> list[str]:
    """The title of a Vega-Lite spec and of every encoding channel, its axis and its legend, in
    every layer, concat and facet."""
    titles = []

    def title_text(title) -> list[str]:
        if isinstance(title, str):
            return [title]
        if isinstance(title, dict):
            return title_text(title.get("text"))
        if isinstance(title, list):
            return [t for t in title if isinstance(t, str)]
        return []

    def visit(part) -> None:
        if isinstance(part, dict):
            titles.extend(title_text(part.get("title")))
            for channel in (part.get("encoding") or {}).values():
                for item in channel if isinstance(channel, list) else [channel]:
                    if isinstance(item, dict):
                        titles.extend(title_text(item.get("title")))
                        for sub in ("axis", "legend", "header"):
                            if isinstance(item.get(sub), dict):
                                titles.extend(title_text(item[sub].get("title")))
            for key in ("layer", "hconcat", "vconcat", "concat", "spec"):
                value = part.get(key)
                for sub in value if isinstance(value, list) else [value]:
                    visit(sub)

    visit(spec)
    return titles


def visible_texts(block) -> list[tuple[str, str, bool]]:
    """(element type, text, is_header) for every text a visitor reads in ``block``."""
    found = []
    for node in nodes(block):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind in TEXT_ELEMENTS:
            found.append((kind, node.value, False))
        elif kind == "latex":
            # a formula from the catalog is marked whole; one that is not may still hold no words
            found += [(kind, text, False) for text in LATEX_TEXT.findall(outside_marks(node.value))]
        elif kind == "vega_lite_chart":
            found += [(kind, title, False) for title in chart_titles(json.loads(proto.spec))]
        elif kind == "dataframe":
            columns = node.value.columns
            names = [n for c in columns for n in (c if isinstance(c, tuple) else (c,))]
            found += [(kind, str(name), True) for name in names if str(name)]
        elif kind in ("expander", "tab"):
            found.append((kind, node.label, False))
        elif proto is not None and getattr(node, "key", None) != SWITCH_KEY:
            for field in ("label", "help", "placeholder", "body"):
                text = getattr(proto, field, None)
                if isinstance(text, str) and text:
                    found.append((f"{kind}.{field}", text, False))
            for option in getattr(proto, "options", ()):
                text = option if isinstance(option, str) else getattr(option, "content", "")
                if text:
                    found.append((f"{kind}.option", text, False))
    return found


def outside_marks(text: str) -> str:
    """``text`` without its marked parts; marks nest (a translated word inside a translated sentence)."""
    kept, depth = [], 0
    for char in text:
        if char == LEFT:
            depth += 1
        elif char == RIGHT and depth:
            depth -= 1
            kept.append(" ")
        elif not depth:
            kept.append(char)
    return "".join(kept)


def untranslated(text: str, data: dict[str, set[str]], is_header: bool = False) -> list[str]:
    """The words of ``text`` that stand outside the pseudo-locale's marks and are none of the
    things the module's docstring lets stand there."""
    plain = ESCAPE.sub("", text).strip()
    if plain in data["words"] or plain in SAME_IN_EVERY_LANGUAGE or (is_header and plain in data["columns"]):
        return []
    rest = outside_marks(text)
    for pattern in (LINK_TARGET, CODE, INLINE_MATHS, URL, ICON):
        rest = pattern.sub(" ", rest)
    rest = ESCAPE.sub("", rest)
    for name in sorted(data["names"], key=len, reverse=True):  # longest first: a label holds its corpus's name
        rest = rest.replace(name, " ")
    return WORD.findall(rest)


@pytest.fixture(scope="module")
def pseudo_app(run_cache):
    """The app opened once with ``?lang=qps``; each test switches it to its page."""
    with pytest.MonkeyPatch.context() as patch:  # the autouse cache fixture is per test
        patch.setenv("EMBEDLAB_CACHE_DIR", str(run_cache))
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params["lang"] = i18n.PSEUDO
        at.run(timeout=300)
        assert not at.exception, [e.value for e in at.exception]
        yield at


def session_data(at: AppTest) -> dict[str, set[str]]:
    """What of the visitor's data the pages may show as it is: run labels and ids, corpus names,
    vocabulary words, the runs' metrics.csv columns."""
    names, words, columns = set(BUILTIN_CORPORA), set(), set()
    for record in at.session_state["runs"]:
        names |= {record.label, record.corpus}
        for path in record.paths.values():
            run = load_run(path)
            names.add(run.run_id)
            words |= set(run.vocab.words)
            columns |= {str(c) for c in run.metrics.columns}
    return {"names": {n for n in names if n}, "words": words, "columns": columns}


def page_params():
    for path, _, _ in sitemap.PAGES:
        marks = (
            [pytest.mark.xfail(strict=True, raises=AssertionError, reason="not translated yet")]
            if path in PENDING
            else []
        )
        yield pytest.param(path, marks=marks, id=path.removeprefix("pages/").removesuffix(".py"))


@pytest.mark.parametrize("page", list(page_params()))
def test_every_visible_text_of_the_page_comes_from_the_catalog(pseudo_app, page):
    at = pseudo_app
    at.switch_page(page).run(timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    texts = visible_texts(at.main) + visible_texts(at.sidebar)
    assert len(texts) > 5  # the walk reached the page
    assert at.session_state["language_choice"] == i18n.PSEUDO
    data = session_data(at)
    unmarked = [
        (kind, text[:100], words[:5]) for kind, text, header in texts if (words := untranslated(text, data, header))
    ]
    assert not unmarked, unmarked


def test_the_rule_finds_english_outside_the_marks_and_lets_data_stand():
    data = {"names": {"toy · d=50 · 20 epochs", "toy"}, "words": {"king", "học_sinh"}, "columns": {"heldout_loss"}}
    assert untranslated("Current runs:", data) == ["Current", "runs"]
    assert untranslated(f"{LEFT}Epoch{RIGHT}: 12", data) == []
    assert untranslated(f"{LEFT}Epoch{RIGHT} of the king", data) == ["of", "the", "king"]  # a word only alone
    assert untranslated("king", data) == [] and untranslated("học\\_sinh", data) == []
    assert untranslated("toy · d=50 · 20 epochs", data) == []
    assert untranslated("V = 291 · d = 50, η = 0.025", data) == []
    assert untranslated("run `python -m embedlab export` at https://example.org/a now", data) == ["run", "at", "now"]
    assert untranslated("$\\eta$ decays", data) == ["decays"]
    assert untranslated(f"[§1 {LEFT}A word{RIGHT}](#lecture-embeddings)", data) == []
    assert untranslated(f"{LEFT}A {LEFT}nested{RIGHT} sentence{RIGHT} and after", data) == ["and", "after"]
    assert untranslated(f":material/add_circle: {LEFT}Tick it{RIGHT}", data) == []
    assert untranslated("heldout_loss", data, is_header=True) == []
    assert untranslated("heldout_loss", data) == ["heldout", "loss"]


def marked_label(text: str) -> str:
    return f"{LEFT}{text}{RIGHT}"


@pytest.mark.slow  # a small sweep, stability over two seeds and a fine-tuning: real trainings
def test_after_a_sweep_stability_and_fine_tuning_every_text_still_comes_from_the_catalog(monkeypatch):
    """What the Bias–variance and Fine-tune pages show only once they have run: the verdict, the
    metrics, the tables, the forgetting note and the drift charts."""
    from dashboard import server

    monkeypatch.setenv("EMBEDLAB_TRAINING_SLOTS", "1")
    server.scheduler.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params["lang"] = i18n.PSEUDO
        at.run(timeout=300)
        at.switch_page("pages/bias_variance.py").run(timeout=300)
        at.text_input(key="bv_dims").set_value("2,4")
        at.number_input(key="bv_runs").set_value(2)
        at.number_input(key="bv_epochs").set_value(1)
        next(b for b in at.button if b.label == marked_label("Run the sweep")).click()
        at.run(timeout=600)
        at.number_input(key="st_seeds").set_value(2)
        at.number_input(key="st_epochs").set_value(1)
        next(b for b in at.button if b.label == marked_label("Train the seeds and compare")).click()
        at.run(timeout=600)
        assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
        assert at.session_state["bv_sweep"] is not None and at.session_state["bv_stability"] is not None
        texts = visible_texts(at.main)
        data = session_data(at)
        data["columns"] |= set(at.session_state["bv_sweep"]["table"].columns)  # bias_variance.csv's own names
        data["columns"] |= set(at.session_state["bv_stability"]["table"].columns)
        data["names"] |= {at.session_state["bv_sweep"]["label"], at.session_state["bv_stability"]["label"]}

        at.switch_page("pages/finetune.py").run(timeout=300)
        next(n for n in at.number_input if n.label == marked_label("fine-tuning epochs")).set_value(1)
        next(b for b in at.button if b.label == marked_label("Fine-tune both trainers")).click()
        at.run(timeout=600)
        assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
        assert any(marked_label("words that moved most") == t for _, t, _ in visible_texts(at.main))
        texts += visible_texts(at.main)
        data = {key: values | session_data(at)[key] for key, values in data.items()}
    finally:
        server.scheduler().shutdown()
        server.scheduler.clear()
    unmarked = [
        (kind, text[:100], words[:5]) for kind, text, header in texts if (words := untranslated(text, data, header))
    ]
    assert not unmarked, unmarked
