"""Files and directories written atomically: a reader sees the old one or the new one, never half.

A file is written to a temporary file beside it, fsynced and renamed (:func:`atomic_write`); a
directory is built in a temporary sibling ``.tmp-<pid>-*`` and renamed into place when complete
(:func:`atomic_dir`, and :class:`embedlab.store.RunWriter` through :func:`check_target`,
:func:`new_temporary` and :func:`publish`). A killed writer leaves only a ``.tmp-*`` directory,
which is never read and is removed by the next writer once its process is gone
(:func:`remove_stale_temporaries`).

This module is the one place that knows how a file or a directory is written atomically.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from embedlab.errors import EmbedLabError


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def atomic_write(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` all at once: a temporary file beside it, fsync, rename.

    A reader sees the old file or the new one, never half of either; a failure leaves nothing.

    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write(p, "hello").read_text()
    'hello'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{os.getpid()}-{path.name}-")
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; an ordinary file is readable like any other
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    """The process's umask, read without changing it (os.umask would, briefly, for every thread)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(parent: Path, max_age_seconds: float = 24 * 3600) -> None:
    """Delete ``.tmp-<pid>-*`` directories of processes that are gone (or very old ones)."""
    if not parent.is_dir():
        return
    for tmp in parent.glob(".tmp-*"):
        try:
            pid = int(tmp.name.split("-")[1])
        except (IndexError, ValueError):
            pid = -1
        try:
            too_old = time.time() - tmp.stat().st_mtime > max_age_seconds
        except OSError:
            continue
        if pid <= 0 or not _pid_alive(pid) or too_old:
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink(missing_ok=True)


def check_target(target: Path) -> None:
    """A target may be absent or an empty directory; anything else is refused."""
    if target.exists() and not (target.is_dir() and not any(target.iterdir())):
        raise EmbedLabError(f"{target} already exists; choose another --out or remove it first.")


def new_temporary(target: Path) -> Path:
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(parent)
    tmp = parent / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}-{target.name}"
    tmp.mkdir()
    return tmp


def publish(tmp: Path, target: Path) -> bool:
    """fsync every file of ``tmp`` and rename it to ``target``; False when someone else won."""
    for child in tmp.rglob("*"):
        if child.is_file():
            _fsync_file(child)
    if target.is_dir() and not any(target.iterdir()):
        target.rmdir()  # an empty directory given as --out is replaced
    try:
        os.rename(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not target.exists():
            raise
        return False
    return True


@contextmanager
def atomic_dir(target: str | os.PathLike, *, exist_ok: bool = False) -> Iterator[Path]:
    """Build a directory in a temporary sibling and rename it to ``target`` when the block ends.

    ``target`` must be absent or an empty directory; with ``exist_ok`` a ``target`` that is
    already there (or appears meanwhile: another process built the same thing first) is kept and
    the new copy dropped. If the block raises (or the process dies), nothing appears at ``target``.

    >>> import tempfile; out = Path(tempfile.mkdtemp()) / "out"
    >>> with atomic_dir(out) as tmp:
    ...     _ = (tmp / "a.csv").write_text("x")
    >>> sorted(p.name for p in out.iterdir())
    ['a.csv']
    """
    target = Path(target)
    if not exist_ok:
        check_target(target)
    tmp = new_temporary(target)
    try:
        yield tmp
        if not exist_ok:
            check_target(target)
        publish(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
