"""Neighbours: top-k neighbours of a word at every epoch, their turnover, and analogies."""

import streamlit as st

from dashboard import cached, frame, runs, specs, widgets
from embedlab import roles
from embedlab.i18n import _, number
from embedlab.markup import inert
from embedlab.text.builtin_corpora import planted_analogy
from embedlab.text.lookup import display_word

frame.open_page(__file__)
pair = runs.require_pair()
vocab = pair.first.vocab
words = list(vocab.words)
planted = planted_analogy(pair.first.corpus_name) or ("king", "man", "woman", "queen")  # toy-vi: vua, đàn_ông…
suggested = [w for w in (planted[0], planted[3], *planted[1:3]) if w in vocab.index] or widgets.chosen_words(pair.first)
st.header(_("Nearest neighbours over epochs"))
st.caption(
    _("The k words with the highest cosine to the query word at each epoch (lecture note §3); epoch 0 is random.")
)
query_col, k_col = st.columns([3, 1])
word = query_col.selectbox(
    _("Query word (type to search)"),
    words,
    index=words.index(suggested[0]) if suggested else 0,
    key="nb_word",
    format_func=display_word,
)
k = k_col.slider("k", 1, 20, 10)
epochs = pair.snapshot_epochs  # 0..last, or the epochs a run kept (train --snapshot-every)
n = len(epochs) - 1
default_epochs = sorted({epochs[i] for i in (0, 1, 2, n // 2, n - 1, n) if 0 <= i <= n}, reverse=True)
shown = st.multiselect(_("Epochs to show (latest first)"), epochs[::-1], default=default_epochs, key="nb_epochs")
shown = sorted(shown, reverse=True) or [epochs[-1]]


def by_epoch(table):
    """The shown epochs' columns of a neighbour table (columns ``epoch 0``, …), headed in the visitor's language."""
    columns = {f"epoch {e}": _("epoch {epoch}").format(epoch=e) for e in shown if f"epoch {e}" in table}
    frame = table[list(columns)].rename(columns=columns)
    frame.index.name = _("rank")
    return frame


for trainer, run in pair.runs().items():
    with widgets.guard():
        st.markdown(
            _("**{trainer}** — neighbours of “{word}” (cosine)").format(
                trainer=roles.name(trainer), word=inert(display_word(word))
            )
        )
        st.dataframe(by_epoch(cached.neighbours_wide(str(run.path), word, k)), width="stretch")

chosen = tuple(widgets.chosen_words(pair.first))
with widgets.guard():
    widgets.chart(
        specs.turnover_chart(tuple((trainer, str(run.path)) for trainer, run in pair.runs().items()), chosen, k)
    )
    st.caption(
        _(
            "Mean Jaccard@{k} = |A ∩ B| / |A ∪ B| of each word's top-{k} neighbours, compared with the previous epoch "
            "(overlap: low while the space is forming, near 1 once it has settled) and with the last epoch, over the "
            "{words} words of the Heatmaps page."
        ).format(k=k, words=number(len(chosen), ","))
    )

st.subheader(_("Analogies: a − b + c"))
st.caption(
    _("3CosAdd: the words closest in cosine to â − b̂ + ĉ (unit vectors), a, b and c excluded (lecture note §1).")
)
defaults = list(planted[:3]) if set(planted[:3]) <= vocab.index.keys() else (suggested * 3)[:3]
cells = st.columns(3)
a, b, c = (
    cell.selectbox(name, words, index=words.index(value), key=f"an_{name}", format_func=display_word)
    for cell, name, value in zip(cells, "abc", defaults, strict=True)
)
for trainer, run in pair.runs().items():
    with widgets.guard():
        st.markdown(
            _("**{trainer}** — {a} − {b} + {c} ≈ ? (latest epoch first)").format(
                trainer=roles.name(trainer),
                **{name: inert(display_word(w)) for name, w in zip("abc", (a, b, c), strict=True)},
            )
        )
        st.dataframe(by_epoch(cached.analogies_wide(str(run.path), a, b, c)), width="stretch")
