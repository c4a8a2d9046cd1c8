"""Reading corpora: tokenisation, file decoding, bad files, bombs, the built-ins and their cache."""

from __future__ import annotations

import codecs
import doctest
import gzip
import hashlib
import importlib.util
import io
import json
import os
import shutil
import time
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

import pytest

import embedlab.text.builtin_corpora
import embedlab.text.corpus
import embedlab.text.decoding
import embedlab.text.mojibake
import embedlab.text.tokenizer
import embedlab.text.uploads
from embedlab.config import Limits
from embedlab.errors import EmbedLabError
from embedlab.text.corpus import Corpus, corpus_from_bytes, corpus_stats, frequency_table, load_corpus
from embedlab.text.decoding import decode_bytes
from embedlab.text.tokenizer import MAX_SENTENCE_TOKENS, split_sentences, tokenize

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TEXT = "Hello, World!\nThe second line.\n"
EXPECTED = [["hello", "world"], ["the", "second", "line"]]


def zip_bytes(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "module",
    [
        embedlab.text.corpus,
        embedlab.text.decoding,
        embedlab.text.tokenizer,
        embedlab.text.builtin_corpora,
        embedlab.text.uploads,
    ],
    ids=lambda m: m.__name__,
)
def test_doctests_run_and_pass(module):
    result = doctest.testmod(module)
    assert result.failed == 0
    assert result.attempted > 0


# --- tokenize ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tiếng Việt là ngôn ngữ của người Việt", ["tiếng", "việt", "là", "ngôn", "ngữ", "của", "người", "việt"]),
        ("Straße, Äpfel und naïve élève", ["straße", "äpfel", "und", "naïve", "élève"]),
        ("Καλημέρα κόσμε!", ["καλημέρα", "κόσμε"]),
        ("Привет, мир! Ёлка", ["привет", "мир", "ёлка"]),
        ("中文 日本語のテキスト。", ["中文", "日本語のテキスト"]),
        ("一个人 三月 第一次 十分 万一", ["一个人", "三月", "第一次", "十分", "万一"]),  # numerals are letters (Lo)
        ("مَرْحَبًا بالعالم", ["مَرْحَبًا", "بالعالم"]),  # harakat are combining marks
        ("हिन्दी भाषा", ["हिन्दी", "भाषा"]),  # virama and vowel signs have no precomposed form
    ],
)
def test_letters_of_every_script_survive_in_nfc_and_nfd(text, expected):
    nfc = tokenize(unicodedata.normalize("NFC", text))
    nfd = tokenize(unicodedata.normalize("NFD", text))
    assert nfc == nfd == [unicodedata.normalize("NFC", w) for w in expected]
    assert all(unicodedata.is_normalized("NFC", w) for w in nfc)


@pytest.mark.parametrize(
    ("text", "keep_numbers", "expected"),
    [
        ("In 2024, 3 cats (and mp3s) cost $4.50!", False, ["in", "cats", "and", "mp3s", "cost"]),
        ("In 2024, 3 cats (and mp3s) cost $4.50!", True, ["in", "2024", "3", "cats", "and", "mp3s", "cost", "4", "50"]),
        ("... !!! 42 --- 7.5 ¿? «» ²", False, []),
        ("Ⅻ ½ ٣ chapter", False, ["chapter"]),  # Nl, No and Arabic-Indic digits are numbers
        ("x² m³ chapter ٣٤", False, ["x²", "m³", "chapter"]),  # a letter makes it a word
        ("Ⅻ ½ x² chapter", True, ["ⅻ", "½", "x²", "chapter"]),
    ],
)
def test_numbers_and_punctuation(text, keep_numbers, expected):
    assert tokenize(text, keep_numbers=keep_numbers) == expected


def test_apostrophes_and_hyphens_inside_words_keep_one_token():
    text = "Don\u2019t stop — a well-known 'quoted' rock'n'roll -dash- end- snake_case"
    assert tokenize(text) == [
        "don't",
        "stop",
        "a",
        "well-known",
        "quoted",
        "rock'n'roll",
        "dash",
        "end",
        "snake_case",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("covid19 mp3 h2o g7 4G x86", ["covid19", "mp3", "h2o", "g7", "4g", "x86"]),
        ("COVID-19 and x86-64 chips", ["covid-19", "and", "x86-64", "chips"]),
        ("In 2024 about 3.5 million", ["in", "about", "million"]),  # numbers alone are not words
        ("Sinh viên ２０２４ k８", ["sinh", "viên", "k８"]),  # full-width digits are digits too
    ],
)
def test_words_with_digits_are_kept_and_numbers_dropped(text, expected):
    assert tokenize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("học_sinh đi học", ["học_sinh", "đi", "học"]),
        ("Hà_Nội là thủ_đô", ["hà_nội", "là", "thủ_đô"]),
        ("set max_len and user_id", ["set", "max_len", "and", "user_id"]),  # an identifier is one name
        ("__init__ _private trailing_ a__b", ["init", "private", "trailing", "a", "b"]),  # joins only between
        ("x_1 v2_beta", ["x_1", "v2_beta"]),
    ],
)
def test_underscore_inside_a_word_keeps_it_one_token(text, expected):
    assert tokenize(text) == expected


def test_underscored_words_survive_nfd_and_typographic_marks():
    nfd = unicodedata.normalize("NFD", "Học_Sinh giỏi")
    assert tokenize(nfd) == ["học_sinh", "giỏi"]


def test_lowercase_can_be_switched_off():
    assert tokenize("The King", lowercase=False) == ["The", "King"]
    assert tokenize("The King") == ["the", "king"]


def test_split_sentences_cuts_long_lines_and_drops_blank_ones():
    text = "a b\r\n\r\n   \n" + "word, " * 2500 + "\rlast"
    pieces = split_sentences(text)
    assert [len(tokenize(p)) for p in pieces] == [2, 1000, 1000, 500, 1]
    assert "".join(pieces[1:4]).split() == ("word, " * 2500).split()


# --- decode_bytes / corpus_from_bytes: files that must load -----------------------------


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("plain.txt", TEXT.encode("utf-8")),
        ("bom.txt", codecs.BOM_UTF8 + TEXT.encode("utf-8")),
        ("utf16le.txt", codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le")),
        ("utf16be.txt", codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be")),
        ("crlf.txt", TEXT.replace("\n", "\r\n").encode("utf-8")),
        ("old-mac.txt", TEXT.replace("\n", "\r").encode("utf-8")),
        ("text.txt.gz", gzip.compress(TEXT.encode("utf-8"), mtime=0)),
        ("misnamed.txt", gzip.compress(TEXT.encode("utf-8"), mtime=0)),  # magic bytes decide, not the name
        ("bom-in.gz", gzip.compress(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), mtime=0)),
        ("text.zip", zip_bytes({"a.txt": TEXT.encode("utf-8")})),
    ],
)
def test_valid_files_load_to_the_same_tokens(filename, data):
    corpus = corpus_from_bytes(data, filename)
    assert corpus.sentences == EXPECTED
    assert corpus.name == filename
    assert corpus.sha256 == hashlib.sha256(data).hexdigest()
    assert corpus.n_tokens == 5


def test_zip_reads_every_text_entry_sorted_by_name_and_skips_the_rest():
    data = zip_bytes(
        {
            "b.txt": b"second file\n",
            "sub/c.md": codecs.BOM_UTF16_LE + "third file".encode("utf-16-le"),
            "a.txt": b"first file",
            "__MACOSX/._a.txt": b"\x00\x05\x16\x07 resource fork",
            "sub/._b.txt": b"\x00\x05\x16\x07",
            "image.png": b"\x89PNG\r\n\x1a\n\x00\x00",
            "empty-dir/": b"",
        }
    )
    assert corpus_from_bytes(data, "bundle.zip").sentences == [["first", "file"], ["second", "file"], ["third", "file"]]


def test_one_huge_line_is_cut_into_pieces_of_at_most_1000_tokens():
    words = [f"w{chr(ord('a') + i % 26)}" for i in range(25_000)]
    corpus = corpus_from_bytes(" ".join(words).encode("utf-8"), "one-line.txt")
    assert [len(s) for s in corpus.sentences] == [MAX_SENTENCE_TOKENS] * 25
    assert [w for s in corpus.sentences for w in s] == words


def test_load_corpus_reads_a_path_like_an_upload(tmp_path):
    path = tmp_path / "notes.txt.gz"
    path.write_bytes(gzip.compress(TEXT.encode("utf-8")))
    corpus = load_corpus(str(path))
    assert corpus.sentences == EXPECTED
    assert corpus.name == "notes.txt.gz"
    assert corpus.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


# --- bad input: one-line messages that say what to do -----------------------------------


def _damaged_zip() -> bytes:
    data = bytearray(zip_bytes({"a.txt": b"hello world " * 200}))
    start = data.index(b"a.txt") + len("a.txt")  # compressed data follows the local header's name
    data[start + 5 : start + 25] = b"\xff" * 20
    return bytes(data)


BAD_BYTES = [
    ("empty", b"", None, "empty"),
    ("whitespace only", b" \r\n\t \n", None, "empty"),
    ("only numbers and punctuation", b"123, 456!\n--- 7.89 ...\n", None, "no words"),
    ("NUL bytes", b"\x00\x01\x02abc\x00" * 20, None, "binary"),
    ("control characters", b"text \x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f" * 20, None, "binary"),
    ("png image", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), None, "binary"),
    ("latin-1", "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e".encode("latin-1"), None, "utf-8"),
    ("utf-16 without bom", "hello world".encode("utf-16-le"), None, "utf-16"),
    ("bad utf-16 after bom", codecs.BOM_UTF16_LE + b"a\x00\x00\xd8", None, "utf-8"),
    ("zip without text", zip_bytes({"image.png": b"\x89PNG", "dir/": b""}), None, "no text file"),
    ("zip of only mac junk", zip_bytes({"__MACOSX/._a.txt": b"x"}), None, "no text file"),
    ("corrupt zip", b"PK\x03\x04" + b"garbage" * 10, None, "zip"),
    ("damaged zip data", _damaged_zip(), None, "zip it again"),
    ("truncated gzip", gzip.compress(b"hello world " * 100, mtime=0)[:-12], None, "gzip"),
    ("corrupt gzip", b"\x1f\x8b" + b"garbage" * 10, None, "gzip"),
    ("binary inside gzip", gzip.compress(b"\x00\x01\x02" * 100, mtime=0), None, "binary"),
    ("binary inside zip", zip_bytes({"a.txt": b"\x00\x01\x02" * 100}), None, "binary"),
    ("too large upload", b"word " * 300_000, Limits(max_upload_mb=1), "more than the 1 mb"),
    ("too many tokens", b"one two three\nfour five six\n", Limits(max_tokens=5), "more than 5 words"),
    (
        "far too many tokens",
        b"one two three\n" * 50_000,
        Limits(max_tokens=1000),
        "million words (estimated from a sample of it)",
    ),
]


@pytest.mark.parametrize(("data", "limits", "needle"), [b[1:] for b in BAD_BYTES], ids=[b[0] for b in BAD_BYTES])
def test_bad_uploads_are_refused_with_one_line_that_says_what_to_do(data, limits, needle):
    with pytest.raises(EmbedLabError) as caught:
        corpus_from_bytes(data, "upload.txt", limits=limits)
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message
    assert needle in message.lower()
    assert "upload.txt" in message


@pytest.mark.parametrize(
    ("make_path", "needle"),
    [
        (lambda tmp: tmp, "folder"),
        (lambda tmp: tmp / "no-such-file.txt", "no file"),
        (lambda tmp: tmp / "no-such-dir" / "x.txt", "no file"),
    ],
    ids=["directory", "missing file", "missing folder"],
)
def test_bad_paths_are_refused(tmp_path, make_path, needle):
    with pytest.raises(EmbedLabError) as caught:
        load_corpus(str(make_path(tmp_path)))
    assert "\n" not in str(caught.value)
    assert needle in str(caught.value)


def test_a_path_larger_than_the_upload_cap_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * 300_000)
    with pytest.raises(EmbedLabError, match="more than the 1 MB"):
        load_corpus(str(path), limits=Limits(max_upload_mb=1))


def test_gzip_bomb_is_refused_after_reading_little_more_than_the_limit(monkeypatch):
    bomb = gzip.compress(b"\x00" * (64 * 1024 * 1024), compresslevel=9)  # 64 MB of zeros in ~64 KB
    assert len(bomb) < 200_000
    read_bytes = []
    original_read = gzip.GzipFile.read

    def counting_read(self, size=-1):
        chunk = original_read(self, size)
        read_bytes.append(len(chunk))
        return chunk

    monkeypatch.setattr(gzip.GzipFile, "read", counting_read)
    with pytest.raises(EmbedLabError, match="decompresses to more than 1 MB") as caught:
        decode_bytes(bomb, "bomb.txt.gz", Limits(max_uncompressed_mb=1))
    assert sum(read_bytes) <= 2 * 1024 * 1024  # stopped one chunk past the limit, not at 64 MB
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "entries",
    [
        {"bomb.txt": b"a " * (5 * 1024 * 1024)},
        {f"part{i}.txt": b"a " * (300 * 1024) for i in range(8)},  # each small, together too big
    ],
    ids=["one big entry", "many entries"],
)
def test_zip_bomb_is_refused_without_reading_everything(monkeypatch, entries):
    bomb = zip_bytes(entries)
    assert len(bomb) < 100_000
    read_bytes = []
    original_read = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        chunk = original_read(self, n)
        read_bytes.append(len(chunk))
        return chunk

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    with pytest.raises(EmbedLabError, match="decompresses to more than 1 MB"):
        decode_bytes(bomb, "bomb.zip", Limits(max_uncompressed_mb=1))
    assert sum(read_bytes) <= 2 * 1024 * 1024


def test_zip_entries_with_escaping_names_are_only_read_as_data(tmp_path, monkeypatch):
    workdir = tmp_path / "a" / "b"
    workdir.mkdir(parents=True)
    monkeypatch.chdir(workdir)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    data = zip_bytes(
        {
            "../../escaped.txt": b"climbing out",
            "/absolute/root.txt": b"absolute path",
            "ok.txt": b"inside",
            "..\\..\\windows.txt": b"backslash path",
        }
    )
    corpus = corpus_from_bytes(data, "traversal.zip")
    # sorted by name: "../../e…" < "..\\..\\w…" < "/absolute…" < "ok.txt"
    assert corpus.sentences == [["climbing", "out"], ["backslash", "path"], ["absolute", "path"], ["inside"]]
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert not (tmp_path / "escaped.txt").exists()
    assert os.getcwd() == str(workdir)


# --- statistics -------------------------------------------------------------------------


def test_corpus_stats_by_hand_and_on_a_one_word_corpus():
    corpus = Corpus("t", [["a", "b", "a"], ["c", "a"], ["b"]], "0" * 64, "")
    assert corpus_stats(corpus, min_count=2) == {
        "sentences": 3,
        "tokens": 6,
        "types": 3,
        "vocab_after_min_count": 2,
        "mean_sentence_length": 2.0,
        "hapax": 1,
    }
    tiny = corpus_from_bytes(b"solo\n", "tiny.txt")
    assert corpus_stats(tiny, min_count=5) == {
        "sentences": 1,
        "tokens": 1,
        "types": 1,
        "vocab_after_min_count": 0,
        "mean_sentence_length": 1.0,
        "hapax": 1,
    }


def test_frequency_table_breaks_ties_by_word_whatever_the_input_order():
    forward = Corpus("f", [["pear", "fig", "apple", "fig"], ["kiwi", "apple", "date"]], "", "")
    backward = Corpus("b", [list(reversed(s)) for s in reversed(forward.sentences)], "", "")
    table = frequency_table(forward)
    assert table.equals(frequency_table(backward))
    assert list(table.columns) == ["word", "count", "rank"]
    assert table["word"].tolist() == ["apple", "fig", "date", "kiwi", "pear"]
    assert table["count"].tolist() == [2, 2, 1, 1, 1]
    assert table["rank"].tolist() == [1, 2, 3, 4, 5]
    assert table["count"].sum() == forward.n_tokens


# --- the toy corpus ---------------------------------------------------------------------


def _data_module(script: str):
    spec = importlib.util.spec_from_file_location(script.removesuffix(".py"), DATA_DIR / script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("script, prefix", [("make_toy_corpus.py", "toy"), ("make_toy_vi_corpus.py", "toy_vi")])
def test_committed_toy_files_equal_a_fresh_generation(script, prefix):
    """Both languages' four files (corpus, groups, second domain, its shifted words) come from
    one generator over each language's tables, byte for byte, twice the same."""
    planting, tables = _data_module("toy_planting.py"), _data_module(script)
    fresh = planting.generate(tables)
    assert fresh == planting.generate(tables)
    assert (DATA_DIR / f"{prefix}_corpus.txt").read_bytes() == fresh.encode("utf-8")
    assert (DATA_DIR / f"{prefix}_groups.json").read_bytes() == planting.groups_json(tables).encode("utf-8")
    assert (DATA_DIR / f"{prefix}_shift_corpus.txt").read_bytes() == planting.generate_shift(tables).encode("utf-8")
    assert (DATA_DIR / f"{prefix}_shift_words.json").read_bytes() == planting.shift_json(tables).encode("utf-8")


def test_toy_corpus_has_the_planted_groups_often_enough():
    toy = load_corpus("toy")
    groups = json.loads((DATA_DIR / "toy_groups.json").read_text(encoding="utf-8"))
    counts = Counter(w for s in toy.sentences for w in s)
    assert 4 <= len(groups) <= 8
    assert all(5 <= len(words) <= 10 for words in groups.values())
    rare = {w: counts[w] for words in groups.values() for w in words if counts[w] < 50}
    assert rare == {}
    assert 40_000 <= toy.n_tokens <= 80_000
    assert 150 <= len(counts) <= 300
    assert toy.sha256 == hashlib.sha256((DATA_DIR / "toy_corpus.txt").read_bytes()).hexdigest()
    assert embedlab.text.builtin_corpora.toy_groups() == groups


def test_built_in_corpora_return_fresh_lists():
    first = load_corpus("toy")
    first.sentences[0].append("mutated")
    first.sentences.append(["extra"])
    second = load_corpus("toy")
    assert "mutated" not in second.sentences[0]
    assert second.sentences[-1] != ["extra"]


# --- the gensim corpora -----------------------------------------------------------------


def test_lee_loads_one_piece_per_document():
    from gensim.test.utils import datapath

    lee = load_corpus("lee")
    assert lee.name == "lee"
    assert len(lee.sentences) == 300  # no document is over 1000 tokens
    assert 55_000 <= lee.n_tokens <= 62_000
    assert max(len(s) for s in lee.sentences) <= MAX_SENTENCE_TOKENS
    assert lee.sha256 == hashlib.sha256(Path(datapath("lee_background.cor")).read_bytes()).hexdigest()
    assert "300 documents" in lee.description


@pytest.fixture(scope="module")
def wiki_cache(tmp_path_factory):
    """Parse the Wikipedia sample once into a fresh cache directory: (corpus, seconds, cache dir)."""
    cache = tmp_path_factory.mktemp("embedlab-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EMBEDLAB_CACHE_DIR", str(cache))
        embedlab.text.builtin_corpora.read_builtin.cache_clear()
        started = time.perf_counter()
        corpus = load_corpus("wiki")
        seconds = time.perf_counter() - started
        embedlab.text.builtin_corpora.read_builtin.cache_clear()
    return corpus, seconds, cache


@pytest.mark.slow
def test_wiki_sample_loads(wiki_cache):
    from gensim.test.utils import datapath

    wiki, _, cache = wiki_cache
    assert wiki.name == "wiki"
    assert "106 articles" in wiki.description
    assert 400_000 <= wiki.n_tokens <= 500_000
    assert all(0 < len(s) <= MAX_SENTENCE_TOKENS for s in wiki.sentences)
    path = Path(datapath(embedlab.text.builtin_corpora.WIKI_FILE))
    assert wiki.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(list((cache / "corpora").glob(f"wiki-{wiki.sha256}-*.json"))) == 1
    assert not list((cache / "corpora").glob("*.tmp"))


@pytest.mark.slow
def test_wiki_sample_is_read_without_starting_a_process(tmp_path, monkeypatch):
    """gensim's WikiCorpus.get_texts forks a pool even with processes=1; inside a Streamlit
    server such a child can hang for ever (issue 18). Every way to start a process fails here."""
    import multiprocessing
    import multiprocessing.pool
    import subprocess

    def no_process(*args, **kwargs):
        raise AssertionError("reading the Wikipedia sample started a process")

    forks = []
    os.register_at_fork(before=lambda: forks.append(1))  # sees every os.fork(), whoever calls it
    for module, name in [
        (os, "fork"),
        (os, "forkpty"),
        (os, "posix_spawn"),
        (os, "posix_spawnp"),
        (subprocess.Popen, "__init__"),
        (multiprocessing.Process, "start"),
        (multiprocessing.pool.Pool, "__init__"),
    ]:
        monkeypatch.setattr(module, name, no_process)
    monkeypatch.setenv("EMBEDLAB_CACHE_DIR", str(tmp_path))  # an empty cache: the dump is parsed
    embedlab.text.builtin_corpora.read_builtin.cache_clear()
    try:
        wiki = load_corpus("wiki")
    finally:
        embedlab.text.builtin_corpora.read_builtin.cache_clear()
    assert forks == []
    assert "106 articles" in wiki.description and 400_000 <= wiki.n_tokens <= 500_000


@pytest.mark.slow
def test_wiki_articles_read_in_process_are_exactly_what_gensim_wikicorpus_yields():
    from gensim.corpora.wikicorpus import WikiCorpus
    from gensim.test.utils import datapath

    path = datapath(embedlab.text.builtin_corpora.WIKI_FILE)
    ours = list(embedlab.text.builtin_corpora.wiki_articles(Path(path)))
    # gensim's own reader (it forks a worker pool: fine in a test process, never in the server)
    theirs = list(
        WikiCorpus(
            path, processes=1, dictionary={}, tokenizer_func=embedlab.text.builtin_corpora._wiki_tokenizer
        ).get_texts()
    )
    assert len(ours) == 106 and ours == theirs


@pytest.mark.slow
def test_wiki_cache_is_reused_and_a_damaged_cache_is_rebuilt(wiki_cache, tmp_path, monkeypatch):
    import gensim.corpora.wikicorpus

    wiki, _, cache = wiki_cache
    shutil.copytree(cache, tmp_path / "cache")
    monkeypatch.setenv("EMBEDLAB_CACHE_DIR", str(tmp_path / "cache"))
    (cache_file,) = (tmp_path / "cache" / "corpora").glob("wiki-*.json")

    def no_parsing(*args, **kwargs):
        raise AssertionError("the cached wiki corpus should have been used")

    with monkeypatch.context() as patch:
        patch.setattr(gensim.corpora.wikicorpus, "extract_pages", no_parsing)
        embedlab.text.builtin_corpora.read_builtin.cache_clear()
        cached = load_corpus("wiki")  # parsing would raise: the cache was read
    assert cached == wiki

    cache_file.write_bytes(cache_file.read_bytes()[:1000])  # a write cut short
    embedlab.text.builtin_corpora.read_builtin.cache_clear()
    assert load_corpus("wiki") == wiki
    assert json.loads(cache_file.read_text(encoding="utf-8"))["n_tokens"] == wiki.n_tokens
    embedlab.text.builtin_corpora.read_builtin.cache_clear()


@pytest.mark.parametrize(
    "damage",
    [
        lambda good: good[: len(good) // 2],
        lambda good: b"",
        lambda good: b"\x00garbage",
        lambda good: good.replace(b'"n_tokens":', b'"n_tokens":1', 1),
        lambda good: good.replace(b'"tokenizer_version":', b'"tokenizer_version":9', 1),
        lambda good: good.replace(b'"sentences":[[', b'"sentences":[[],[', 1),
        lambda good: b'{"sentences": 3}',
    ],
    ids=["truncated", "empty", "garbage", "wrong count", "old tokenizer", "empty sentence", "wrong shape"],
)
def test_a_damaged_cache_file_is_ignored(tmp_path, damage):
    sha = "ab" * 32
    path = tmp_path / "corpus.json"
    sentences = [["a", "b"], ["c"]]
    embedlab.text.builtin_corpora._write_cache(path, sha, sentences, documents=1)
    assert embedlab.text.builtin_corpora._read_cache(path, sha) == (sentences, 1)
    assert embedlab.text.builtin_corpora._read_cache(path, "cd" * 32) is None  # another source file
    path.write_bytes(damage(path.read_bytes()))
    assert embedlab.text.builtin_corpora._read_cache(path, sha) is None


# --- the token cap, estimated before tokenising ------------------------------------------


def test_token_estimate_is_within_two_percent_on_real_text():
    from gensim.test.utils import datapath

    lee = Path(datapath("lee_background.cor")).read_text(encoding="utf-8")
    text = lee * 30  # 10 MB: the estimate samples it
    true = sum(len(tokenize(piece)) for piece in split_sentences(lee)) * 30
    assert abs(embedlab.text.tokenizer.estimate_tokens(text) - true) / true < 0.02


def test_a_text_far_over_the_token_cap_is_refused_before_it_is_tokenised(monkeypatch):
    calls = []
    monkeypatch.setattr(embedlab.text.tokenizer, "split_sentences", lambda text: calls.append(1) or [])
    with pytest.raises(EmbedLabError, match=r"about 0\.4 million words .*about 305 kB of English text"):
        corpus_from_bytes(b"one two three four\n" * 100_000, "big.txt", limits=Limits(max_tokens=50_000))
    assert calls == []  # never split into sentences, let alone tokenised


def test_a_short_text_is_tokenised_once_and_still_refused_exactly_over_the_cap(monkeypatch):
    """The toy corpus (~400 kB) fits in the estimate's samples: estimating it would tokenise it all
    a second time, so it is not estimated; the exact count still refuses one word over the cap."""
    tokenised = []
    real = embedlab.text.tokenizer.tokenize
    monkeypatch.setattr(
        embedlab.text.tokenizer, "tokenize", lambda text, **kw: tokenised.append(len(text)) or real(text, **kw)
    )
    text = "one two three\n" * 1000
    assert len(embedlab.text.tokenizer.sentences_from_text(text, "t", 3000)) == 1000
    assert sum(tokenised) == len(text) - 1000  # every line once (without its newline), nothing sampled
    with pytest.raises(EmbedLabError, match="more than 2,999 words"):
        embedlab.text.tokenizer.sentences_from_text(text, "t", 2999)


def test_the_upload_cap_and_the_token_cap_agree_for_english():
    """A plain English text at the upload cap has about max_tokens words (within 10 %), so
    neither cap makes the other unreachable; the bytes per word are measured on lee."""
    from gensim.test.utils import datapath

    from embedlab.config import ENGLISH_BYTES_PER_TOKEN

    path = Path(datapath("lee_background.cor"))
    measured = path.stat().st_size / load_corpus("lee").n_tokens
    assert measured == pytest.approx(ENGLISH_BYTES_PER_TOKEN, rel=0.03)
    limits = Limits()
    words_at_upload_cap = limits.max_upload_mb * 1024 * 1024 / ENGLISH_BYTES_PER_TOKEN
    assert words_at_upload_cap == pytest.approx(limits.max_tokens, rel=0.1)
    assert limits.max_uncompressed_mb >= 2 * limits.max_upload_mb  # room for scripts with more bytes a word


def test_every_occurrence_of_a_word_is_one_string_object():
    corpus = corpus_from_bytes(b"the cat and the dog\nthe end\n", "t.txt")
    the = [word for sentence in corpus.sentences for word in sentence if word == "the"]
    assert len(the) == 3 and len({id(word) for word in the}) == 1


def test_the_planes_scanned_for_combining_marks_hold_every_mark_of_this_pythons_unicode():
    import sys as _sys
    import unicodedata

    from embedlab.text.tokenizer import MARK_PLANES

    every = [cp for cp in range(_sys.maxunicode + 1) if unicodedata.category(chr(cp)).startswith("M")]
    scanned = [cp for plane in MARK_PLANES for cp in plane if unicodedata.category(chr(cp)).startswith("M")]
    assert scanned == every and len(every) > 2000


# --- the Vietnamese built-ins -------------------------------------------------------------


def test_vietnamese_toy_corpus_keeps_its_words_whole_and_plants_its_groups():
    toy = load_corpus("toy-vi")
    groups = embedlab.text.builtin_corpora.planted_groups("toy-vi")
    counts = Counter(w for s in toy.sentences for w in s)
    assert {"vua", "hoàng_hậu", "hoàng_tử", "công_chúa", "đàn_ông", "phụ_nữ", "con_trai", "con_gái"} <= set(counts)
    assert {w: counts[w] for words in groups.values() for w in words if counts[w] < 50} == {}
    planted = {w for words in groups.values() for w in words}
    generator = _data_module("make_toy_vi_corpus.py")
    # no context word of a phrase is a planted word (a shared context would blur the groups)
    contexts = {
        w
        for table in (generator.RANK_PHRASES, generator.ROLE_PHRASES)
        for phrases in table.values()
        for phrase in phrases
        for w in tokenize(phrase.format(he="x"))
    }
    assert contexts & planted == set()
    assert toy.segmentation.applied == "words" and toy.segmentation.multi_syllable_words > 50
    shift = load_corpus("toy-vi-shift")
    moved = embedlab.text.builtin_corpora.shifted_words("toy-vi-shift")
    assert moved == ["táo", "xanh_lá", "vua", "sư_tử"]
    assert all(any(w in s for s in shift.sentences) for w in moved)


def test_the_vi_corpus_is_read_from_the_installed_underthesea():
    vi = load_corpus("vi")
    path = embedlab.text.mojibake.underthesea_file(embedlab.text.mojibake.VLSP_FILE)
    assert vi.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # every sentence of the file, each word as its annotators marked it (independently re-read here)
    raw = path.read_text(encoding="utf-8").split("\n\n")
    sentences = [[line.split("\t")[0] for line in block.splitlines() if line.strip()] for block in raw]
    sentences = [s for s in sentences if s]
    assert len(sentences) >= 2119
    first = [w.lower().replace(" ", "_") for w in sentences[0] if any(ch.isalpha() for ch in w)]
    assert vi.sentences[0] == first
    words = Counter(w for s in vi.sentences for w in s)
    assert 50_000 <= vi.n_tokens <= 70_000
    assert sum(c for w, c in words.items() if "_" in w) > 0.3 * vi.n_tokens  # words, not syllables
    assert vi.segmentation.applied == "words"
