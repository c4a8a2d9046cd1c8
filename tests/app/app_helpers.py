"""Helpers for the AppTest tests: open a page, read charts and texts back from the element tree."""

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> list:
    """The Altair/Vega-Lite charts on the page (Streamlit 1.67's element type)."""
    return list(at.get("vega_lite_chart"))


def chart_spec(chart) -> dict:
    return json.loads(chart.proto.spec)


def chart_data(chart) -> list[pd.DataFrame]:
    """Every dataset a chart carries, decoded from the Arrow bytes Streamlit sends."""
    frames = []
    for dataset in chart.proto.datasets:
        reader = pa.ipc.open_stream(io.BytesIO(dataset.data.data))
        frames.append(reader.read_all().to_pandas())
    return frames


def texts(block) -> list[str]:
    """The text of every markdown and caption element inside a block (e.g. ``at.sidebar``)."""
    found = []
    for child in getattr(block, "children", {}).values():
        if getattr(child, "type", None) in ("markdown", "caption"):
            found.append(child.value)
        found += texts(child)
    return found
