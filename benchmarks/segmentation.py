"""How fast is Vietnamese word segmentation here, and how fast does it stop?

    python benchmarks/segmentation.py                 # ~1 MB of Vietnamese news text
    python benchmarks/segmentation.py --mb 0.2 --json out.json

The text is the VLSP 2013 sentences that ship with underthesea (the ``vi`` corpus) with their
word marks removed, repeated to ``--mb`` megabytes: what a user uploads. It reports the model's
load (import and first call), the rate in syllables a second over the whole text
(``embedlab.text.segmentation.segment_text``, as an upload is segmented), the peak memory of this
process, and how long a stop takes to be seen (a stop requested at 30 % of the text). The
machine's load average is printed beside them: the rate on two shared cores depends on it.
``embedlab.train.job_estimate.SEGMENT_SYLLABLES_PER_SECOND`` is set from this rate under load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embedlab.errors import TrainingCancelled  # noqa: E402
from embedlab.hooks import Hooks  # noqa: E402
from embedlab.text.mojibake import VLSP_FILE, underthesea_file  # noqa: E402
from embedlab.text.segmentation import count_syllables, segment_text  # noqa: E402


def vietnamese_text(megabytes: float) -> str:
    """The VLSP sentences as plain text (one sentence a line, marks removed), repeated to ``megabytes``."""
    sentences, words = [], []
    for line in underthesea_file(VLSP_FILE).read_text(encoding="utf-8").split("\n"):
        if line.strip():
            words.append(line.split("\t")[0])
        elif words:
            sentences.append(" ".join(words))
            words = []
    text = "\n".join(sentences) + "\n"
    repeat = max(1, round(megabytes * 1e6 / len(text.encode("utf-8"))))
    return text * repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0, help="megabytes of text to segment")
    parser.add_argument("--json", default=None, help="write the figures to this file too")
    args = parser.parse_args()
    text = vietnamese_text(args.mb)
    syllables = count_syllables(text)
    load_before = os.getloadavg()[0]

    started = time.perf_counter()
    segment_text("Học sinh đi học.")  # import and model load
    load_seconds = time.perf_counter() - started

    started = time.perf_counter()
    _, done, _ = segment_text(text)
    seconds = time.perf_counter() - started
    rate = done / seconds

    seen: list[float] = []
    asked: list[float] = []

    def stop() -> bool:
        if asked:
            seen.append(time.perf_counter())
            return True
        return False

    def progress(_epoch: int, fraction: float) -> None:
        if fraction >= 0.3 and not asked:
            asked.append(time.perf_counter())

    try:
        segment_text(text, Hooks(should_stop=stop, on_progress=progress))
    except TrainingCancelled:
        pass
    stop_latency = seen[0] - asked[0] if seen and asked else float("nan")
    figures = {
        "megabytes": round(len(text.encode("utf-8")) / 1e6, 2),
        "syllables": syllables,
        "load_seconds": round(load_seconds, 2),
        "seconds": round(seconds, 1),
        "syllables_per_second": round(rate),
        "stop_seconds": round(stop_latency, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_average_before": round(load_before, 1),
        "load_average_after": round(os.getloadavg()[0], 1),
        "cores": len(os.sched_getaffinity(0)),
    }
    for key, value in figures.items():
        print(f"{key:>22}: {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
