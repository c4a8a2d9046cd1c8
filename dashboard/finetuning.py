"""The Fine-tune page's work: the current runs continued on a second corpus, as this visitor's job."""

from __future__ import annotations

from dashboard.corpora import corpus_by_sha
from dashboard.job_panel import run_as_job
from dashboard.runs import RunRecord, remember, require_pair
from embedlab.experiments.finetune import finetune_cached
from embedlab.hooks import Hooks
from embedlab.i18n import N_, Deferred, _
from embedlab.runs.evaluate import scorer_for
from embedlab.text.corpus import Corpus


def finetune_current(corpus: Corpus, epochs: int, lr_factor: float) -> RunRecord | None:
    """Fine-tune every trainer run of the current runs on ``corpus`` (``finetune.finetune_cached``)
    as this visitor's job, and make the longer runs current; None when it was stopped."""
    pair = require_pair()
    parents = pair.runs()
    first_corpus = {role: corpus_by_sha(parent.config["corpus"]["sha256"]) for role, parent in parents.items()}

    def compute(hooks: Hooks) -> dict[str, str]:
        paths = {}
        for i, (role, parent) in enumerate(parents.items()):
            run = finetune_cached(
                parent,
                corpus,
                epochs=epochs,
                lr_factor=lr_factor,
                corpus_a=first_corpus[role],
                hooks=hooks.for_run(i, len(parents), epochs, first_epoch=parent.epochs),
                scorer_for=scorer_for,
            )
            paths[role] = str(run.path)
        return paths

    paths = run_as_job(_("fine-tuning on {corpus}").format(corpus=corpus.name), compute)
    if paths is None:
        return None
    label = Deferred(
        N_("{parent} → fine-tuned on {corpus} for {epochs} epochs (lr × {factor:g})"),
        parent=pair.record.label,
        corpus=corpus.name,
        epochs=epochs,
        factor=lr_factor,
    )
    record = RunRecord(label, corpus.name, paths)
    remember(record)
    return record
