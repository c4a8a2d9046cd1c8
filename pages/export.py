"""Export: one epoch of a run as word2vec text or Projector TSV, the run bundle, the metrics."""

import streamlit as st

import ui
from embedlab import export
from embedlab.store import load_run

ui.open_page(__file__)
pair = ui.require_pair()
runs = pair.by_role
st.header("Export")
trainer_col, epoch_col = st.columns([1, 2])
trainer = trainer_col.radio("Run", list(runs), format_func=ui.ROLE_NAMES.get, key="export_trainer")
run = runs[trainer]
epoch = epoch_col.slider("Epoch", 0, run.epochs, run.epochs, key="export_epoch")
path, stem = str(run.path), f"{run.run_id}-epoch{epoch}"
st.caption(f"`{run.run_id}` · V = {len(run.vocab):,} · d = {run.input_vectors.shape[2]}")


def deferred(make):
    """Build the file only when its button is clicked (on Streamlit's download thread)."""
    return lambda: make(load_run(path))


downloads = [
    ("word2vec .txt", f"{stem}.txt", deferred(lambda r: export.word2vec_text(r, epoch))),
    ("Projector vectors", f"{stem}-vectors.tsv", deferred(lambda r: export.projector_tsv(r, epoch)[0])),
    ("Projector metadata", f"{stem}-metadata.tsv", deferred(lambda r: export.projector_tsv(r, epoch)[1])),
    ("Run bundle .zip", f"{run.run_id}.zip", deferred(export.run_bundle)),
]
if run.has_loss:
    downloads.append(("Metrics .csv", f"{run.run_id}-metrics.csv", run.metrics.to_csv(index=False)))
for column, (label, file_name, data) in zip(st.columns(len(downloads)), downloads, strict=True):
    column.download_button(label, data, file_name=file_name, on_click="ignore", icon=":material/download:")
st.caption(
    "The epoch applies to the word2vec and Projector files; the bundle holds every epoch (open it again on the "
    "Corpus page, tab “Open embeddings”). Load the TSV pair at projector.tensorflow.org and the word2vec file with "
    "gensim's `KeyedVectors.load_word2vec_format`."
)
if run.has_loss:
    st.dataframe(run.metrics, hide_index=True)
else:
    st.info("This run was opened without training metrics, so there is no metrics table to download.")
