"""The embedding map: each run's vocabulary on one fixed plane, epoch by epoch, the roads of the
words found, and what the plane keeps of the movement."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard.cached import groups_for, run_at
from dashboard.corpora import CACHE_BYTES
from dashboard.widgets import chart, guard
from embedlab import charts, roles
from embedlab.config import MapOptions
from embedlab.i18n import _, format_in, number
from embedlab.runs import embedding_map
from embedlab.store import Run

# Hover neighbours of every epoch are computed with the map when that costs a second or two
# (2·N·V·d flops an epoch): moving the slider then only redraws. Larger runs get them epoch by epoch.
NEIGHBOURS_AHEAD_FLOPS = 1.5e10  # the wiki sample at N = 500, d = 100, 10 epochs needs 0.9e10


# fixed when the module is imported, before any visitor's language is known: both languages
PROJECTING_SPINNER = "Projecting every epoch onto the map… · Đang chiếu mọi epoch lên bản đồ…"


@st.cache_resource(max_entries=8, show_spinner=PROJECTING_SPINNER)
def embedding_map_of(path: str, words: int, unit: bool) -> embedding_map.EmbeddingMap:
    """The run's map (one PCA plane for all epochs), computed once and shared read-only."""
    run = run_at(path)
    emap = embedding_map.build_map(run.input_vectors, run.vocab, words, unit=unit)
    if 2 * (run.epochs + 1) * len(emap.rows) * len(run.vocab) * run.dim <= NEIGHBOURS_AHEAD_FLOPS:
        for epoch in range(run.epochs + 1):
            map_neighbours(path, epoch, words)
    return emap


@st.cache_data(max_entries=128, max_size=CACHE_BYTES, show_spinner=False)
def map_neighbours(path: str, epoch: int, words: int, extra: tuple[str, ...] = ()) -> list[str]:
    """Hover text at ``epoch``: the nearest neighbours in the full space of the ``words`` most
    frequent words, or (``extra``) of these words instead. Keyed by words, not rows: a short key
    hashes fast."""
    run = run_at(path)
    if extra:
        rows = [run.vocab.index[w] for w in extra]
    else:
        rows = embedding_map.frequent_rows(run.vocab, words)
    return embedding_map.neighbour_labels(run.input_vectors[epoch], rows, run.vocab)


@dataclass(frozen=True)
class MapView:
    """What one trainer's map shows at one epoch: its points, the roads of the words found, its axes."""

    points: pd.DataFrame
    paths: pd.DataFrame
    labels: list  # colour labels of the fitted words, most frequent first (the legend's order)
    domain: tuple
    emap: embedding_map.EmbeddingMap


def map_view(
    run: Run, epoch: int, options: MapOptions, colour_by: str, word_lists: list[list[str]], found: list[str]
) -> MapView:
    """One run's map at ``epoch``: every fitted word coloured by ``colour_by``, and the ``found``
    words (those in this run's vocabulary) ringed, with their roads from epoch 0."""
    path = str(run.path)
    emap = embedding_map_of(path, options.words, options.unit)
    labels = embedding_map.colour_labels(run.vocab, emap.rows, colour_by, groups_for(run), word_lists)
    found = embedding_map.find_words(run.vocab, found)[0]
    marked = [run.vocab.index[w] for w in found]
    fitted = set(emap.rows.tolist())
    extra = [r for r in marked if r not in fitted]  # found words outside the N most frequent
    neighbours = map_neighbours(path, epoch, options.words)
    if extra:
        neighbours = neighbours + map_neighbours(path, epoch, options.words, tuple(run.vocab.words[r] for r in extra))
    points = embedding_map.map_points(emap, run.vocab, epoch, labels, neighbours, marked)
    paths = embedding_map.map_paths(emap, run.vocab, found, epoch)
    return MapView(points, paths, labels, emap.extent(extra), emap)


def draw_maps(
    runs: dict[str, Run], epoch: int, options: MapOptions, colour_by: str, word_lists: list[list[str]], found: list[str]
) -> None:
    """The Map page's view at snapshot row ``epoch`` (what its fragment redraws on an epoch change): each
    run's map side by side with what its plane keeps, then the roads v(T) = v(0) − η Σ ∇L of the
    ``found`` words."""
    epochs = next(iter(runs.values())).snapshot_epochs  # the row's epoch (every k-th kept: not the row)
    for column, (role, run) in zip(st.columns(len(runs)), runs.items(), strict=True):
        with column, guard():
            view = map_view(run, epoch, options, colour_by, word_lists, found)
            title = _("{trainer} · epoch {epoch}").format(trainer=roles.name(role), epoch=epochs[epoch])
            colour_title = _(embedding_map.COLOUR_BY_NAMES.get(colour_by, colour_by))
            figure = charts.embedding_map(
                view.points, view.paths, domain=view.domain, title=title, colour_title=colour_title, labels=view.labels
            )
            # as wide as the column (a fixed 470 px map was cut off in a 1024 px window's narrow columns)
            chart(figure, width="stretch")
            st.caption(map_readout_text(view.emap, epoch, epochs))
    st.caption(
        _(
            "One projection per run: PCA of the {words} most frequent words at the last epoch, applied unchanged "
            "to every epoch, so a point moves only when its vector moves. Hover a point for its nearest neighbours in "
            "the full space."
        ).format(words=number(options.words, ","))
    )
    if found:
        st.markdown(
            _("**v(T) = v(0) − η Σ ∇L**, from epoch 0 to T = {epoch}: the road against the net displacement").format(
                epoch=epochs[epoch]
            )
        )
        st.dataframe(travel_frame(runs, options, found, epoch), hide_index=True)
        units = (
            _("On the map: the picture's units (unit vectors, so not comparable with v's).")
            if options.unit
            else _("On the map: the same units, projected onto the plane.")
        )
        st.caption(
            _("Path and net of v: the vector as trained, in the full space; net ÷ path = 1 only for a straight road.")
            + " "
            + units
        )


def map_readout_text(emap: embedding_map.EmbeddingMap, epoch: int, epochs: list[int] | None = None) -> str:
    """One line under a map: what its plane keeps of snapshot row ``epoch``, and how much of the movement
    it shows; ``epochs``: each row's epoch, when the run kept every k-th."""
    row = emap.readout.iloc[epoch]
    kept = row["variance_kept"]
    if epoch == 0:
        return format_in(
            _("The plane keeps **{kept:.0%}** of this epoch's variance (epoch 0: the random initial vectors)."),
            kept=kept,
        )
    full, picture = row["movement_full"], row["movement_picture"]
    previous = epoch - 1 if epochs is None else epochs[epoch - 1]
    fields = dict(kept=kept, previous=previous, words=len(emap.rows), full=full, picture=picture)
    if full > 0:
        template = _(
            "The plane keeps **{kept:.0%}** of this epoch's variance. Since epoch {previous} the {words:,} words moved "
            "{full:.3g} on average in the full space and {picture:.3g} in the picture ({share:.0%} of it)."
        )
        return format_in(template, **fields, share=picture / full)
    template = _(
        "The plane keeps **{kept:.0%}** of this epoch's variance. Since epoch {previous} the {words:,} words moved "
        "{full:.3g} on average in the full space and {picture:.3g} in the picture."
    )
    return format_in(template, **fields)


def travel_frame(runs: dict[str, Run], options: MapOptions, found: list[str], epoch: int) -> pd.DataFrame:
    """v(T) = v(0) − η Σ ∇L for the words found, T = ``epoch``: road length against net displacement."""
    frames = []
    for role, run in runs.items():
        emap = embedding_map_of(str(run.path), options.words, options.unit)
        table = embedding_map.travel_table(run.input_vectors, emap, run.vocab, found, epoch)
        frames.append(table.assign(trainer=roles.name(role)))
    table = pd.concat(frames, ignore_index=True)
    return table[["word", "trainer", *table.columns[1:-1]]].rename(
        columns={
            "word": _("word"),
            "trainer": _("trainer"),
            "path_length": _("path Σ‖Δv‖"),
            "net_displacement": _("net ‖v(T) − v(0)‖"),
            "straightness": _("net ÷ path"),
            "map_path_length": _("path on the map"),
            "map_net_displacement": _("net on the map"),
        }
    )
