"""Bytes → text: what an uploaded corpus file holds, decoded safely.

Uploaded bytes go through :func:`decode_upload`: UTF-8 (BOM or not) or UTF-16 with a BOM,
optionally inside .gz or .zip (detected by magic bytes), double-encoded UTF-8 repaired
(:mod:`embedlab.text.mojibake`). Decompression is done in memory in
chunks and stops at ``Limits.max_uncompressed_mb`` (:mod:`embedlab.text.uploads`), so zip and gzip
bombs are refused early and nothing is ever extracted to disk. Every user-fixable problem
raises :class:`EmbedLabError` with a one-line message that says what to do.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile

from embedlab.config import Limits
from embedlab.errors import EmbedLabError
from embedlab.i18n import _, number
from embedlab.text.mojibake import RepairReport, repair_mojibake
from embedlab.text.uploads import GZIP_MAGIC, MB, ZIP_MAGICS, ZIP_OPEN_ERRORS, Budget, file_label, gunzip, read_member

TEXT_SUFFIXES = (".txt", ".text", ".md", ".rst", ".cor", ".csv", ".tsv")  # zip entries we read
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\x0b\x0c")
_MAX_CONTROL_SHARE = 0.01  # more control characters than this and it is not text


def _too_big(label: str, limit_mb: int) -> EmbedLabError:
    return EmbedLabError(
        _(
            "{label} decompresses to more than {limit} MB, the limit here; upload a smaller part of it (or set "
            "EMBEDLAB_UNLIMITED=1 on your own machine)."
        ).format(label=label, limit=limit_mb)
    )


def _budget(label: str, limit_mb: int) -> Budget:
    return Budget(limit_mb, lambda: _too_big(label, limit_mb))


def _is_text_entry(info: zipfile.ZipInfo) -> bool:
    parts = info.filename.replace("\\", "/").split("/")
    base = parts[-1]
    if not base or "__MACOSX" in parts or base.startswith("._"):  # not base: a folder, or an empty name
        return False
    return base.lower().endswith(TEXT_SUFFIXES)


def _unzip_texts(data: bytes, label: str, limit_mb: int) -> str:
    """Every text entry of the zip, sorted by name, decoded and joined with newlines.

    Entry names are only sorted and looked at for their suffix, never used as paths, so an
    entry called "../../x.txt" is read as data like any other and nothing touches the disk.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_OPEN_ERRORS as exc:
        raise EmbedLabError(
            _("{label} is not a valid zip file; zip it again or upload the plain .txt file.").format(label=label)
        ) from exc
    with archive:
        entries = sorted((i for i in archive.infolist() if _is_text_entry(i)), key=lambda i: i.filename)
        if not entries:
            raise EmbedLabError(
                _(
                    "{label} has no text file in it (looked for {suffixes}); put your text in .txt files and zip "
                    "them again."
                ).format(label=label, suffixes=", ".join(TEXT_SUFFIXES))
            )
        if sum(i.file_size for i in entries) > limit_mb * MB:  # the declared sizes: cheap early refusal
            raise _too_big(label, limit_mb)
        budget = _budget(label, limit_mb)  # one total over every entry
        texts = [
            _decode_raw(read_member(archive, info, label, budget), f"{label} ({file_label(info.filename)})")
            for info in entries
        ]
        return "\n".join(texts)


def _looks_like_bomless_utf16(data: bytes) -> bool:
    """True when ``data`` decodes as UTF-16 (either byte order) to printable text."""
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(1 for ch in text if ch.isprintable() or ch.isspace())
        if "\x00" not in text and printable >= 0.95 * len(text):
            return True
    return False


def _decode_raw(data: bytes, label: str) -> str:
    """Bytes of one text file to str: a BOM decides the encoding, otherwise strict UTF-8."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise EmbedLabError(
                    _(
                        "{label} starts with a {encoding} byte-order mark but is not valid {encoding}; save it again "
                        "as UTF-8."
                    ).format(label=label, encoding=encoding.upper())
                ) from exc
    if b"\x00" in data:
        if _looks_like_bomless_utf16(data):
            raise EmbedLabError(
                _("{label} looks like UTF-16 without a byte-order mark; save it as UTF-8.").format(label=label)
            )
        raise EmbedLabError(
            _(
                "{label} is binary data, not text (it contains NUL bytes); upload a plain-text .txt, .gz or .zip file."
            ).format(label=label)
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EmbedLabError(
            _(
                "{label} is not UTF-8 text (byte 0x{byte} at position {position}); save it as UTF-8 (in most editors: "
                "Save As, Encoding: UTF-8) and upload it again."
            ).format(label=label, byte=f"{data[exc.start]:02x}", position=exc.start)
        ) from exc


def _check_text(text: str, label: str) -> str:
    """``text`` if it reads as text, else the refusal of binary data (NULs, control characters)."""
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS)
    if "\x00" in text or controls > _MAX_CONTROL_SHARE * max(len(text), 1):
        raise EmbedLabError(
            _(
                "{label} looks like binary data, not text (too many control characters); upload a plain-text file."
            ).format(label=label)
        )
    return text


def decode_text(data: bytes, label: str) -> str:
    """Bytes of one text file to str: a BOM decides the encoding, otherwise strict UTF-8; binary
    data is refused. Double-encoded text is returned as it is (see :func:`decode_upload`)."""
    return _check_text(_decode_raw(data, label), label)


def decode_bytes(data: bytes, filename: str, limits: Limits | None = None) -> str:
    """The text inside an uploaded file's bytes, as one str (see :func:`decode_upload`).

    >>> decode_bytes("\\ufeffcafé\\r\\n".encode("utf-8"), "notes.txt")
    'café\\r\\n'
    """
    return decode_upload(data, filename, limits)[0]


def decode_upload(data: bytes, filename: str, limits: Limits | None = None) -> tuple[str, RepairReport]:
    """The text inside an uploaded file's bytes, double-encoded lines repaired, and what was repaired.

    ``data`` may be UTF-8 (with or without BOM), UTF-16 with a BOM, or such text inside a
    .gz or .zip (recognised by magic bytes, not by ``filename``, which is only used in
    messages). A zip gives its text entries sorted by name, joined by newlines. UTF-8 that was
    once read as Windows-1252 or Latin-1 and saved again is repaired
    (:func:`embedlab.text.mojibake.repair_mojibake`); any other text comes back exactly as decoded.
    Raises EmbedLabError for an upload over ``limits.max_upload_mb``, output over
    ``limits.max_uncompressed_mb``, binary or non-UTF data, a damaged archive, or no text.

    >>> text, report = decode_upload("Há»c sinh\\n".encode("utf-8"), "notes.txt")
    >>> text, report.lines_repaired
    ('Học sinh\\n', 1)
    """
    limits = limits or Limits.from_env()
    label = file_label(filename)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > limits.max_upload_mb * MB:
        raise EmbedLabError(
            _(
                "{label} is {size} MB, more than the {limit} MB allowed here (about {words} million words of English, "
                "the word limit); upload a part of it, or compress it as .gz or .zip if it has fewer words than that."
            ).format(
                label=label,
                size=number(len(data) / MB, ".1f"),
                limit=limits.max_upload_mb,
                words=number(limits.max_tokens / 1e6, "g"),
            )
        )
    if not data.strip():
        raise EmbedLabError(_("{label} is empty; upload a text file with words in it.").format(label=label))
    if data.startswith(GZIP_MAGIC):
        again = "compress it again or upload the plain .txt file."
        text = _decode_raw(gunzip(data, label, _budget(label, limits.max_uncompressed_mb), again), label)
    elif data.startswith(ZIP_MAGICS):
        text = _unzip_texts(data, label, limits.max_uncompressed_mb)
    else:
        text = _decode_raw(data, label)
    # repaired first: Latin-1 mojibake is full of C1 control characters that are really letters
    text, report = repair_mojibake(text)
    _check_text(text, label)
    if not text.strip():
        raise EmbedLabError(
            _("{label} has no text in it (only blanks); upload a text file with words in it.").format(label=label)
        )
    return text, report
