"""Open embeddings trained elsewhere as a run: EmbedLab bundles, word2vec checkpoints, .npy stacks.

What opens (recognised by content, not by file name):

- an **EmbedLab run bundle**: a .zip holding one run directory (what Export writes, or a run
  directory zipped on another machine). Its files are kept byte for byte after checking them
  against its ``manifest.json``, so every page shows the numbers of the original run;
- **word2vec-format checkpoints**, text (with the ``V d`` header line, or without it as GloVe
  writes them) or binary, each optionally gzip-compressed: several files, or one .zip of them,
  taken in natural name order (``epoch2`` before ``epoch10``) as epochs 1..n. A first file
  numbered 0 (``epoch0.txt``) is epoch 0; otherwise epoch 0 repeats epoch 1, as no initial
  vectors were given;
- a **.npy stack** (E+1, V, d) — snapshot 0 first, as in a run directory — or one (V, d) .npy
  per checkpoint, with a vocabulary file (``vocab.tsv`` as EmbedLab writes it, or one word per
  line, row i = word i).

Vocabularies that differ between checkpoints are intersected: the words every file has, in the
last file's order; the number dropped is reported. Snapshots of separate trainings sit in
arbitrary rotations of one another, so by default each is rotated onto the last one with
orthogonal Procrustes (:func:`embedlab.runs.alignment.procrustes_rotation`): cosines, norms and the
neighbour tables within an epoch are unchanged, and movement between epochs means something.
EmbedLab bundles are left as they are unless alignment is asked for.

Safety: nothing is ever unpickled (gensim ``.model`` files are pickles and are refused, saying
how to save the vectors instead); .npy files are read with ``allow_pickle=False``; zip members
are read in memory under our own names, never extracted under theirs; sizes are bounded by
:class:`~embedlab.config.Limits` — bytes per file, bytes decompressed, files, and snapshots ×
words × dimensions — before any vector is parsed. The run directory is written atomically.

The modules: ``files`` (what was given, read within the limits), ``word2vec`` and ``npy`` (the
formats), ``bundle`` (EmbedLab bundles), ``snapshots`` (checkpoints as epochs: intersection,
alignment, epoch 0) and ``opening`` (:func:`import_run` and :func:`describe`). This package's
names below are its public API; the pages, the command line and the tests use them.
"""

from embedlab.importer.files import InputFile, natural_key, read_paths
from embedlab.importer.npy import read_vocabulary
from embedlab.importer.opening import content_key, describe, import_run, run_name, snapshot_table
from embedlab.importer.snapshots import IMPORTER_VERSION, LACKS, align_snapshots, intersect
from embedlab.importer.word2vec import Checkpoint, read_word2vec, word2vec_layout

__all__ = [
    "IMPORTER_VERSION",
    "LACKS",
    "Checkpoint",
    "InputFile",
    "align_snapshots",
    "content_key",
    "describe",
    "import_run",
    "intersect",
    "natural_key",
    "read_paths",
    "read_vocabulary",
    "read_word2vec",
    "run_name",
    "snapshot_table",
    "word2vec_layout",
]
