"""EmbedLab's dashboard: the router and the frame around every page.

streamlit run app.py
"""

from pathlib import Path

import streamlit as st

import ui

ROOT = Path(__file__).resolve().parent

st.set_page_config(layout="wide", page_title="EmbedLab", page_icon=":material/scatter_plot:")

# pages/quality.py and pages/bias_variance.py are written by other engineers; a page is listed
# only once its file exists, so the app keeps running while they are on their way.
listed = [entry for entry in ui.PAGES if (ROOT / entry[0]).exists()]
pages = [st.Page(path, title=title, icon=icon, default=path == ui.DEFAULT_PAGE) for path, title, icon in listed]
navigation = st.navigation(pages)
ui.init_session()

# A bookmarked page URL opened on a freshly started server came here first (ui.open_page).
by_path = {path: page for (path, _, _), page in zip(listed, pages, strict=True)}
wanted = ui.wanted_page()
if wanted in by_path and wanted != ui.DEFAULT_PAGE:
    st.switch_page(by_path[wanted])

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
