"""EmbedLab's dashboard: the router and the frame around every page.

streamlit run app.py
"""

import json
import os
import sys
import time
from pathlib import Path

import streamlit as st

from embedlab import tour  # the Lecture's text only: no NumPy, pandas or SciPy

ROOT = Path(__file__).resolve().parent
RUN_LOG = os.environ.get("EMBEDLAB_RUN_LOG")  # benchmarks/load.py: one JSON line per run of this script
started = time.time()

st.set_page_config(layout="wide", page_title="EmbedLab", page_icon=":material/scatter_plot:")

# A fresh server imports NumPy, SciPy, pandas and gensim for its first visitor (seconds on a busy
# machine); that visitor reads the Lecture's text meanwhile instead of a blank page.
opening = None
if "ui" not in sys.modules:
    opening = st.empty()
    with opening.container():
        st.header(tour.TITLE)
        st.caption("EmbedLab is starting: loading NumPy, SciPy, pandas and gensim. The charts follow.")
        for step in tour.STEPS:
            for function, text, options in step.blocks():
                getattr(st, function)(text, **options)

import ui  # noqa: E402  (after the opening text, on purpose)

if opening is not None:
    opening.empty()

missing = [path for path, _, _ in ui.PAGES if not (ROOT / path).exists()]
if missing:  # a lost page is a broken install: say so rather than hide it
    raise FileNotFoundError(f"EmbedLab's page files are missing: {', '.join(missing)}; reinstall the app.")
listed = list(ui.PAGES)
pages = [st.Page(path, title=title, icon=icon, default=path == ui.DEFAULT_PAGE) for path, title, icon in listed]
navigation = st.navigation(pages)
ui.init_session()

# A bookmarked page URL opened on a freshly started server came here first (ui.open_page).
by_path = {path: page for (path, _, _), page in zip(listed, pages, strict=True)}
wanted = ui.wanted_page()
if wanted in by_path and wanted != ui.DEFAULT_PAGE:
    st.switch_page(by_path[wanted])

# The Lecture draws its text first and loads the default runs itself, where its charts go.
if navigation is not by_path.get("pages/lecture.py"):
    ui.ensure_default_runs()
# Drawn before the page (a page may st.stop()) and again after it, so it names runs the page just trained.
frame = st.sidebar.empty()
with frame.container():
    ui.sidebar()
try:
    navigation.run()
finally:
    with frame.container():
        ui.sidebar()
    if RUN_LOG:
        with open(RUN_LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps({"page": navigation.title, "start": started, "end": time.time()}) + "\n")
