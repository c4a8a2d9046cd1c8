"""Export: one epoch as word2vec text or Projector TSV, every epoch for the Projector, the run bundle, the metrics."""

import streamlit as st

from dashboard import frame, runs, widgets
from embedlab import export, roles
from embedlab.errors import EmbedLabError
from embedlab.i18n import _, number, table_style
from embedlab.markup import inert
from embedlab.store import load_run

frame.open_page(__file__)
pair = runs.require_pair()
by_role = pair.by_role
st.header(_("Export"))
trainer_col, epoch_col = st.columns([1, 2])
trainer = trainer_col.radio(_("Run"), list(by_role), format_func=roles.name, key="export_trainer")
run = by_role[trainer]
with epoch_col:
    epoch = widgets.epoch_slider("export_epoch", run.snapshot_epochs, label=_("Epoch"))  # a row of the arrays
path, stem = str(run.path), f"{run.run_id}-epoch{run.snapshot_epochs[epoch]}"
st.caption(f"{inert(run.run_id)} · V = {number(len(run.vocab), ',')} · d = {run.input_vectors.shape[2]}")
words_col, prefix_col = st.columns([1, 2])
most = min(len(run.vocab), export.most_projector_words(run))
projector_words = words_col.number_input(
    _("Projector, every epoch: words (most frequent)"),
    1,
    most,
    most,
    key="export_words",
    help=_("At most {most} here (a download is built in memory); the command line writes any number.").format(
        most=number(most, ",")
    ),
)
url_prefix = prefix_col.text_input(
    _("Projector, every epoch: the URL you will serve the folder from (optional)"),
    key="export_url",
    placeholder="https://raw.githubusercontent.com/you/repo/main/projector/",
)
try:
    export.check_url_prefix(url_prefix)
except EmbedLabError as error:
    st.error(inert(str(error)))
    url_prefix = ""


def deferred(make):
    """Build the file only when its button is clicked (on Streamlit's download thread)."""
    return lambda: make(load_run(path))


downloads = [
    (_("word2vec .txt"), f"{stem}.txt", deferred(lambda r: export.word2vec_text(r, epoch))),
    (_("Projector vectors"), f"{stem}-vectors.tsv", deferred(lambda r: export.projector_tsv(r, epoch)[0])),
    (_("Projector metadata"), f"{stem}-metadata.tsv", deferred(lambda r: export.projector_tsv(r, epoch)[1])),
    (
        _("Projector, every epoch .zip"),
        f"{run.run_id}-projector.zip",
        deferred(lambda r: export.projector_zip(r, int(projector_words), url_prefix.strip())),
    ),
    (_("Run bundle .zip"), f"{run.run_id}.zip", deferred(export.run_bundle)),
]
if run.has_loss:
    downloads.append((_("Metrics .csv"), f"{run.run_id}-metrics.csv", run.metrics.to_csv(index=False)))
with st.container(horizontal=True):  # each button as wide as its label, wrapping on a narrow screen
    for label, file_name, data in downloads:
        st.download_button(label, data, file_name=file_name, on_click="ignore", icon=":material/download:")
st.caption(
    _(
        "The epoch applies to the word2vec and Projector files; the run bundle holds every epoch (open it again on "
        "the Corpus page, tab “Open embeddings”). Load the TSV pair at projector.tensorflow.org and the word2vec "
        "file with gensim's `KeyedVectors.load_word2vec_format`. "
        "The every-epoch zip holds one tensor per epoch, `metadata.tsv` (word, count, group, band) and "
        "`projector_config.json`: serve the folder from the URL you gave and open "
        "`https://projector.tensorflow.org/?config=<URL>projector_config.json`, then step through the epochs in its "
        "tensor menu (docs/command-line.md in the repository says how)."
    )
)
if run.has_loss:
    st.dataframe(table_style(run.metrics), hide_index=True)
    st.caption(_("— : not measured (no held-out sentences, or too few benchmark items in this vocabulary to score)."))
else:
    st.info(_("This run was opened without training metrics, so there is no metrics table to download."))
