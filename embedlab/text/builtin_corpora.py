"""The built-in corpora: the toy corpora of this repository (English ``toy``, Vietnamese
``toy-vi``, and their second domains), gensim's Lee and Wikipedia samples, and ``vi``, the VLSP
2013 Vietnamese sentences that ship inside the underthesea wheel.

:func:`read_builtin` reads one (cached in memory, and the Wikipedia sample's tokens on disk, see
:func:`cache_dir`); :func:`planted_groups`, :func:`planted_analogy` and :func:`shifted_words`
say which word groups and which analogy the toy corpora plant. :func:`embedlab.text.corpus.load_corpus` turns a built-in into a ``Corpus``.
"""

from __future__ import annotations

import bz2
import functools
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from embedlab.atomic import atomic_write, sha256_file
from embedlab.config import BUILTIN_CORPORA, cache_root
from embedlab.errors import EmbedLabError
from embedlab.i18n import N_, Deferred, _
from embedlab.text.benchmark_files import datapath
from embedlab.text.decoding import decode_text
from embedlab.text.mojibake import VLSP_FILE, underthesea_file
from embedlab.text.tokenizer import MAX_SENTENCE_TOKENS, TOKENIZER_VERSION, sentences_from_text, tokenize

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
LEE_FILE = "lee_background.cor"
WIKI_FILE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
# the toy corpora: file, groups file, shifted-words file (None for a first domain)
TOY_FILES = {
    "toy": ("toy_corpus.txt", "toy_groups.json", None),
    "toy-shift": ("toy_shift_corpus.txt", "toy_groups.json", "toy_shift_words.json"),
    "toy-vi": ("toy_vi_corpus.txt", "toy_vi_groups.json", None),
    "toy-vi-shift": ("toy_vi_shift_corpus.txt", "toy_vi_groups.json", "toy_vi_shift_words.json"),
}


def _gensim_file(name: str) -> Path:
    path = Path(datapath(name))
    if not path.is_file():
        raise EmbedLabError(
            f"the built-in corpus file {name} is missing from gensim; reinstall it: pip install gensim==4.4.0"
        )
    return path


def cache_dir() -> Path:
    """Where tokenised built-in corpora are cached: ``$EMBEDLAB_CACHE_DIR/corpora``
    (default ``~/.cache/embedlab/corpora``)."""
    return cache_root() / "corpora"


def _cache_path(name: str, sha256: str) -> Path:
    return cache_dir() / f"{name}-{sha256}-tok{TOKENIZER_VERSION}.json"


def _read_cache(path: Path, sha256: str) -> tuple[list[list[str]], int] | None:
    """(sentences, documents) from the cache, or None when the file is missing, damaged or
    holds another file's or another tokenizer version's result."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        sentences = payload["sentences"]
        ok = (
            payload["sha256"] == sha256
            and payload["tokenizer_version"] == TOKENIZER_VERSION
            and isinstance(sentences, list)
            and isinstance(payload["documents"], int)
            and payload["n_tokens"] == sum(len(s) for s in sentences)
            and all(isinstance(s, list) and s and all(isinstance(w, str) for w in s) for s in sentences)
        )
        return (sentences, payload["documents"]) if ok else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(path: Path, sha256: str, sentences: list[list[str]], documents: int) -> None:
    """Write atomically (temp file in the same directory, then os.replace); a cache that
    cannot be written (read-only disk) is skipped, not an error."""
    payload = {
        "sha256": sha256,
        "tokenizer_version": TOKENIZER_VERSION,
        "n_tokens": sum(len(s) for s in sentences),
        "documents": documents,
        "sentences": sentences,
    }
    try:
        atomic_write(path, json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
    except OSError:
        pass


def _wiki_tokenizer(text: str, token_min_len: int, token_max_len: int, lower: bool) -> list[str]:
    """gensim's tokenizer_func interface over our :func:`tokenize` (lengths ignored, so tokens
    are the same as for every other corpus)."""
    return tokenize(text, lowercase=lower)


def wiki_articles(path: Path) -> Iterator[list[str]]:
    """The tokens of each article of a Wikipedia dump, read in this process.

    What ``WikiCorpus.get_texts`` yields (main namespace, markup stripped by gensim's
    ``process_article``, redirects and stubs under ARTICLE_MIN_WORDS tokens dropped), without
    its worker pool: ``get_texts`` always forks one, even with ``processes=1``, and a child
    forked inside a Streamlit server inherits its SIGTERM handler and can hang there for ever.
    Nothing here starts a process or a thread (``tests/test_corpus.py`` checks both).
    """
    from gensim.corpora.wikicorpus import ARTICLE_MIN_WORDS, IGNORED_NAMESPACES, extract_pages, process_article

    with bz2.BZ2File(path) as dump:
        for title, text, pageid in extract_pages(dump, filter_namespaces=("0",)):
            tokens, title, _ = process_article((text, title, pageid), tokenizer_func=_wiki_tokenizer, lower=True)
            if len(tokens) < ARTICLE_MIN_WORDS or any(title.startswith(ns + ":") for ns in IGNORED_NAMESPACES):
                continue
            yield tokens


def _chunks(tokens: list[str]) -> list[list[str]]:
    return [tokens[i : i + MAX_SENTENCE_TOKENS] for i in range(0, len(tokens), MAX_SENTENCE_TOKENS)]


def _wiki_sentences(path: Path, sha256: str) -> tuple[list[list[str]], int]:
    """(sentences, number of articles) of the Wikipedia sample: each article tokenised and cut
    into ≤1000-token sentences; from the disk cache when it holds this file's result for this
    tokenizer version, otherwise parsed in this process (a few seconds) and written to the cache."""
    cached = _cache_path("wiki", sha256)
    hit = _read_cache(cached, sha256)
    if hit is not None:
        return hit
    articles = list(wiki_articles(path))
    sentences = [chunk for article in articles for chunk in _chunks(article)]
    _write_cache(cached, sha256, sentences, len(articles))
    return sentences, len(articles)


def _read_toy(name: str) -> tuple[list, str, Deferred]:
    """A toy corpus file (or its second domain): sentences, sha256 and its description."""
    no_limit = 10**12
    file, _, shifted = TOY_FILES[name]
    path = DATA_DIR / file
    if not path.is_file():
        script = "make_toy_vi_corpus.py" if "vi" in name else "make_toy_corpus.py"
        raise EmbedLabError(f"the toy corpus {path} is missing; regenerate it: python data/{script}")
    data = path.read_bytes()
    sentences = sentences_from_text(data.decode("utf-8"), "toy corpus", no_limit)
    # Deferred: cached for every visitor, shown in each one's language
    vietnamese = "vi" in name
    if shifted is None:
        groups = tuple(Deferred(GROUP_NAMES.get(group, group)) for group in toy_groups(name))
        template = (
            N_("Vietnamese toy corpus, segmented into words, with planted word groups ({groups}), {n:,} sentences")
            if vietnamese
            else N_("Toy corpus with planted word groups ({groups}), {n:,} sentences")
        )
        description = Deferred(template, groups=groups, n=len(sentences))
    else:
        moved = ", ".join(shifted_words(name))
        template = (
            N_(
                "Second domain of the Vietnamese toy corpus, segmented into words: the same groups, but {moved} "
                "change company; {n:,} sentences"
            )
            if vietnamese
            else N_("Second domain of the toy corpus: the same groups, but {moved} change company; {n:,} sentences")
        )
        description = Deferred(template, moved=moved, n=len(sentences))
    return sentences, hashlib.sha256(data).hexdigest(), description


def _read_vi() -> tuple[list, str, Deferred]:
    """The VLSP sentences shipped with underthesea: sentences, sha256 and its description."""
    no_limit = 10**12
    path = underthesea_file(VLSP_FILE)
    if path is None:
        raise EmbedLabError(
            "the vi corpus comes with underthesea, which is missing or changed; install it: pip install underthesea==9.5.0"
        )
    data = path.read_bytes()
    lines = vlsp_sentences(data.decode("utf-8"))
    sentences = sentences_from_text("\n".join(lines), VLSP_FILE, no_limit)
    description = Deferred(
        N_(
            "Vietnamese news sentences (VLSP 2013, shipped with underthesea), {n:,} sentences, "
            "segmented into words by their annotators"
        ),
        n=len(lines),
    )
    return sentences, hashlib.sha256(data).hexdigest(), description


@functools.lru_cache(maxsize=len(BUILTIN_CORPORA))
def read_builtin(name: str) -> tuple[tuple[tuple[str, ...], ...], str, str]:
    """(sentences as tuples, sha256, description) of a built-in corpus; cached in-process,
    immutable so that callers cannot change each other's copy."""
    no_limit = 10**12
    if name in TOY_FILES:
        sentences, sha256, description = _read_toy(name)
    elif name == "lee":
        data = _gensim_file(LEE_FILE).read_bytes()
        sentences = sentences_from_text(decode_text(data, LEE_FILE), LEE_FILE, no_limit)
        description = Deferred(N_("Lee news corpus (gensim test data), {n:,} documents"), n=len(data.splitlines()))
        sha256 = hashlib.sha256(data).hexdigest()
    elif name == "vi":
        sentences, sha256, description = _read_vi()
    elif name == "wiki":
        path = _gensim_file(WIKI_FILE)
        sha256 = sha256_file(path)
        sentences, n_articles = _wiki_sentences(path, sha256)
        description = Deferred(N_("English Wikipedia sample (gensim test data), {n:,} articles"), n=n_articles)
    else:
        raise EmbedLabError(f"unknown built-in corpus {name!r}; choose one of {', '.join(BUILTIN_CORPORA)}.")
    words: dict[str, str] = {}  # one str object per word type (the JSON cache gives one per token)
    return tuple(tuple(words.setdefault(w, w) for w in s) for s in sentences), sha256, description


def vlsp_sentences(text: str) -> list[str]:
    """The sentences of a VLSP tagging file (one word a line, then its tags, a blank line between
    sentences), each a line with the syllables of a word joined by "_".

    >>> vlsp_sentences("Học sinh\\tN\\tN\\nđi\\tV\\tV\\n\\nHà Nội\\tNp\\tNp\\n")
    ['Học_sinh đi', 'Hà_Nội']
    """
    sentences, words = [], []
    for line in text.split("\n"):
        word = line.split("\t", 1)[0].strip()
        if word:
            words.append("_".join(word.split()))
        elif words:
            sentences.append(" ".join(words))
            words = []
    if words:
        sentences.append(" ".join(words))
    return sentences


# The planted groups' names (the keys of the groups files), translated where they are shown.
GROUP_NAMES = {
    "royalty": N_("royalty"),
    "people": N_("people"),
    "animals": N_("animals"),
    "food": N_("food"),
    "colours": N_("colours"),
    "places": N_("places"),
    "verbs": N_("verbs"),
}


def group_name(name: str) -> str:
    """A planted group's name in the current language (a group the table does not know: as it is)."""
    return _(GROUP_NAMES[name]) if name in GROUP_NAMES else name


def toy_groups(name: str = "toy") -> dict[str, list[str]]:
    """The word groups planted in a toy corpus (``data/toy_groups.json``, ``data/toy_vi_groups.json``): name -> words.

    >>> toy_groups()["royalty"][:2], toy_groups("toy-vi")["royalty"][:2]
    (['king', 'queen'], ['vua', 'hoàng_hậu'])
    """
    return json.loads((DATA_DIR / TOY_FILES[name][1]).read_text(encoding="utf-8"))


def shifted_words(name: str = "toy-shift") -> list[str]:
    """The planted words that change company in a second toy domain (``toy-shift``, ``toy-vi-shift``).

    >>> shifted_words(), shifted_words("toy-vi-shift")
    (['apple', 'green', 'king', 'lion'], ['táo', 'xanh_lá', 'vua', 'sư_tử'])
    """
    return list(json.loads((DATA_DIR / TOY_FILES[name][2]).read_text(encoding="utf-8"))["shifted"])


def planted_groups(corpus_name: str) -> dict[str, list[str]] | None:
    """The word groups planted in a built-in corpus (``toy``, ``toy-vi``; each second domain shares
    its first's), else None. The one answer to "which word groups does this corpus have".

    >>> planted_groups("toy")["royalty"][:2], planted_groups("toy-vi")["people"][:2], planted_groups("wiki")
    (['king', 'queen'], ['đàn_ông', 'phụ_nữ'], None)
    """
    if corpus_name not in TOY_FILES:
        return None
    groups_file = TOY_FILES[corpus_name][1]
    try:
        groups = toy_groups(corpus_name)
    except (OSError, ValueError) as error:
        raise EmbedLabError(f"could not read the toy corpus's groups ({error}); restore data/{groups_file}.") from error
    if not isinstance(groups, dict) or not all(isinstance(w, list) for w in groups.values()):
        raise EmbedLabError(f"data/{groups_file} must map each group name to a list of words; restore it.")
    return {str(name): [str(w) for w in words] for name, words in groups.items()}


def planted_analogy(corpus_name: str) -> tuple[str, str, str, str] | None:
    """The analogy a built-in toy corpus plants, as (a, b, c, expected) for a − b + c ≈ expected:
    the first royal male − the first common male + the first common female ≈ the first royal
    female (each group file lists male then female of each pair); None for other corpora.

    >>> planted_analogy("toy"), planted_analogy("toy-vi"), planted_analogy("lee")
    (('king', 'man', 'woman', 'queen'), ('vua', 'đàn_ông', 'phụ_nữ', 'hoàng_hậu'), None)
    """
    groups = planted_groups(corpus_name)
    if groups is None:
        return None
    royalty, people = groups["royalty"], groups["people"]
    return royalty[0], people[0], people[1], royalty[1]
