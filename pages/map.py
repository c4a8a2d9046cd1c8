"""Map: the most frequent words as points in one fixed plane, epoch by epoch, both trainers side by side."""

import streamlit as st

from dashboard import cached, frame, mapview, runs, specs, widgets
from embedlab import charts
from embedlab.config import Limits, MapOptions
from embedlab.i18n import _
from embedlab.markup import inert
from embedlab.runs.embedding_map import COLOUR_BY, COLOUR_BY_NAMES, find_words, parse_word_lists

frame.open_page(__file__)
pair = runs.require_pair()
shown_runs = pair.runs()
first = pair.first
st.header(_("Embedding map"))
most = min(len(first.vocab), Limits.from_env().max_map_words)
# widgets at their own width, wrapping to the next line in a narrow window (fixed columns cut their labels at 1024 px)
controls = st.container(horizontal=True, wrap=True, gap="medium", vertical_alignment="bottom")
words = controls.number_input(
    _("words (most frequent)"), 2, most, min(MapOptions.words, most), step=50, key="map_words", width=180
)
choices = [c for c in COLOUR_BY if c != "planted group" or cached.groups_for(first)]
colour_by = (
    controls.segmented_control(
        _("Colour by"),
        choices,
        default=choices[0],
        key="map_colour",
        format_func=widgets.option_labels(COLOUR_BY_NAMES),
    )
    or choices[0]
)
unit = controls.toggle(
    _("unit length"),
    MapOptions.unit,
    key="map_unit",
    help=_(
        "On: every vector scaled to length 1, the directions cosine sees. Off: lengths kept (the random start is tiny)."
    ),
)
word_lists = []
if colour_by == "word lists":
    typed = st.text_area(
        _("Word lists, one per line"), key="map_lists", placeholder=_("king queen prince\ncat dog horse")
    )
    word_lists = parse_word_lists(typed)
default_word = cached.default_words(str(first.path))[:1]
search = st.text_input(_("Find words (their road from epoch 0 is drawn)"), " ".join(default_word), key="map_search")
playing = controls.toggle(_("▶ Play the epochs"), key="map_play")
found, missing = find_words(first.vocab, [word for line in parse_word_lists(search) for word in line])
if missing:
    st.caption(_("Not in the vocabulary: {words}.").format(words=inert(", ".join(missing))))


@st.fragment(run_every=0.9 if playing else None)
def maps(options: MapOptions) -> None:
    row = widgets.epoch_slider("map_epoch", pair.snapshot_epochs, playing)
    mapview.draw_maps(shown_runs, row, options, colour_by, word_lists, found)


with widgets.guard():
    options = MapOptions(int(words), bool(unit)).validate()
    maps(options)
    hides = st.expander(_("What the picture hides, epoch by epoch"), key="map_hides", on_change="rerun")
    if hides.open:  # drawn only when asked for: every rerun of the page would pay for it
        with hides:
            emaps = {
                role: mapview.embedding_map_of(str(run.path), options.words, options.unit)
                for role, run in shown_runs.items()
            }
            readouts = {role: cached.by_epoch(shown_runs[role], m.readout) for role, m in emaps.items()}
            widgets.chart(charts.map_readout(specs.with_trainer(readouts)))
