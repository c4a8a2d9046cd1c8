"""A chart as the pages draw it: a Vega-Lite dict, built once (and cached where it is reused).

Charts are drawn from their specs without Altair's JSON-schema validation (every chart is
validated in tests/test_charts.py). The theme "none" is what st.altair_chart uses (Streamlit
sizes charts, not Altair's 300 px default); no row cap, the map draws the whole vocabulary.
Both are process-wide, set once here.
"""

from __future__ import annotations

import altair as alt

from embedlab import i18n

alt.theme.enable("none")
alt.data_transformers.disable_max_rows()


def spec(figure: alt.TopLevelMixin | dict, language: str | None = None) -> dict:
    """The Vega-Lite spec of an Altair chart (a spec is returned as it is), its numbers written
    the way ``language`` (default: the visitor's) writes them."""
    built = figure if isinstance(figure, dict) else figure.to_dict(validate=False)
    return i18n.localise_spec(built, language)
