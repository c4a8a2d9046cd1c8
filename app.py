"""EmbedLab's dashboard: the router and the frame around every page.

streamlit run app.py
"""

from pathlib import Path

import streamlit as st

import ui

ROOT = Path(__file__).resolve().parent

st.set_page_config(layout="wide", page_title="EmbedLab", page_icon=":material/scatter_plot:")

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
