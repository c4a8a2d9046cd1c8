"""How long a training job takes on this machine, measured before it starts, and whether a shared
server refuses it.

:func:`run_estimate` measures how long each run of a job takes here now (the real trainer,
metrics kernel and scorer, each for a fraction of a second: :mod:`embedlab.train.probes`), and :func:`refusal` says whether
that fits the per-job limit of a shared server (``Limits.max_job_seconds``). Segmenting a
Vietnamese text into words is a job too: :func:`segment_seconds` estimates it from the rate
``benchmarks/segmentation.py`` measured, and :func:`segment_refusal` refuses it with the command
that does it on your own machine.
"""

from __future__ import annotations

from embedlab.config import Limits, TrainOptions
from embedlab.i18n import N_, _, format_in
from embedlab.text.prepared import Prepared
from embedlab.train import probes
from embedlab.train.fingerprint import maths_fingerprint
from embedlab.train.softmax import initial_vectors
from embedlab.train.training import Scorer

# ---------------------------------------------------------------- estimating a job before it starts


def run_estimate(prepared: Prepared, options: TrainOptions, scorer: Scorer | None = None, seconds: float = 0.3) -> dict:
    """Seconds one run takes here, measured now: the real trainer, metrics kernel and scorer are
    each run for a fraction of a second on this corpus at these settings and scaled up.

    Keys: ``setup`` (counting or drawing pairs, building the trainer), ``epoch`` (one training epoch),
    ``snapshot`` (measuring and scoring one snapshot: ``snapshot_measure`` + ``snapshot_scores``),
    ``train`` (every epoch), ``measure`` (every snapshot, epoch 0 included), ``total``. What a
    fresh process pays once (gensim's import, the scorer's benchmark files, the maths fingerprint
    of the run's key) is paid here, so the job does not pay it again. Costs about ``3 × seconds``
    (up to about 2.5 s for a long job, or a quarter of one snapshot's measuring when that is more)
    plus the trainer's set-up (:mod:`embedlab.train.probes`); cache it per corpus and settings.
    """
    maths_fingerprint()  # a run's cache key: its first computation in a process (~0.3 s) is paid here
    epoch, built = probes.probe_epoch(prepared, options, seconds)
    scoring, _ = probes.probe_scorer(scorer, initial_vectors(len(prepared.vocab), options.dim, options.seed))
    method, examples, drawing = probes.measure_plan(prepared, options)
    measuring = probes.probe_snapshot(prepared, options, seconds, (method, examples))
    snapshot = measuring + scoring
    counts = options.trainer == "numpy" or method == "exact"  # else gensim's measurement draws its pairs
    setup = (probes.probe_counting(prepared, options) if counts else 0.0) + drawing + built
    train_seconds, measure = options.epochs * epoch, (options.epochs + 1) * snapshot
    return {
        "setup": setup,
        "epoch": epoch,
        "snapshot": snapshot,
        "snapshot_measure": measuring,
        "snapshot_scores": scoring,
        "train": train_seconds,
        "measure": measure,
        "total": setup + train_seconds + measure,
    }


def job_estimate(
    prepared: Prepared, runs: list[tuple[str, TrainOptions]], scorer: Scorer | None = None, seconds: float = 0.3
) -> dict:
    """Seconds a job of several runs (role, options) takes here, measured now: each run's
    :func:`run_estimate` under ``runs[role]``, and ``total``, their sum."""
    out: dict = {"runs": {role: run_estimate(prepared, options, scorer, seconds) for role, options in runs}}
    out["total"] = sum(run["total"] for run in out["runs"].values())
    return out


# ---------------------------------------------------------------- refusing a job by its estimate


def duration(seconds: float) -> str:
    """A duration as a person says it; never rounded up past the next tenth below 10 s, so a part
    never reads longer than a whole that contains it.

    >>> duration(0.04), duration(0.43), duration(4.27), duration(42), duration(150), duration(4000)
    ('under 0.1 s', '0.4 s', '4.3 s', '42 s', '2.5 min', '1 h 7 min')
    """
    if seconds < 0.05:
        return _("under 0.1 s")
    if seconds < 9.95:
        return format_in(_("{seconds:.1f} s"), seconds=seconds)
    if seconds < 90:
        return format_in(_("{seconds:.0f} s"), seconds=seconds)
    if seconds < 3600:
        return format_in(_("{minutes:.1f} min"), minutes=seconds / 60)
    return format_in(_("{hours:.0f} h {minutes:.0f} min"), hours=seconds // 3600, minutes=seconds % 3600 / 60)


ROLE_WORDS = {
    "numpy": "NumPy",
    "gensim": "gensim",
    "numpy_l2_off": N_("NumPy without L2"),
    "numpy_l2": N_("NumPy with L2"),
}


def estimate_sentence(runs: dict[str, dict], epochs: dict[str, int], correction: float = 1.0) -> str:
    """The job's estimate as one sentence whose parts add up to its total: each run's training
    (epochs × one epoch), every run's measuring and scoring of its snapshots, and the set-up.

    ``runs``: role → :func:`run_estimate`; ``epochs``: role → its epochs; ``correction``: the
    server's actual ÷ estimated of recent jobs, already applied to ``runs`` (said when ≠ 1).

    >>> run = {"setup": 0.2, "epoch": 0.1, "snapshot": 0.05, "train": 2.0, "measure": 1.05, "total": 3.25}
    >>> print(estimate_sentence({"numpy": run, "gensim": dict(run, epoch=0.03, train=0.6, total=1.85)}, {"numpy": 20, "gensim": 20}))
    about 5.1 s here: NumPy 2.0 s (20 epochs of 0.1 s), gensim 0.6 s (20 epochs of under 0.1 s), measuring and scoring 42 snapshots 2.1 s, set-up 0.4 s.
    """
    total = sum(run["total"] for run in runs.values())
    parts = [
        _("{role} {train} ({epochs} epochs of {epoch})").format(
            role=_(ROLE_WORDS.get(role, role)),
            train=duration(run["train"]),
            epochs=epochs[role],
            epoch=duration(run["epoch"]),
        )
        for role, run in runs.items()
    ]
    snapshots = sum(epochs[role] + 1 for role in runs)
    measure = duration(sum(r["measure"] for r in runs.values()))
    parts.append(
        _("measuring and scoring {snapshots} snapshots {measure}").format(snapshots=snapshots, measure=measure)
    )
    parts.append(_("set-up {setup}").format(setup=duration(sum(r["setup"] for r in runs.values()))))
    if abs(correction - 1) > 0.05:
        note = format_in(
            _(" (×{correction:.2g}: recent jobs here took that much of their estimate)"), correction=correction
        )
    else:
        note = ""
    return _("about {total} here{note}: {parts}.").format(total=duration(total), note=note, parts=", ".join(parts))


def refusal(seconds: float, limits: Limits) -> str | None:
    """Why a job estimated at ``seconds`` is refused on this server, or None when it fits."""
    if seconds <= limits.max_job_seconds:
        return None
    return _(
        "This training would take about {seconds} here (estimated from this server's measured speed), "
        "more than the {limit} one visitor may use on a shared server. Lower the epochs "
        "or d, or raise min_count; or run it on your own machine with the commands below "
        "(EMBEDLAB_UNLIMITED=1 lifts the limits there)."
    ).format(seconds=duration(seconds), limit=duration(limits.max_job_seconds))


# ---------------------------------------------------------------- segmenting a Vietnamese text

# benchmarks/segmentation.py on two shared cores: 5,006 syllables/s (1 MB, load average 19) and
# 1,956 (5 MB, load 15-20); the lower, so that an estimate errs long rather than short
SEGMENT_SYLLABLES_PER_SECOND = 2000
SEGMENT_LOAD_SECONDS = 5.0  # import and model load: 3.6-3.7 s measured


def segment_seconds(syllables: int) -> float:
    """Seconds to segment ``syllables`` syllables into words here (:mod:`embedlab.text.segmentation`).

    >>> round(segment_seconds(150_000))  # about 1 MB of Vietnamese
    80
    """
    return SEGMENT_LOAD_SECONDS + syllables / SEGMENT_SYLLABLES_PER_SECOND


def segment_command(filename: str) -> str:
    """The command that segments and trains a file on your own machine.

    >>> segment_command("bài giảng.txt")
    "EMBEDLAB_UNLIMITED=1 python -m embedlab train --corpus 'bài giảng.txt' --segment words"
    """
    import shlex

    return f"EMBEDLAB_UNLIMITED=1 python -m embedlab train --corpus {shlex.quote(filename)} --segment words"


def segment_refusal(syllables: int, filename: str, limits: Limits) -> str | None:
    """Why segmenting ``syllables`` syllables is refused on this server, or None when it fits
    the per-job limit (``Limits.max_job_seconds``)."""
    seconds = segment_seconds(syllables)
    if seconds <= limits.max_job_seconds:
        return None
    message = _(
        "Segmenting this text into words would take about {seconds} here ({syllables:,} syllables at "
        "about {rate:,} a second), more than the {limit} one visitor may use on a shared server. Choose syllables, "
        "upload a part of it, or run it on your own machine: {command}"
    )
    return format_in(
        message,
        seconds=duration(seconds),
        syllables=syllables,
        rate=SEGMENT_SYLLABLES_PER_SECOND,
        limit=duration(limits.max_job_seconds),
        command=segment_command(filename),
    )
