"""The Fine-tune page's work: the current runs continued on a second corpus, as this visitor's job."""

from __future__ import annotations

import hashlib
import os
import shutil

from dashboard.corpora import corpus_by_sha
from dashboard.job_panel import run_as_job
from dashboard.runs import RunRecord, remember, require_pair
from embedlab.builtin_corpora import shifted_words
from embedlab.corpus import Corpus
from embedlab.evaluate import scorer_for
from embedlab.finetune import finetune
from embedlab.hooks import Hooks
from embedlab.training import default_cache_dir, maths_fingerprint


def finetune_current(corpus: Corpus, epochs: int, lr_factor: float) -> RunRecord | None:
    """Fine-tune every trainer run of the current runs on ``corpus`` (cached on disk like any
    run: by the parent run, the corpus sha256 and the settings) as this visitor's job, and make
    the longer runs current; None when it was stopped."""
    pair = require_pair()
    parents = pair.runs()
    first_corpus = {role: corpus_by_sha(parent.config["corpus"]["sha256"]) for role, parent in parents.items()}
    focus = shifted_words() if corpus.name == "toy-shift" else None

    def compute(hooks: Hooks) -> dict[str, str]:
        paths = {}
        for i, (role, parent) in enumerate(parents.items()):
            lr = lr_factor * parent.config["train_options"]["lr"]
            key = hashlib.sha256(
                f"{parent.run_id}|{corpus.sha256}|{epochs}|{lr!r}|{maths_fingerprint()}".encode()
            ).hexdigest()
            target = default_cache_dir() / f"{parent.run_id}-ft-{key[:16]}"
            if not target.exists():
                scratch = target.with_name(target.name + ".partial")
                shutil.rmtree(scratch, ignore_errors=True)
                first = parent.epochs

                def progress(epoch: int, fraction: float, i=i, first=first) -> None:
                    hooks.progress(i, (i + (epoch - first - 1 + fraction) / epochs) / len(parents))

                finetune(
                    parent,
                    corpus,
                    scratch,
                    epochs=epochs,
                    lr=lr,
                    corpus_a=first_corpus[role],
                    focus_words=focus,
                    hooks=Hooks(should_stop=hooks.should_stop, on_progress=progress),
                    scorer_for=scorer_for,
                )
                try:
                    os.rename(scratch, target)
                except OSError:  # another visitor finished the same fine-tuning first
                    shutil.rmtree(scratch, ignore_errors=True)
            paths[role] = str(target)
        return paths

    paths = run_as_job(f"fine-tuning on {corpus.name}", compute)
    if paths is None:
        return None
    label = f"{pair.record.label} → fine-tuned on {corpus.name} for {epochs} epochs (lr × {lr_factor:g})"
    record = RunRecord(label, corpus.name, paths)
    remember(record)
    return record
