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
pages = [
    st.Page(path, title=title, icon=icon, default=path == ui.DEFAULT_PAGE)
    for path, title, icon in ui.PAGES
    if (ROOT / path).exists()
]
navigation = st.navigation(pages)

ui.init_session()
ui.ensure_default_runs()
frame = st.sidebar.container()  # filled after the page, so it names runs the page just trained
try:
    navigation.run()
finally:
    with frame:
        ui.sidebar()
