"""The interface's languages: the catalog covers every message in the code, Vietnamese numbers
agree with Babel's CLDR data, each visitor's language stays their own across threads, the
catalog compiles itself when it changes, and the Lecture says the same numbers in both
languages in the lecture note's own words."""

from __future__ import annotations

import ast
import doctest
import re
import string
import threading
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

import embedlab.i18n as i18n
import embedlab.teaching.glossary as glossary
import embedlab.teaching.lecture as lecture
import embedlab.teaching.lecture_experiments as lecture_experiments
import embedlab.teaching.sitemap as sitemap
import embedlab.teaching.tour as tour
from embedlab.runs.analysis import separation_over_epochs
from embedlab.store import load_run
from embedlab.text.builtin_corpora import planted_groups
from embedlab.train.training import SHIPPED_RUNS

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["embedlab", "dashboard", "pages", "app.py", "ui.py"]
TRANSLATORS = {"_", "N_", "gettext", "ngettext"}


def python_files() -> list[Path]:
    files = []
    for name in SOURCES:
        path = ROOT / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
    return files


def messages_in_code() -> dict[str, list[str]]:
    """msgid → where it is, from every call of a translation function with a literal first
    argument (an AST walk, independent of Babel's extractor)."""
    found: dict[str, list[str]] = {}
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name not in TRANSLATORS:
                continue
            first = node.args[0]
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            assert not isinstance(first, ast.JoinedStr), f"{where}: an f-string cannot be translated"
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, []).append(where)
                if name == "ngettext" and isinstance(node.args[1], ast.Constant):
                    found.setdefault(node.args[1].value, []).append(where)
    return found


# ---------------------------------------------------------------- the catalog


def test_every_message_in_the_code_has_a_vietnamese_translation():
    messages = messages_in_code()
    assert len(messages) > 150  # the walk found the Lecture, the menu and the charts
    compiled = i18n.catalog("vi")
    plural = {key[0] for key, text in compiled.items() if isinstance(key, tuple) and text}  # ngettext's singulars
    with open(i18n.po_path("vi"), "rb") as source:  # … and their plural msgids, which the .mo does not key
        plural |= {m.id[1] for m in read_po(source) if isinstance(m.id, tuple) and m.id[0] in plural}
    missing = {msgid: where for msgid, where in messages.items() if not compiled.get(msgid) and msgid not in plural}
    assert not missing, f"messages without a Vietnamese translation (pybabel update, then translate): {missing}"


def test_babel_extracts_the_same_messages_as_the_ast_walk():
    """The pybabel workflow (babel.cfg) sees every message the test above checks."""
    extracted = set()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            for _file, _line, message, _comments, _context in extract_from_dir(str(path)):
                extracted.update([message] if isinstance(message, str) else message)
    for name in ("app.py", "ui.py"):
        if (ROOT / name).exists():
            from babel.messages.extract import extract_from_file

            for _line, message, _comments, _context in extract_from_file("python", str(ROOT / name)):
                extracted.update([message] if isinstance(message, str) else message)
    assert set(messages_in_code()) <= extracted


def test_a_percentage_follows_its_number_without_a_space_in_both_languages():
    """English writes 95%, and so does CLDR's Vietnamese (the "{:.0%}" numbers of both languages
    come out so): a message that writes "95 %" by hand reads unlike the numbers beside it."""
    spaced = re.compile(r"(\d|\})\s%")
    english = [msgid for msgid in messages_in_code() if spaced.search(msgid)]
    with open(i18n.po_path("vi"), "rb") as source:
        vietnamese = [m.string for m in read_po(source) if isinstance(m.string, str) and spaced.search(m.string)]
    assert english == [] and vietnamese == []
    assert (
        format_percent(0.95, locale="en") == "95%" == i18n.number(0.95, ".0%", "en") == i18n.number(0.95, ".0%", "vi")
    )


def test_the_catalog_has_no_fuzzy_entries_and_keeps_every_placeholder():
    with open(i18n.po_path("vi"), "rb") as source:
        catalog = read_po(source)
    entries = [message for message in catalog if message.id]
    assert not [m.id for m in entries if m.fuzzy], "fuzzy entries are not compiled: translate them"
    for message in entries:
        if "\\" in str(message.id) or "$" in str(message.id):  # LaTeX: its braces are not placeholders
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        fields = {field for _, field, _, _ in string.Formatter().parse(ids[-1]) if field}
        for text in strings:  # Vietnamese has one plural form; each keeps the plural's placeholders
            translated = {field for _, field, _, _ in string.Formatter().parse(text) if field}
            assert fields == translated, (message.id, text)


def test_the_catalog_compiles_at_run_time_and_again_when_the_po_changes(tmp_path, monkeypatch):
    locales = tmp_path / "locales" / "vi" / "LC_MESSAGES"
    locales.mkdir(parents=True)
    source = i18n.po_path("vi").read_text(encoding="utf-8")
    (locales / "embedlab.po").write_text(source, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES", tmp_path / "locales")
    monkeypatch.setenv("EMBEDLAB_CACHE_DIR", str(tmp_path / "cache"))
    i18n.translations.cache_clear()
    try:
        assert i18n.gettext("Lecture", "vi") == "Bài giảng"
        compiled = list((tmp_path / "cache" / "locales").glob("*.mo"))
        assert len(compiled) == 1  # compiled once, cached by the .po's content

        edited = source.replace('msgstr "Bài giảng"', 'msgstr "Bài giảng (mới)"')
        assert edited != source
        (locales / "embedlab.po").write_text(edited, encoding="utf-8")
        i18n.translations.cache_clear()  # a new server process
        assert i18n.gettext("Lecture", "vi") == "Bài giảng (mới)"
        assert len(list((tmp_path / "cache" / "locales").glob("*.mo"))) == 2
    finally:
        i18n.translations.cache_clear()


def test_a_read_only_cache_still_translates(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("EMBEDLAB_CACHE_DIR", str(blocked))
    i18n.translations.cache_clear()
    try:
        assert i18n.gettext("Lecture", "vi") == "Bài giảng"
    finally:
        i18n.translations.cache_clear()


def test_a_broken_po_is_an_error_not_english_in_silence():
    from babel.messages.pofile import PoFileError

    with pytest.raises(PoFileError):
        i18n.compile_po(b'msgid "a"\nfoo bar\nmsgstr "b"\n')


def test_an_upload_error_speaks_the_visitors_language_and_the_command_line_stays_english():
    from embedlab.errors import EmbedLabError
    from embedlab.text.decoding import decode_bytes

    with i18n.use("vi"), pytest.raises(EmbedLabError) as vietnamese:
        decode_bytes(b"caf\xe9 au lait", "notes.txt")
    with pytest.raises(EmbedLabError) as english:
        decode_bytes(b"caf\xe9 au lait", "notes.txt")
    assert "không phải văn bản UTF-8 (byte 0xe9 ở vị trí 3)" in str(vietnamese.value)
    assert "is not UTF-8 text (byte 0xe9 at position 3)" in str(english.value)
    assert "notes.txt" in str(vietnamese.value)


# ---------------------------------------------------------------- choosing the language


@pytest.mark.parametrize(
    "locale, language",
    [
        ("vi", "vi"),
        ("vi-VN", "vi"),
        ("vi_VN", "vi"),
        ("VI-vn", "vi"),
        ("en-US", "en"),
        ("fr", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_the_browser_locale_picks_vietnamese_or_english(locale, language):
    assert i18n.language_of_locale(locale) == language


def test_the_query_and_the_switch_come_before_the_browser():
    assert i18n.language_of_query("vi") == "vi"
    assert i18n.language_of_query(["en", "VI"]) == "vi"  # ?lang=en&lang=VI: the last one
    assert i18n.language_of_query("de") is None and i18n.language_of_query(None) is None
    assert i18n.choose(query="vi", locale="en-US") == "vi"
    assert i18n.choose(query="xx", locale="vi-VN") == "vi"
    assert i18n.choose(chosen="en", query="vi", locale="vi-VN") == "en"
    assert i18n.choose(chosen="fr", locale="en-GB") == "en"


def test_each_thread_keeps_its_own_language():
    """Two visitors served at the same moment by two threads of one process."""
    barrier = threading.Barrier(2)
    seen = {}

    def visitor(language: str) -> None:
        i18n.set_language(language)
        barrier.wait()  # both have set their language before either reads it
        seen[language] = [i18n._("Lecture") for _ in range(50)]

    threads = [threading.Thread(target=visitor, args=(language,)) for language in ("vi", "en")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(seen["vi"]) == {"Bài giảng"} and set(seen["en"]) == {"Lecture"}
    assert i18n.current() == "en"  # this thread was never switched


def test_use_restores_the_language_it_found():
    with i18n.use("vi"):
        assert i18n._("Lecture") == "Bài giảng"
        with i18n.use("en"):
            assert i18n._("Lecture") == "Lecture"
        assert i18n.current() == "vi"
    assert i18n.current() == "en"


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize("value", [0.0, 3.14159, -2.5, 1234.5678, 12345678.9, 0.000123])
def test_vietnamese_numbers_follow_cldr(value):
    """Babel's CLDR data, an independent source: decimal comma, a dot between thousands."""
    assert i18n.number(value, ",.3f", "vi") == format_decimal(value, "#,##0.000", locale="vi")
    assert i18n.number(value, ",.3f", "en") == format_decimal(value, "#,##0.000", locale="en")
    assert i18n.number(value, ".2f", "vi") == format_decimal(value, "0.00", locale="vi")


@pytest.mark.parametrize("value", [0.0, 0.421, 1.0, 0.0567])
def test_vietnamese_percentages_follow_cldr(value):
    assert i18n.number(value, ".0%", "vi") == format_percent(value, locale="vi")
    assert i18n.number(value, ".1%", "vi") == format_percent(value, "#,##0.0%", locale="vi")


def test_charts_write_vietnamese_numbers_with_the_same_symbols_as_the_text():
    spec = {"mark": "line", "config": {"view": {"stroke": None}}}
    localised = i18n.localise_spec(spec, "vi")
    number = localised["config"]["locale"]["number"]
    assert (number["decimal"], number["thousands"]) == (
        i18n.number(0.5, ".1f", "vi")[1],
        i18n.number(1000, ",", "vi")[1],
    )
    assert localised["config"]["view"] == {"stroke": None} and "config" in spec and "locale" not in spec["config"]
    assert i18n.localise_spec(spec, "en") is spec  # English: Vega's own default


def test_tables_write_vietnamese_numbers_as_cldr_does():
    import pandas as pd

    frame = pd.DataFrame({"loss": [1234.56789, float("nan")], "epoch": [3, 57185]})
    vietnamese = i18n.table_style(frame, 4, "vi").to_string().split()
    english = i18n.table_style(frame, 4, "en").to_string().split()
    assert format_decimal(1234.56789, "#,##0.0000", locale="vi") in vietnamese  # 1.234,5679
    assert format_decimal(57185, "#,##0", locale="vi") in vietnamese and "—" in vietnamese
    assert "1234.5679" in english and "57185" in english  # English as the tables read before


def test_lists_of_decimals_stay_readable():
    assert i18n.listing(["0,42", "0,51"], "vi") == "0,42; 0,51"
    assert i18n.listing(["0.42", "0.51"], "en") == "0.42, 0.51"


# ---------------------------------------------------------------- the pseudo-locale


def test_the_pseudo_locale_marks_every_catalog_string_and_nothing_else():
    left, right = i18n.PSEUDO_MARKS
    with i18n.use(i18n.PSEUDO):
        steps = tour.steps()
        for step in steps:
            for text in (step.title, step.claim, step.look_for, step.page_label):
                assert text.startswith(left) and text.endswith(right), text
        assert all(title.startswith(left) for _, title, _ in sitemap.pages())
        assert i18n._("not a message of the catalog") == "not a message of the catalog"
        plural = i18n.ngettext("After {n} epoch on {second}", "After {n} epochs on {second}", 2)
        assert plural == f"{left}After {{n}} epochs on {{second}}{right}"
    assert i18n.choose(query=i18n.PSEUDO) == i18n.PSEUDO  # ?lang=qps switches it on


# ---------------------------------------------------------------- the Lecture in Vietnamese


NOTE_TERMS = ["hàm mất mát", "từ trung tâm", "ngữ cảnh", "tốc độ học", "cụm hình thành", "Gradient tiệm cận 0"]


def test_the_vietnamese_tour_uses_the_lecture_notes_terms():
    with i18n.use("vi"):
        text = " ".join(" ".join((s.title, s.claim, s.look_for, *s.formulas)) for s in tour.steps())
        assert tour.title() != tour.TITLE
    for term in NOTE_TERMS:
        assert term.lower() in text.lower(), term
    assert [s.key for s in tour.steps()] == [s.key for s in tour.STEPS]  # keys and anchors unchanged


def test_the_glossary_lists_the_terms_the_tour_uses_and_reads_both_ways():
    vietnamese = {term.vietnamese for term in glossary.TERMS}
    for term in NOTE_TERMS:
        assert any(term.lower() in entry.lower() for entry in vietnamese), term
    assert glossary.rows("vi")[0][:2] == (glossary.TERMS[0].vietnamese, glossary.TERMS[0].english)
    assert glossary.rows("en")[0][:2] == (glossary.TERMS[0].english, glossary.TERMS[0].vietnamese)
    assert glossary.columns("vi")[0] == "Tiếng Việt" and glossary.columns("en")[0] == "English"


NOTE = ROOT / "docs" / "lecture-note" / "SEED.vi.md"


def note_terms(vietnamese: str) -> list[str]:
    """The lecture note's own words in a glossary entry: the text before a parenthesis (what the
    parenthesis holds is the interface's gloss, English or Vietnamese), each side of a " / "."""
    return [part.strip() for part in vietnamese.split("(")[0].split(" / ") if part.strip()]


def folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def test_the_glossary_says_which_terms_are_the_notes_and_they_are_in_the_note():
    """A term the glossary attributes to the note is in the note as written (NFC, any case and
    spacing); a term it calls its own is not, so the "in the lecture note" column is true both ways."""
    note = folded(NOTE.read_text(encoding="utf-8"))
    assert folded("Gradient tiệm cận 0") in note  # the note is the Vietnamese one, read whole
    wrong = [
        (term.vietnamese, term.from_note)
        for term in glossary.TERMS
        if all(folded(part) in note for part in note_terms(term.vietnamese)) != term.from_note
    ]
    assert not wrong, f"glossary terms whose attribution to SEED.vi.md is wrong: {wrong}"
    assert note_terms("Bias (độ chệch)") == ["Bias"] and note_terms("góc giảm / góc tăng") == ["góc giảm", "góc tăng"]


EN_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:e[+-]\d+)?")
VI_NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?(?:e[+-]\d+)?")


def numbers(text: str, language: str) -> list[float]:
    if language == "en":
        return sorted(float(m.replace(",", "")) for m in EN_NUMBER.findall(text))
    return sorted(float(m.replace(".", "").replace(",", ".")) for m in VI_NUMBER.findall(text))


@pytest.fixture(scope="module")
def shipped():
    runs = {run.trainer: run for run in map(load_run, sorted(SHIPPED_RUNS.iterdir())) if run.corpus_name == "toy"}
    return {"NumPy softmax": runs["numpy"], "gensim Word2Vec": runs["gensim"]}


def notes(runs) -> list[lecture.Measured]:
    groups = planted_groups("toy")
    separations = {name: separation_over_epochs(run.input_vectors, run.vocab, groups) for name, run in runs.items()}
    return [
        lecture.embeddings(runs),
        lecture.softmax(runs),
        lecture.geometry(runs, "king"),
        lecture.random_start(runs),
        lecture.clusters(runs, separations),
        lecture.gradient(runs),
        lecture_experiments.regularisation(runs, None),
        lecture_experiments.bias_variance(runs),
        lecture_experiments.fine_tuning(runs),
    ]


def test_the_notes_say_the_same_numbers_in_both_languages(shipped):
    english = notes(shipped)
    with i18n.use("vi"):
        vietnamese = notes(shipped)
    for en, vi in zip(english, vietnamese, strict=True):
        assert vi.note != en.note
        assert numbers(vi.note, "vi") == numbers(en.note, "en"), (en.note, vi.note)
        assert numbers(vi.more, "vi") == numbers(en.more, "en")
        if en.frame is not None:  # the same table, its labels translated
            assert en.frame.shape == vi.frame.shape
            assert en.frame.select_dtypes("number").equals(vi.frame.select_dtypes("number"))


def test_on_the_vietnamese_toy_the_first_step_asks_its_own_analogy():
    runs = {run.trainer: run for run in map(load_run, sorted(SHIPPED_RUNS.iterdir())) if run.corpus_name == "toy-vi"}
    with i18n.use("vi"):
        measured = lecture.embeddings({"NumPy softmax": runs["numpy"]})
    assert measured.frame is not None and measured.extra["words"] == ("vua", "đàn_ông", "phụ_nữ", "hoàng_hậu")
    vocab, vectors = runs["numpy"].vocab, runs["numpy"].input_vectors[-1].astype(float)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    target = unit[vocab.index["vua"]] - unit[vocab.index["đàn_ông"]] + unit[vocab.index["phụ_nữ"]]
    scores = unit @ (target / np.linalg.norm(target))
    for word in ("vua", "đàn_ông", "phụ_nữ"):
        scores[vocab.index[word]] = -np.inf
    rank = 1 + int((scores > scores[vocab.index["hoàng_hậu"]]).sum())  # 3CosAdd by hand
    assert measured.frame["rank"].iloc[-1] == rank
    assert f"hạng {rank} ở epoch {runs['numpy'].epochs}" in measured.note


def test_a_vietnamese_note_writes_decimal_commas(shipped):
    with i18n.use("vi"):
        note = lecture.softmax(shipped).note
    english = lecture.softmax(shipped).note
    loss = f"{shipped['NumPy softmax'].metrics['loss'].iloc[0]:.3f}"
    assert f"L = {loss}" in english and f"L = {loss.replace('.', ',')}" in note


@pytest.mark.parametrize("module", [i18n, glossary, tour, sitemap])
def test_doctests_run(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
