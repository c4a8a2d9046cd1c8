"""The interface's language: one translation function over gettext, the current language of one
visitor, and numbers written the way that language writes them.

The catalogs are gettext ``.po`` files in ``embedlab/locales/<lang>/LC_MESSAGES/embedlab.po``
(the sources, kept in the repository). Their compiled ``.mo`` is made at run time when missing
or out of date: it is cached under the cache directory by the ``.po``'s content hash, so a fresh
install needs no compile step and an edited catalog is recompiled on the next start.

The current language is a context variable, not a process-wide switch: one server process serves
many visitors from many threads, and each script run sets its visitor's language for its own
thread (:func:`set_language` or the :func:`use` block). Code that runs elsewhere (a background
job's thread) sees English unless it is given a language.

Text marked with :func:`N_` is extracted but translated only where it is shown (module-level
constants such as the Lecture's steps); text wrapped in :func:`_` is translated at once.

>>> with use("vi"):
...     _("epoch (0 = the random start)")
'epoch (0 = khởi đầu ngẫu nhiên)'
>>> number(12345.678, ",.2f", "vi"), number(12345.678, ",.2f", "en"), number(0.421, ".0%", "vi")
('12.345,68', '12,345.68', '42%')
>>> language_of_locale("vi-VN"), language_of_locale("en-US"), language_of_query(["vi"])
('vi', 'en', 'vi')
>>> localise_spec({"mark": "line"}, "vi")["config"]["locale"]["number"]["decimal"]
','
"""

from __future__ import annotations

import contextvars
import functools
import gettext as _gettext
import hashlib
import io
import os
import string
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

DOMAIN = "embedlab"
LOCALES = Path(__file__).with_name("locales")
ENGLISH = "en"
LANGUAGES = ("en", "vi")  # the interface's languages, in the sidebar switch's order
NAMES = {"en": "English", "vi": "Tiếng Việt"}
# A test locale: every catalog string shown between these marks, so that a test can find text
# that never went through the catalog (it shows unmarked).
PSEUDO = "qps"
PSEUDO_MARKS = ("⟦", "⟧")

_language: contextvars.ContextVar[str] = contextvars.ContextVar("embedlab_language", default=ENGLISH)


def N_(message: str) -> str:
    """Marks ``message`` for the catalog without translating it (translate it where it is shown)."""
    return message


def known(language: str | None) -> str:
    """``language`` if the interface speaks it (or it is the pseudo-locale), else English."""
    return language if language in LANGUAGES or language == PSEUDO else ENGLISH


def current() -> str:
    """The language of the script run (or block) this is called from."""
    return _language.get()


def set_language(language: str | None) -> contextvars.Token:
    """Sets the current language for the rest of this thread's context (a page script calls it
    once at the top of every run) and returns the token that :func:`reset` takes."""
    return _language.set(known(language))


def reset(token: contextvars.Token) -> None:
    _language.reset(token)


@contextmanager
def use(language: str | None) -> Iterator[str]:
    """The current language is ``language`` inside the block, and what it was after it."""
    token = _language.set(known(language))
    try:
        yield _language.get()
    finally:
        _language.reset(token)


def gettext(message: str, language: str | None = None) -> str:
    """``message`` in ``language`` (default: the current one); the message itself when the
    catalog has no translation for it."""
    return translations(language or current()).gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int, language: str | None = None) -> str:
    """The singular or plural form for ``n`` in ``language`` (Vietnamese has one form)."""
    return translations(language or current()).ngettext(singular, plural, n)


# ---------------------------------------------------------------- catalogs


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_po(po_bytes: bytes) -> bytes:
    """A ``.po`` file's bytes compiled to ``.mo`` bytes (Babel's reader and writer; fuzzy
    entries are left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo  # only when a catalog must be compiled
    from babel.messages.pofile import read_po

    catalog = read_po(io.BytesIO(po_bytes), abort_invalid=True)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _compiled(language: str) -> bytes:
    """The ``.mo`` bytes of ``language``'s catalog: from the cache when the ``.po`` has not
    changed since it was compiled, else compiled now (and cached if the cache is writable)."""
    source = po_path(language).read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    cache = Path(os.environ.get("EMBEDLAB_CACHE_DIR") or Path.home() / ".cache" / "embedlab").expanduser()
    cached = cache / "locales" / f"{DOMAIN}-{language}-{digest}.mo"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    mo = compile_po(source)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        temporary.write_bytes(mo)
        os.replace(temporary, cached)  # whole or absent: a reader never sees half a catalog
    except OSError:
        pass  # a read-only cache: the catalog is compiled again by the next process
    return mo


class _Pseudo(_gettext.NullTranslations):
    """Every message the Vietnamese catalog holds comes back between PSEUDO_MARKS."""

    def __init__(self, messages: frozenset[str]) -> None:
        super().__init__()
        self._messages = messages

    def gettext(self, message: str) -> str:
        return f"{PSEUDO_MARKS[0]}{message}{PSEUDO_MARKS[1]}" if message in self._messages else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        text = singular if n == 1 else plural
        return f"{PSEUDO_MARKS[0]}{text}{PSEUDO_MARKS[1]}" if singular in self._messages else text


@functools.cache
def translations(language: str) -> _gettext.NullTranslations:
    """The catalog of ``language``: English is the messages themselves."""
    language = known(language)
    if language == ENGLISH:
        return _gettext.NullTranslations()
    if language == PSEUDO:
        keys = catalog("vi")  # a plural entry is keyed (singular, form)
        return _Pseudo(frozenset(key if isinstance(key, str) else key[0] for key in keys if key))
    return _gettext.GNUTranslations(io.BytesIO(_compiled(language)))


def catalog(language: str) -> dict:
    """msgid → msgstr of ``language``'s compiled catalog (what :func:`gettext` looks up)."""
    if language not in LANGUAGES or language == ENGLISH:
        return {}
    return dict(translations(language)._catalog)


# ---------------------------------------------------------------- choosing the language


def language_of_locale(locale: str | None) -> str:
    """The interface language for a browser locale: "vi", "vi-VN", "vi_VN" → "vi"; anything else
    (or none) → English."""
    primary = (locale or "").replace("_", "-").split("-")[0].strip().lower()
    return primary if primary in LANGUAGES else ENGLISH


def language_of_query(value: str | Sequence[str] | None) -> str | None:
    """The language a ``?lang=`` query value asks for ("vi", "VI", "vi-VN", the last of several),
    or None when it asks for none the interface speaks."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = value[-1] if len(value) else ""
    primary = value.replace("_", "-").split("-")[0].strip().lower()
    return primary if primary in LANGUAGES or primary == PSEUDO else None


def choose(chosen: str | None = None, query: str | Sequence[str] | None = None, locale: str | None = None) -> str:
    """The visitor's language: the one chosen in the switch, else the URL's ``?lang=``, else
    the browser's locale."""
    if chosen in LANGUAGES or chosen == PSEUDO:
        return chosen
    return language_of_query(query) or language_of_locale(locale)


# ---------------------------------------------------------------- numbers

# CLDR's Vietnamese number symbols: decimal comma, dot between thousands ("12.345,68"), and the
# percent sign right after the number ("42%"). Python's format() writes English; the two
# separators are swapped for Vietnamese.
_DECIMAL_COMMA = str.maketrans({".": ",", ",": "."})
_DECIMAL_COMMA_LANGUAGES = frozenset({"vi"})


def number(value: float | int, spec: str = "", language: str | None = None) -> str:
    """``format(value, spec)`` written in ``language``'s way (default: the current language):
    Vietnamese swaps the decimal point and the thousands separator."""
    text = format(value, spec)
    return text.translate(_DECIMAL_COMMA) if (language or current()) in _DECIMAL_COMMA_LANGUAGES else text


def listing(items: Sequence[str], language: str | None = None) -> str:
    """Items joined for a sentence: "; " where numbers carry a decimal comma, so "0,42; 0,51"
    cannot be read as one list of four."""
    separator = "; " if (language or current()) in _DECIMAL_COMMA_LANGUAGES else ", "
    return separator.join(items)


def table_style(frame, precision: int = 4, language: str | None = None):
    """``frame.style`` with its numbers written in ``language``'s way (a pandas Styler, which
    st.dataframe draws): ``precision`` decimals, "—" for a missing value."""
    vietnamese = (language or current()) in _DECIMAL_COMMA_LANGUAGES
    decimal, thousands = (",", ".") if vietnamese else (".", None)
    return frame.style.format(na_rep="—", precision=precision, decimal=decimal, thousands=thousands)


# Vega's number formats (d3-format) in the language: axes, legends and tooltips of every chart.
_VEGA_NUMBERS = {"vi": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", "\u00a0₫"]}}


def vega_locale(language: str | None = None) -> dict | None:
    """The ``config.locale`` a Vega-Lite spec needs to write its numbers in ``language`` (None
    for English, Vega's own default)."""
    number = _VEGA_NUMBERS.get(language or current())
    return {"number": dict(number)} if number else None


def localise_spec(spec: dict, language: str | None = None) -> dict:
    """A copy of a Vega-Lite ``spec`` whose numbers (axes, tooltips) follow ``language``."""
    locale = vega_locale(language)
    if locale is None:
        return spec
    return {**spec, "config": {**spec.get("config", {}), "locale": locale}}


# ---------------------------------------------------------------- text made now, shown later


class _NumberFormatter(string.Formatter):
    """str.format whose numeric fields are written in one language's way ({n:,} → 12.345 in Vietnamese)."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def format_field(self, value, format_spec: str) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return number(value, format_spec, self.language)
        return super().format_field(value, format_spec)


def format_in(template: str, language: str | None = None, /, **fields) -> str:
    """``template.format(**fields)`` with its numbers written in ``language``'s way.

    >>> format_in("{n:,} words, {share:.1%}", "vi", n=12345, share=0.125)
    '12.345 words, 12,5%'
    """
    return _NumberFormatter(language or current()).format(template, **fields)


class Deferred(str):
    """A message made where no visitor's language is known (a cached corpus, a background job),
    translated where it is shown: as a ``str`` it is the English text; :func:`shown` gives it in
    the visitor's language. Mark its template with :func:`N_` so the catalog has it.

    A field may be another Deferred, or a tuple of them (a list, joined by ", ").

    >>> reason = Deferred(N_("{share:.0%} of syllables"), share=0.83)
    >>> reason, shown(reason, "vi") == format_in(gettext("{share:.0%} of syllables", "vi"), "vi", share=0.83)
    ('83% of syllables', True)
    >>> Deferred("{words}", words=("a", Deferred("b")))
    'a, b'
    """

    template: str
    fields: dict

    def __new__(cls, template: str, **fields) -> Deferred:
        english = {key: _joined(value, ENGLISH) for key, value in fields.items()}
        self = super().__new__(cls, format_in(template, ENGLISH, **english))
        self.template, self.fields = template, fields
        return self

    def translated(self, language: str | None = None) -> str:
        language = language or current()
        fields = {key: _joined(value, language) for key, value in self.fields.items()}
        return format_in(gettext(self.template, language), language, **fields)


def _joined(value, language: str):
    """A field of a :class:`Deferred` in ``language``: a tuple is a list, its items joined by ", "."""
    if isinstance(value, tuple):
        return ", ".join(str(shown(item, language)) for item in value)
    return shown(value, language)


def shown(text, language: str | None = None):
    """``text`` in ``language`` (default: the current one) if it is :class:`Deferred`, else as it is."""
    if isinstance(text, Deferred) and getattr(text, "template", None) is not None:
        return text.translated(language)
    return text
