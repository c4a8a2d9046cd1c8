"""Reading uploaded bytes safely: names fit for a message, gzip and zip undone in memory.

Shared by the corpus reader (:mod:`embedlab.text.decoding`) and the importer
(:mod:`embedlab.importer`). Decompression runs in chunks against a :class:`Budget`, so zip and
gzip bombs are refused after little more than the limit has been read; zip members are read
into memory under our own names, never extracted under theirs.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from embedlab.errors import EmbedLabError
from embedlab.i18n import _, number

MB = 1024 * 1024
CHUNK = 1 << 20  # decompress 1 MiB at a time, checking the running total after each chunk
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
ZIP_OPEN_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError)  # what ZipFile() raises for a bad archive


def file_label(name: str) -> str:
    """A file's base name, safe to put in a one-line message.

    >>> file_label("../some\\\\dir/notes\\x07.txt")
    'notes?.txt'
    """
    base = PurePosixPath(str(name).replace("\\", "/")).name or str(name)
    return "".join(ch if ch.isprintable() else "?" for ch in base)[:120] or "the file"


class Budget:
    """Bytes decompressed so far, against ``limit_mb``; over it, ``refusal()`` is raised."""

    def __init__(self, limit_mb: int, refusal: Callable[[], EmbedLabError]):
        self.limit_mb, self.refusal, self.used = limit_mb, refusal, 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit_mb * MB:
            raise self.refusal()


def read_file(path: Path, label: str, shown: str, limit_mb: int, advice: str) -> bytes:
    """The bytes of the file at ``path``, refused before it is read when it is over ``limit_mb``
    (``advice`` ends that message) or when it cannot be read (``shown`` names it there)."""
    size = path.stat().st_size
    if size > limit_mb * MB:
        raise EmbedLabError(
            _("{label} is {size} MB, more than the {limit} MB allowed here; {advice}").format(
                label=label, size=number(size / MB, ".1f"), limit=limit_mb, advice=advice
            )
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise EmbedLabError(
            _("cannot read {file} ({reason}); check that the file is readable.").format(file=shown, reason=exc.strerror)
        ) from exc


def gunzip(data: bytes, label: str, budget: Budget, again: str) -> bytes:
    """The decompressed bytes of a gzip file; ``again`` ends the message for a damaged one."""
    out = []
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(CHUNK):
                budget.take(len(chunk))
                out.append(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise EmbedLabError(
            _("{label} is not a valid gzip file ({reason}); {again}").format(
                label=label, reason=type(exc).__name__, again=again
            )
        ) from exc
    return b"".join(out)


def read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, budget: Budget, damaged: str | None = None
) -> bytes:
    """One zip member's bytes, read in chunks against ``budget`` (the real sizes: headers can lie).

    ``damaged`` says what is wrong with an unreadable member in the message (default: the
    exception's type); encrypted members and unknown compression methods are refused too.
    """
    parts = []
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                budget.take(len(chunk))
                parts.append(chunk)
    except EmbedLabError:
        raise  # over the budget
    except RuntimeError as exc:  # zipfile raises RuntimeError for encrypted entries
        raise EmbedLabError(
            _("{label} is password-protected; zip it again without a password.").format(label=label)
        ) from exc
    except NotImplementedError as exc:
        raise EmbedLabError(
            _(
                "{label} uses a compression method Python cannot read; zip it again with the standard (deflate) method."
            ).format(label=label)
        ) from exc
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError) as exc:  # ValueError: a negative offset
        raise EmbedLabError(
            _("{label} is damaged ({reason}); zip it again.").format(label=label, reason=damaged or type(exc).__name__)
        ) from exc
    return b"".join(parts)
