"""What the one server process shares between visitors: the job scheduler, the per-visitor
containers and the janitor that empties them once a visitor has gone.

Caches shared across sessions hold only what every visitor may see (the built-in corpora) or what
is keyed by content the visitor already holds (a run by its directory, whose name hashes the
corpus sha256 and every setting; an opened run by the sha256 of the files opened), and are
bounded in bytes. No cache holds "the last upload" or "all runs".
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.session import Session, session
from embedlab import i18n
from embedlab.config import Limits
from embedlab.server import memory
from embedlab.server.jobs import Job
from embedlab.server.scheduler import Scheduler

memory.map_large_blocks()  # one server process for every visitor: large arrays go back to the OS when freed
# seconds a disconnected session keeps its uploads (a network blip); EMBEDLAB_VISITOR_GRACE changes it (tests)
VISITOR_GRACE = float(os.environ.get("EMBEDLAB_VISITOR_GRACE") or 60)
BIG_CONTAINERS = (Session.uploads, Session.prepared_uploads, Session.overviews)  # emptied when the visitor goes
TIME_LIMIT_SLACK = 1.5  # a job is stopped after running this × Limits.max_job_seconds


def visitor_id() -> str:
    """This session's own id (Streamlit's session id is the same for every AppTest session)."""
    if session.visitor_id is None:
        session.visitor_id = uuid.uuid4().hex
    ctx = get_script_run_ctx()
    if ctx is not None:
        _sessions()[session.visitor_id] = ctx.session_id
    return session.visitor_id


@st.cache_resource
def _sessions() -> dict[str, str]:
    """visitor id → Streamlit session id, to ask the runtime whether the visitor is still connected."""
    return {}


def connected(visitor: str) -> bool:
    """Is the visitor's browser tab still connected? (Outside a server, e.g. in AppTest: yes.)"""
    streamlit_session = _sessions().get(visitor)
    if streamlit_session is None or not Runtime.exists():
        return True
    return bool(Runtime.instance().is_active_session(streamlit_session))


def _forget_session(visitor: str) -> None:
    """A visitor gone for good: Streamlit's copy of their uploaded files goes too (it keeps them
    until the session is shut down, which its two-minute storage never does)."""
    streamlit_session = _sessions().pop(visitor, None)
    if streamlit_session is not None and Runtime.exists():
        try:
            Runtime.instance().uploaded_file_mgr.remove_session_files(streamlit_session)
        except Exception:  # an internal API changed: the data above is released anyway
            pass
    scheduler().forget(visitor)


@st.cache_resource
def visitors() -> memory.PerVisitor:
    """The server's per-visitor containers, with a janitor that empties those of gone visitors
    and gives the memory back."""
    store = memory.PerVisitor(grace=VISITOR_GRACE)
    memory.start_janitor(store, connected, on_gone=_forget_session)
    return store


@st.cache_resource
def scheduler() -> Scheduler:
    """The server's one job scheduler: at most Limits.max_trainings trainings at once."""
    return Scheduler(Limits.from_env().max_trainings, on_finish=lambda job: memory.release())


def submit(work: Callable[[Job], object], parts: dict[str, float], label: str) -> Job:
    """Queue ``work(job)`` as this visitor's job (cancelling the one before), stopped when the
    visitor's tab closes or it runs well past the time one training may take here."""
    visitor = visitor_id()
    language = i18n.current()

    def in_their_language(job: Job) -> object:
        # a worker thread starts in English (contextvars do not follow threads): what the work
        # says — an error, a reason — is said in the language of the visitor who asked for it
        with i18n.use(language):
            return work(job)

    return scheduler().submit(
        visitor,
        in_their_language,
        parts,
        label=label,
        alive=lambda: connected(visitor),
        time_limit=Limits.from_env().max_job_seconds * TIME_LIMIT_SLACK,
    )
