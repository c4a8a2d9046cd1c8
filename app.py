"""EmbedLab's dashboard: the router and the frame around every page.

streamlit run app.py
"""

import json
import os
import sys
import time
from pathlib import Path

import streamlit as st

from dashboard import language  # Streamlit and the catalog only
from dashboard.session import session  # Streamlit only
from embedlab.teaching import sitemap  # the menu only: no NumPy, pandas or Altair

ROOT = Path(__file__).resolve().parent
RUN_LOG = os.environ.get("EMBEDLAB_RUN_LOG")  # benchmarks/load.py: one JSON line per run of this script
started = time.time()

st.set_page_config(layout="wide", page_title="EmbedLab", page_icon=":material/scatter_plot:")
session.framed = True  # app.py ran in this session (see dashboard.frame.open_page)
language.apply()  # this visitor's language for everything this run draws (this thread only)

missing = [path for path, _, _ in sitemap.PAGES if not (ROOT / path).exists()]
if missing:  # a lost page is a broken install: say so rather than hide it
    raise FileNotFoundError(f"EmbedLab's page files are missing: {', '.join(missing)}; reinstall the app.")
listed = list(sitemap.pages())
pages = [st.Page(path, title=title, icon=icon, default=path == sitemap.DEFAULT_PAGE) for path, title, icon in listed]
navigation = st.navigation(pages)
by_path = {path: page for (path, _, _), page in zip(listed, pages, strict=True)}
language.switch(st.sidebar)  # once a run, outside the frame the sidebar is drawn into twice
frame = st.sidebar.empty()

# A fresh server imports NumPy, pandas and Altair for its first visitor (seconds on a busy machine).
# On the Lecture that visitor reads the tour's text meanwhile: the page draws it before it imports
# the dashboard and sets the session up itself (pages/lecture.py). Every other page needs it first.
text_first = "dashboard.runs" not in sys.modules and navigation is by_path[sitemap.DEFAULT_PAGE]
if not text_first:
    from dashboard import frame as page_frame
    from dashboard import runs
    from dashboard.sidebar import sidebar

    page_frame.init_session()
    # A bookmarked page URL opened on a freshly started server came here first (frame.open_page).
    wanted = page_frame.wanted_page()
    if wanted in by_path and wanted != sitemap.DEFAULT_PAGE:
        st.switch_page(by_path[wanted])
    # The Lecture draws its text first and loads the default runs itself, where its charts go.
    if navigation is not by_path[sitemap.DEFAULT_PAGE]:
        runs.ensure_default_runs()
    # Drawn before the page (the Train page follows a job for minutes) and again after it, so it
    # names runs the page just trained.
    with frame.container():
        sidebar()
try:
    navigation.run()
finally:
    from dashboard.sidebar import sidebar

    with frame.container():
        sidebar()
    if RUN_LOG:
        with open(RUN_LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps({"page": navigation.title, "start": started, "end": time.time()}) + "\n")
