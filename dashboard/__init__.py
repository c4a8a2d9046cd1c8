"""The Streamlit side of EmbedLab: what the pages share (the session, the corpora, the job panel,
cached charts, the Lecture's steps, the map, the sidebar, the widgets). Only this package and the
pages import Streamlit; every number comes from an ``embedlab`` function, every default from
``embedlab.config``.

    session.py   this visitor's session: every key of Streamlit's session state, named once
    server.py    what the server process shares: the scheduler, per-visitor memory and its janitor
    frame.py     the frame of every page: a new session's defaults, a page opened before app.py
    language.py  this visitor's language: the browser's locale, ?lang=, the sidebar's switch
    corpora.py   built-in and uploaded corpora, their prepared form and statistics
    runs.py      this session's runs: the run list, the current runs, the default runs, opened runs
    training.py  the Train form's settings and estimate, the training job started and collected
    job_panel.py a job's progress, Cancel and live view; any page's work run as a job
    cached.py    computations on a run, cached by run directory
    specs.py     chart specs built once (Vega-Lite dicts) and cached
    lecture.py   the Lecture's step registry (one entry per embedlab.teaching.tour step)
    mapview.py   the embedding map of each run at one epoch
    sidebar.py   the current corpus and runs, on every page
    widgets.py   shared widgets: the chart, the error guard, the word picker, the epoch slider
    vega.py      Altair's settings for the app, and a chart as the Vega-Lite spec the pages draw

Nothing is imported here: app.py reads the session (dashboard.session) before the rest loads.
"""
