"""The maths fingerprint: a hash of the code that decides a run's numbers, part of every run's
cache key (and of the shipped default runs' names), so that a change to the maths makes every
cached run stale, and a reworded comment does not."""

from __future__ import annotations

import ast
import hashlib
import io
import tokenize
from functools import lru_cache
from pathlib import Path

MATHS_MODULES = (
    "train/softmax.py",
    "train/gensim_trainer.py",
    "train/objectives.py",
    "train/objectives_sampled.py",
    "train/metrics.py",
    "text/vocab.py",
    "text/pair_counts.py",
    "text/pair_draws.py",
    "train/training.py",
    "text/tokenizer.py",  # which words a corpus has
    "text/mojibake.py",
    "text/segmentation.py",
)


def maths_fingerprint() -> str:
    """sha256 of the code of the modules that decide a run's numbers (part of every cache key):
    their source without comments, docstrings and blank lines (:func:`code_lines`), so that
    rewording a comment does not make every cached and shipped run stale."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parents[1]  # the embedlab package
    for name in MATHS_MODULES:
        stat = (here / name).stat()
        digest.update(_code_digest(here / name, stat.st_mtime_ns, stat.st_size))
    return digest.hexdigest()[:16]


@lru_cache(maxsize=64)
def _code_digest(path: Path, mtime_ns: int, size: int) -> bytes:
    """One module's code hashed, once per version of the file (tokenising costs ~20 ms a module,
    and pages ask for the fingerprint with every run key they compute)."""
    return hashlib.sha256("\n".join(code_lines(path.read_text(encoding="utf-8"))).encode()).digest()


def code_lines(source: str) -> list[str]:
    """The lines of a module's source with comments, docstrings and blank lines taken out.

    >>> code_lines("'Doc.'\\n\\nx = 1  # why\\n# a note\\ndef f():\\n    'Doc.'\\n    return '#'\\n")
    ['x = 1', 'def f():', "    return '#'"]
    """
    lines = source.splitlines()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            lines[row - 1] = lines[row - 1][:col]
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if not (isinstance(body, list) and body and isinstance(body[0], ast.Expr)):
            continue
        first = body[0]
        if isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            alone = not lines[first.lineno - 1][: first.col_offset].strip() and len(body) > 1
            if alone:  # a docstring on lines of its own (one that is a whole body stays)
                lines[first.lineno - 1 : first.end_lineno] = [""] * (first.end_lineno - first.lineno + 1)
    return [line.rstrip() for line in lines if line.strip()]
