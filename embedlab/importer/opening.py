"""Opening files as a run: :func:`import_run`, the run's name and content key, and what an opened
run is, in words (:func:`describe`, :func:`snapshot_table`).

The files are recognised by content, not by name: a folder holding input_vectors.npy is an
EmbedLab bundle (:mod:`embedlab.importer.bundle`); anything else is checkpoints
(:mod:`embedlab.importer.snapshots`). The run directory is written atomically.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path, PurePosixPath

import pandas as pd

from embedlab.config import ImportOptions, Limits
from embedlab.errors import EmbedLabError
from embedlab.i18n import N_, Deferred, _, format_in
from embedlab.importer.bundle import bundle_dirs, open_bundle
from embedlab.importer.files import InputFile, Progress, unpack
from embedlab.importer.snapshots import IMPORTER_VERSION, open_snapshots
from embedlab.store import Run
from embedlab.text.uploads import ZIP_MAGICS, ZIP_OPEN_ERRORS, file_label


def run_name(files: Sequence[InputFile]) -> str:
    """A name for the run directory: the bundled run's own id, else the file's stem.

    >>> run_name([InputFile("epoch1.txt", b"")])
    'epoch1'
    """
    if len(files) == 1 and files[0].data.startswith(ZIP_MAGICS):
        try:
            with zipfile.ZipFile(io.BytesIO(files[0].data)) as archive:
                names = archive.namelist()
        except ZIP_OPEN_ERRORS:
            names = []
        for name in names:
            path = PurePosixPath(name.replace("\\", "/"))
            if path.name == "input_vectors.npy" and path.parent.name:
                return _safe_name(path.parent.name)
    if len(files) >= 1 and "/" in files[0].name.replace("\\", "/"):
        return _safe_name(PurePosixPath(files[0].name.replace("\\", "/")).parent.name)
    return _safe_name(file_label(files[0].name).split(".")[0]) if files else "imported"


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")[:80]
    return cleaned or "imported"


def content_key(files: Sequence[InputFile], options: ImportOptions) -> str:
    """sha256 of the files (names and bytes), the options and the importer version: a run opened
    from the same files with the same options is the same run."""
    digest = hashlib.sha256(json.dumps({"v": IMPORTER_VERSION, "options": asdict(options)}, sort_keys=True).encode())
    for file in files:
        digest.update(file.name.encode("utf-8", "replace") + b"\0")
        digest.update(hashlib.sha256(file.data).digest())
    return digest.hexdigest()


def _source_label(files: Sequence[InputFile]) -> str:
    """How the files are named in messages: the file, the folder they came from, or the first and last."""
    folders = {PurePosixPath(f.name.replace("\\", "/")).parent.name for f in files}
    if len(folders) == 1 and (folder := folders.pop()):
        return file_label(folder)
    if len(files) == 1:
        return file_label(files[0].name)
    return f"{file_label(files[0].name)} … {file_label(files[-1].name)} ({len(files)} files)"


def import_run(
    files: Sequence[InputFile],
    out: str | os.PathLike,
    options: ImportOptions | None = None,
    *,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> Run:
    """Open ``files`` (a bundle .zip, word2vec checkpoints, or .npy with a vocabulary) as the run
    directory ``out``, written atomically; returns the loaded run.

    Raises EmbedLabError with one line that says what to do for anything that cannot be opened
    (a pickle, a damaged zip, mismatched dimensions, a file over the limits…); ``out`` is then
    left absent. ``progress(fraction, text)`` is called as the work goes on.
    """
    options = (options or ImportOptions()).validate()
    limits = limits or Limits.from_env()
    progress = progress or (lambda fraction, text: None)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise EmbedLabError(f"{out} already exists; choose another --out or remove it first.")
    label = _source_label(files)
    progress(0.0, Deferred(N_("reading {file}"), file=label))
    members = unpack(files, limits)
    bundles = bundle_dirs(members)
    if len(bundles) > 1:
        raise EmbedLabError(
            f"{label} holds {len(bundles)} runs ({', '.join(sorted(bundles)[:3])}); zip one run directory at a time."
        )
    if bundles:
        ((folder, named),) = bundles.items()
        name = label if len(files) > 1 or folder in ("", ".") else f"{label} ({PurePosixPath(folder).name})"
        return open_bundle(named, name, out, options, limits, progress)
    return open_snapshots(members, label, out, options, limits, progress, content_key(files, options))


def describe(run: Run) -> list[str]:
    """What an opened run is, in a few lines for the page or the command line."""
    info = run.config.get("import")
    shape = format_in(
        _("{words:,} words × d = {d}, epochs 0–{epochs}"), words=len(run.vocab), d=run.dim, epochs=run.epochs
    )
    if info is None or info.get("format") == "EmbedLab run bundle":
        corpus = run.config.get("corpus", {}).get("name", "?")
        lines = [
            _("EmbedLab run of the {trainer} trainer on {corpus}: {shape}.").format(
                trainer=run.trainer, corpus=corpus, shape=shape
            )
        ]
        if info and info.get("aligned"):
            lines.append(_("Every epoch was rotated onto the last one (orthogonal Procrustes), as asked."))
        lacks = run.config.get("lacks", [])
        if lacks:
            lines.append(_("It has no {lacks}; pages that need them say so.").format(lacks=_(" or ").join(lacks)))
        return lines
    snapshots = info["snapshots"]
    given = [s for s in snapshots if s["file"]]
    first, last = given[0]["epoch"], given[-1]["epoch"]
    lines = [
        _("{count} snapshot(s) ({format}) from {source} as epochs {first}–{last}: {shape}.").format(
            count=len(given), format=info["format"], source=info["source"], first=first, last=last, shape=shape
        )
    ]
    if info["epoch0"] != "file":
        lines.append(_("No initial vectors were given, so epoch 0 repeats epoch 1."))
    kept, dropped = info["words_kept"], info["words_dropped"]
    lines.append(
        format_in(
            _("{kept:,} words are in every snapshot; {dropped:,} word(s) that some snapshot lacked were dropped."),
            kept=kept,
            dropped=dropped,
        )
        if dropped
        else format_in(_("All {kept:,} words are in every snapshot."), kept=kept)
    )
    if info.get("duplicates_ignored"):
        lines.append(
            format_in(
                _("{count:,} repeated row(s) of a word were ignored (the first was kept)."),
                count=info["duplicates_ignored"],
            )
        )
    lines.append(
        _(
            "Every epoch was rotated onto the last one (orthogonal Procrustes): cosines and neighbours within an "
            "epoch are unchanged."
        )
        if info["aligned"]
        else _("The snapshots were not aligned (alignment off).")
    )
    lines.append(_("No output vectors and no training metrics (loss, ‖∇L‖): pages that need them say so."))
    return lines


def snapshot_table(run: Run) -> pd.DataFrame | None:
    """epoch → the file it came from (or how it was made), for a run opened from checkpoints; None
    for a bundle, whose epochs all come from its own training."""
    info = run.config.get("import")
    if info is None or "snapshots" not in info:
        return None
    copy = _("(copy of epoch 1)")
    return pd.DataFrame([{"epoch": s["epoch"], "file": s["file"] or copy} for s in info["snapshots"]])
