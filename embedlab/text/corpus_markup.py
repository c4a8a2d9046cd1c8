"""Markup in an uploaded text: found (Markdown, LaTeX, HTML), counted, and stripped (the other side of
embedlab.markup, which makes a visitor's text inert on screen).

The tokenizer drops punctuation, so ``#``, ``**`` or ``|`` never become words; what markup does
leave behind is its words: LaTeX command names (``\\mathbf{v}`` → "mathbf", "v"), link targets
("https", "github", "com"), HTML tag and attribute names ("div", "href", "nbsp"), code. The
lecture note uploaded as it is trains on "mathbf, v, w, c, frac, mathcal…".

report = detect_markup(text)       # MarkupReport: which kinds, how many signs of each, examples
clean = strip_markup(text)         # the prose, formulas and code dropped, link and emphasis text kept
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field

# --- what each kind of markup looks like --------------------------------------------------

_LATEX_COMMAND = re.compile(r"\\([A-Za-z]+)")
_LATEX_MATH = re.compile(
    r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)|\\begin\{(\w+\*?)\}.*?\\end\{\1\}|(?<![\\$\w])\$[^$\n]+?\$(?!\w)",
    re.S,
)
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S.*$", re.M)
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\(([^)\s]*)(?:\s+\"[^\"\n]*\")?\)")
_MD_FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.M | re.S)
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$", re.M)
_MD_INLINE_CODE = re.compile(r"`[^`\n]+`")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_HTML_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HTML_ENTITY = re.compile(r"&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+")

# LaTeX commands whose braced argument is prose: keep the argument, drop the command
_TEXT_COMMANDS = frozenset(
    "textbf textit emph underline text textrm textsf texttt section subsection subsubsection paragraph "
    "chapter title caption footnote item mbox".split()
)
# HTML tags inside a line of text: removed without a space, so "<b>word</b>." stays "word."
_INLINE_TAGS = frozenset(
    "a abbr b bdi bdo cite code del dfn em i ins kbd mark q s samp small span strong sub sup u var".split()
)
# signs a line is a formula (or code) rather than prose
_MATH_SIGN = re.compile(r"\\[A-Za-z]+|[=∑Σ∂∇≈∈→←⇒×·^]|_\{|\^\{")
_PROSE_WORD = re.compile(r"[^\W\d_]{3,}")
MIN_PROSE_WORDS = 3  # a line with math signs and fewer words of three letters or more is a formula

# how many signs make a kind "detected": a stray "$5" or one "<b>" in a novel is not markup
DETECT_AT = {"LaTeX": 5, "Markdown": 3, "HTML": 3}
CHARS_PER_SIGN = 20_000  # and at least one sign per this many characters: two <i> in a book are not HTML
DETECT_SAMPLE_CHARS = 1_000_000  # detection reads at most this much of a text (about 160,000 English words)


@dataclass(frozen=True)
class MarkupKind:
    """One kind of markup found: its name, how many signs of it, a few of them as written."""

    name: str  # "LaTeX" | "Markdown" | "HTML"
    signs: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class MarkupReport:
    """The kinds of markup a text holds (only those past ``DETECT_AT``), most signs first, and the
    words the markup would add to the corpus (:func:`words_markup_adds`, filled in by the reader)."""

    kinds: tuple[MarkupKind, ...] = field(default_factory=tuple)
    adds: tuple[tuple[str, int], ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.kinds)

    @property
    def names(self) -> list[str]:
        return [kind.name for kind in self.kinds]


def _examples(matches, limit: int = 4) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for text in matches:
        text = " ".join(text.split())[:40]
        if text and text not in seen:
            seen[text] = None
            if len(seen) == limit:
                break
    return tuple(seen)


def sample_text(text: str, budget: int = DETECT_SAMPLE_CHARS, pieces: int = 16) -> str:
    """``text`` itself if it is at most ``budget`` characters, else ``pieces`` stretches spread
    evenly through it (cut at line ends), ``budget`` characters in all.

    >>> len(sample_text("ab\\n" * 1000, budget=300, pieces=3)) <= 300
    True
    """
    if len(text) <= budget:
        return text
    size, step = budget // pieces, len(text) // pieces
    out = []
    for start in range(0, pieces * step, step):
        piece = text[start : start + size]
        if start:  # start at a line's beginning
            piece = piece[piece.find("\n") + 1 :] if "\n" in piece else piece
        out.append(piece[: piece.rfind("\n") + 1] or piece)
    return "".join(out)


def detect_markup(text: str) -> MarkupReport:
    """Which markup ``text`` carries, counted sign by sign.

    LaTeX: ``\\command`` and ``$…$`` math; Markdown: headings, links and images, code fences,
    inline code, **emphasis**, table rules; HTML: tags, comments and entities. A kind is reported
    once it has ``DETECT_AT[kind]`` signs, and one per CHARS_PER_SIGN characters. A text over DETECT_SAMPLE_CHARS is judged on a sample
    of that size spread through it (:func:`sample_text`), and the signs are those of the sample.

    >>> detect_markup("# Title\\n\\nSee [the note](https://x.org) and **this**.").names
    ['Markdown']
    >>> detect_markup(r"E: w \\rightarrow \\mathbf{v}_w \\in \\mathbb{R}^d, \\frac{a}{b}").kinds[0].examples
    ('\\\\rightarrow', '\\\\mathbf', '\\\\in', '\\\\mathbb')
    >>> bool(detect_markup("Plain prose costs $5 <3 and that is fine."))
    False
    """
    text = sample_text(text)
    latex = [m.group(0) for m in _LATEX_COMMAND.finditer(text)]
    latex += [m.group(0) for m in _LATEX_MATH.finditer(text) if m.group(0).startswith("$")]
    markdown = []
    for pattern in (_MD_HEADING, _MD_LINK, _MD_FENCE, _MD_EMPHASIS, _MD_TABLE_RULE, _MD_INLINE_CODE):
        markdown += [m.group(0) for m in pattern.finditer(text)]
    markup_html = [m.group(0) for m in _HTML_COMMENT.finditer(text)]
    markup_html += [m.group(0) for m in _HTML_TAG.finditer(text)]
    markup_html += [m.group(0) for m in _HTML_ENTITY.finditer(text)]
    kinds = [
        MarkupKind(name, len(signs), _examples(signs))
        for name, signs in (("LaTeX", latex), ("Markdown", markdown), ("HTML", markup_html))
        if len(signs) >= max(DETECT_AT[name], len(text) / CHARS_PER_SIGN)
    ]
    return MarkupReport(tuple(sorted(kinds, key=lambda kind: -kind.signs)))


# --- stripping ------------------------------------------------------------------------------


def _tag_name(tag: str) -> str:
    return re.match(r"</?([A-Za-z][A-Za-z0-9-]*)", tag).group(1).lower()


def _strip_latex_inline(line: str) -> str:
    """LaTeX commands out of one line: a text command keeps its argument, any other command goes
    with its arguments, sub- and superscripts."""
    previous = None
    while previous != line:  # innermost first, so \textbf{\emph{x}} unwraps fully
        previous = line
        line = re.sub(
            r"\\([A-Za-z]+)\*?((?:\[[^\[\]{}]*\])?)\{([^{}]*)\}",
            lambda m: f" {m.group(3)} " if m.group(1) in _TEXT_COMMANDS else " ",
            line,
        )
    line = re.sub(r"[_^](?:\{[^{}]*\}|\\?[^\W_]'?(?![^\W_]))", " ", line)  # v_w, x^{2}, x^\top; not v_king, hoàng_hậu
    line = re.sub(r"\\[A-Za-z]+\*?|\\.", " ", line)  # what is left: \eta, \\, \{
    return line.replace("{", " ").replace("}", " ")


def _is_formula(original: str, stripped: str) -> bool:
    """A line with math signs and fewer than MIN_PROSE_WORDS words once its LaTeX is out."""
    return bool(_MATH_SIGN.search(original)) and len(_PROSE_WORD.findall(stripped, 0, 4000)) < MIN_PROSE_WORDS


def strip_markup(text: str) -> str:
    """``text`` with its markup taken out, one output line per input line where a line survives.

    Dropped: LaTeX math (``$…$``, ``$$…$$``, ``\\[…\\]``, environments) and every line that is a
    formula or code (math signs and fewer than three words of three letters or more), LaTeX
    commands (a text command such as ``\\textbf{word}`` keeps its word), Markdown code fences and
    inline code, link and image targets, URLs, HTML tags, comments, scripts and styles. Kept: the
    prose, a link's or an emphasis's own words (``[the note](url)`` → "the note"), headings'
    text, HTML entities decoded. Words joined by ``_`` (``hoàng_hậu``) are left whole.

    >>> strip_markup("## Skip-gram\\nThe **centre** word, see [the note](https://x.org).\\n"
    ...              "\\\\frac{\\\\partial L}{\\\\partial \\\\mathbf{v}_w} = 0\\nTrong đó \\\\eta là learning rate.")
    'Skip-gram\\nThe centre word, see the note.\\nTrong đó   là learning rate.'
    """
    text = _HTML_COMMENT.sub(" ", text)
    text = _HTML_BLOCK.sub(" ", text)
    text = _MD_FENCE.sub("", text)
    text = _LATEX_MATH.sub(" ", text)
    text = _MD_LINK.sub(lambda m: "" if m.group(0).startswith("!") else m.group(1), text)
    text = _MD_INLINE_CODE.sub(" ", text)
    text = _HTML_TAG.sub(lambda m: "" if _tag_name(m.group(0)) in _INLINE_TAGS else " ", text)
    text = _URL.sub(" ", text)
    text = html.unescape(text)
    lines = []
    for line in text.splitlines():
        stripped = line
        if _MATH_SIGN.search(line):  # most prose lines have none: the costly part is skipped for them
            stripped = _strip_latex_inline(line)
            if _is_formula(line, stripped):
                continue
        if stripped.lstrip()[:1] in ("#", ">"):
            stripped = re.sub(r"^ {0,3}#{1,6}[ \t]+", "", stripped)  # heading marks
            stripped = re.sub(r"^\s*>+\s?", "", stripped)  # block quotes
        if "*" in stripped or "_" in stripped:
            stripped = _MD_EMPHASIS.sub(lambda m: m.group(2) or m.group(3), stripped)
        stripped = stripped.rstrip()
        if stripped.strip() or (lines and lines[-1]):
            lines.append(stripped)
    return "\n".join(lines).strip("\n")


def words_markup_adds(text: str, tokenize, limit: int = 8) -> list[tuple[str, int]]:
    """The words that come only from markup, with how many times: tokens of ``text`` less the
    tokens of its stripped version, most frequent first (``tokenize``: text → list of words).

    >>> from embedlab.text.tokenizer import tokenize
    >>> words_markup_adds(r"the vectors \\mathbf{v} and \\mathbf{w} live in \\mathbb{R}", tokenize)
    [('mathbf', 2), ('mathbb', 1), ('r', 1), ('v', 1), ('w', 1)]
    """
    lost = Counter(tokenize(text))
    lost.subtract(Counter(tokenize(strip_markup(text))))
    ranked = sorted(((w, c) for w, c in lost.items() if c > 0), key=lambda wc: (-wc[1], wc[0]))
    return ranked[:limit]
