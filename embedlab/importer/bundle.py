"""EmbedLab run bundles: a .zip holding one run directory (what Export writes, or a run
directory zipped on another machine).

Its files are kept byte for byte after checking them against its ``manifest.json``, so every
page shows the numbers of the original run; the snapshots are rotated onto the last one only
when alignment is asked for.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import numpy as np

from embedlab.atomic import atomic_dir
from embedlab.config import ImportOptions, Limits
from embedlab.errors import EmbedLabError
from embedlab.i18n import N_, Deferred
from embedlab.importer.files import BUNDLE_NAMES, InputFile, Progress, check_values, sha256_hex
from embedlab.importer.npy import npy_header
from embedlab.runs.alignment import procrustes_rotation
from embedlab.store import FILES, OPTIONAL, REQUIRED, Run, load_run, snapshot_epochs_problem, write_manifest


def bundle_dirs(members: Sequence[InputFile]) -> dict[str, dict[str, InputFile]]:
    """Folders (inside the zip) that hold input_vectors.npy: folder → {file name → member}."""
    folders: dict[str, dict[str, InputFile]] = {}
    for member in members:
        path = PurePosixPath(member.name.replace("\\", "/"))
        folders.setdefault(str(path.parent), {})[path.name] = member
    return {folder: named for folder, named in folders.items() if "input_vectors.npy" in named}


def _complete_files(named: dict[str, InputFile], label: str) -> dict[str, bytes]:
    """The bundle's own files (name → bytes), once the required ones and the optional ones its
    config.json does not say it lacks are all there."""
    missing = [name for name in REQUIRED if name not in named]
    if missing:
        raise EmbedLabError(f"{label} is not a complete EmbedLab run (it lacks {', '.join(missing)}); export it again.")
    try:
        config = json.loads(named["config.json"].data.decode("utf-8"))
        if not isinstance(config, dict):
            raise ValueError("not an object")
    except (ValueError, UnicodeDecodeError) as exc:
        raise EmbedLabError(f"{label}: its config.json is damaged; export the run again.") from exc
    _check_config(config, label)
    lacks = set(config.get("lacks", ()))
    missing = [name for name in OPTIONAL if name not in named and name not in lacks]
    if missing:
        raise EmbedLabError(f"{label} is not a complete EmbedLab run (it lacks {', '.join(missing)}); export it again.")
    return {name: named[name].data for name in BUNDLE_NAMES if name in named}


# what a run's config.json must hold for the pages to read it: key → (type, what it must be)
_CONFIG_INTS = ("epochs", "vocab_size", "dim")
_CONFIG_SCHEMA: dict[str, tuple[type | tuple[type, ...], str]] = {
    "trainer": (str, "a trainer's name"),
    "epochs": (int, "a whole number of epochs"),
    "vocab_size": (int, "a whole number of words"),
    "dim": (int, "a whole number of dimensions"),
    "diverged": (bool, "true or false"),
    "lacks": (list, "a list of file names"),
    "corpus": (dict, "an object"),
    "corpus_options": (dict, "an object"),
    "train_options": (dict, "an object"),
    "import": (dict, "an object"),
    "parent": (dict, "an object"),
}


def _damaged(label: str, what: str) -> EmbedLabError:
    return EmbedLabError(f"{label}: its {what}; export the run again.")


def _non_finite(value) -> bool:
    """Whether a JSON value holds NaN or ±Infinity anywhere (Python's json reads both)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_non_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(_non_finite(v) for v in value)
    return False


def _check_config(config: dict, label: str) -> None:
    """config.json's schema: the keys the pages read, where present, have their types, counts are positive,
    no number is NaN or infinite, ``lacks`` names only files a run may lack."""
    for key, (kind, what) in _CONFIG_SCHEMA.items():
        value = config.get(key)
        if key in config and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            raise _damaged(label, f"config.json says {key} is {json.dumps(value)[:40]}, not {what}")
    for key in _CONFIG_INTS:
        if key in config and config[key] < (0 if key == "epochs" else 1):
            raise _damaged(label, f"config.json says {key} is {config[key]}")
    if _non_finite(config):
        raise _damaged(label, "config.json holds a NaN or infinite number")
    for name in config.get("lacks", ()):
        if name not in OPTIONAL:
            raise _damaged(label, f"config.json says it lacks {json.dumps(name)[:40]}, not a file a run may lack")
    options = config.get("train_options", {})
    for key, value in options.items():
        if key in _CONFIG_INTS and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise _damaged(label, f"config.json's train_options say {key} is {json.dumps(value)[:40]}")


def _manifest_holds(kept: dict[str, bytes], label: str) -> bool:
    """Whether the bundle's manifest can be kept: True when every file it lists is there with
    its checksum and size; False without a manifest, or for an older one listing a file not
    required (a new manifest is then written). A file that differs is refused."""
    if "manifest.json" not in kept:
        return False
    try:
        manifest = json.loads(kept["manifest.json"].decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise EmbedLabError(f"{label}: its manifest.json is damaged; export the run again.") from exc
    if not isinstance(manifest, dict):
        raise _damaged(label, "manifest.json is not an object of file name → checksum")
    holds = True
    for name, entry in manifest.items():
        if name not in kept:
            if name in REQUIRED or name in FILES:
                raise EmbedLabError(f"{label} lacks {name}, which its manifest lists; export the run again.")
            holds = False  # an older bundle without split.json: a new manifest is written
            continue
        if (
            not isinstance(entry, dict)
            or sha256_hex(kept[name]) != entry.get("sha256")
            or len(kept[name]) != entry.get("bytes")
        ):
            raise EmbedLabError(f"{label} is damaged: {name} differs from its checksum; export the run again.")
    return holds


def _check_arrays(kept: dict[str, bytes], label: str, limits: Limits) -> None:
    """input_vectors.npy (and output_vectors.npy, if there) are float32 (E+1, V, d) within the limits."""
    shape, dtype = npy_header(kept["input_vectors.npy"], "input_vectors.npy")
    if len(shape) != 3 or dtype != np.float32:
        raise EmbedLabError(
            f"{label}: input_vectors.npy is {dtype} of shape {shape}, not float32 (epochs+1, V, d); export the run again."
        )
    has_outputs = "output_vectors.npy" in kept
    if has_outputs:
        out_shape, out_dtype = npy_header(kept["output_vectors.npy"], "output_vectors.npy")
        if out_shape != shape or out_dtype != np.float32:
            raise EmbedLabError(
                f"{label}: output_vectors.npy has shape {out_shape} but input_vectors.npy {shape}; export the run again."
            )
    if shape[1] < 1 or shape[2] < 1:
        raise EmbedLabError(
            f"{label}: input_vectors.npy has shape {shape}, no words or no dimensions; export the run again."
        )
    check_values(label, shape[0], shape[1], shape[2], limits, outputs=has_outputs)
    config = json.loads(kept["config.json"].decode("utf-8"))
    actual = {"epochs": shape[0] - 1, "vocab_size": shape[1], "dim": shape[2]}
    if "snapshot_epochs" in config:  # every k-th epoch kept: fewer rows than epochs
        problem = snapshot_epochs_problem(config, shape[0])
        if problem:
            raise EmbedLabError(f"{label}: its config.json's {problem}; export the run again.")
        del actual["epochs"]
    for key, value in actual.items():
        if key in config and config[key] != value:
            raise EmbedLabError(
                f"{label}: its config.json says {key} is {config[key]}, but input_vectors.npy has shape "
                f"{shape} ({key} {value}); export the run again."
            )


def _check_contents(run: Run, label: str) -> None:
    """Every vector finite (one epoch at a time), every word present once."""
    for name, arrays in (("input_vectors.npy", run.input_vectors), ("output_vectors.npy", run.output_vectors)):
        if arrays is None:
            continue
        for epoch in range(len(arrays)):
            if not np.isfinite(arrays[epoch]).all():
                raise EmbedLabError(
                    f"{label}: {name} holds NaN or infinite values at epoch {epoch}; export the run again."
                )
    words = run.vocab.words
    if any(not word.strip() for word in words):
        raise EmbedLabError(f"{label}: its vocab.tsv has an empty word; export the run again.")
    if len(set(words)) != len(words):
        seen: set[str] = set()
        twice = next(w for w in words if w in seen or seen.add(w))
        raise EmbedLabError(f"{label}: its vocab.tsv lists {twice!r} twice; export the run again.")


def open_bundle(
    named: dict[str, InputFile], label: str, out: Path, options: ImportOptions, limits: Limits, progress: Progress
) -> Run:
    """Write a bundle's files byte for byte (after checking them) into the run directory ``out``."""
    kept = _complete_files(named, label)
    manifest_ok = _manifest_holds(kept, label)
    progress(0.3, Deferred(N_("checking the arrays")))
    _check_arrays(kept, label, limits)
    align = bool(options.align)  # a bundle is one training: aligned only when asked
    with atomic_dir(out) as tmp:
        for name, data in kept.items():
            (tmp / name).write_bytes(data)
        if not manifest_ok:
            write_manifest(tmp)
        try:
            run = load_run(tmp, verify=True)
        except EmbedLabError as exc:
            reason = str(exc).split(": ", 1)[-1].split(";")[0]
            raise EmbedLabError(f"{label} is not a consistent EmbedLab run ({reason}); export it again.") from None
        _check_contents(run, label)
        if align:
            progress(0.6, Deferred(N_("aligning the snapshots")))
            _align_in_place(tmp, run)
            config = {**run.config, "import": {"format": "EmbedLab run bundle", "aligned": True, "source": label}}
            (tmp / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True), encoding="utf-8")
            write_manifest(tmp)
        del run  # its memory maps point into tmp, which is renamed next
    progress(1.0, Deferred(N_("done")))
    return load_run(out)


def _align_in_place(directory: Path, run: Run) -> None:
    """Rotate each epoch's input and output vectors by the rotation taking its input vectors onto
    the last epoch's (u·v, hence the loss, is unchanged). Files are replaced, never truncated,
    since ``run`` still maps them."""
    last = np.asarray(run.input_vectors[-1], dtype=np.float64)
    rotations = [procrustes_rotation(run.input_vectors[e], last) for e in range(run.epochs)] + [np.eye(run.dim)]
    for name, arrays in (("input_vectors.npy", run.input_vectors), ("output_vectors.npy", run.output_vectors)):
        if arrays is None:
            continue
        rotated = np.stack(
            [(np.asarray(arrays[e], np.float64) @ R).astype(np.float32) for e, R in enumerate(rotations)]
        )
        np.save(directory / f"aligned-{name}", rotated)
        os.replace(directory / f"aligned-{name}", directory / name)
