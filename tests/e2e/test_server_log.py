"""The browser tests' check of the server log: every traceback fails a test except Streamlit's own
close race (see ``conftest._STREAMLIT_CLOSE_RACE``). Checked on a log as the server writes it."""

from __future__ import annotations

from conftest import app_tracebacks, tracebacks

SITE = "/venv/lib/python3.11/site-packages"
CLOSE_RACE = f"""\
  Stopping...
ERROR:    Exception in ASGI application
Traceback (most recent call last):
  File "{SITE}/streamlit/web/server/starlette/starlette_websocket.py", line 515, in _websocket_endpoint
    data = await websocket.receive_bytes()
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{SITE}/starlette/websockets.py", line 129, in receive_bytes
    raise WebSocketDisconnected('WebSocket is not connected. Need to call "accept" first.')
starlette.websockets.WebSocketDisconnected: WebSocket is not connected. Need to call "accept" first.

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "{SITE}/uvicorn/protocols/websockets/websockets_sansio_impl.py", line 409, in run_asgi
    result = await self.app(self.scope, self.receive, self.send)
  File "{SITE}/streamlit/web/server/starlette/starlette_websocket.py", line 524, in _websocket_endpoint
    await websocket.close()
  File "{SITE}/starlette/websockets.py", line 104, in send
    raise WebSocketDisconnected('Cannot call "send" once a close message has been sent.')
starlette.websockets.WebSocketDisconnected: Cannot call "send" once a close message has been sent.
  Stopping...
"""
APP_ERROR = """\
2026-11-27 18:00:01.123 Uncaught app execution
Traceback (most recent call last):
  File "/repo/embedlab/ui.py", line 10, in draw
    raise ValueError("bad")
ValueError: bad
"""


def test_a_chained_traceback_is_one_and_ends_at_its_last_exception_line():
    (found,) = tracebacks(CLOSE_RACE)
    assert found.count("Traceback (most recent call last):") == 2
    assert found.endswith('Cannot call "send" once a close message has been sent.')
    assert "Stopping" not in found


def test_only_streamlits_close_race_is_forgiven():
    assert app_tracebacks(CLOSE_RACE) == []
    assert app_tracebacks(CLOSE_RACE + APP_ERROR) == [APP_ERROR.split("\n", 1)[1].rstrip()]
    assert len(app_tracebacks(APP_ERROR + CLOSE_RACE + APP_ERROR)) == 2
    # the same exception raised from the app's own code is not Streamlit's race
    elsewhere = CLOSE_RACE.replace("streamlit/web/server/starlette/starlette_websocket.py", "embedlab/ui.py")
    assert len(app_tracebacks(elsewhere)) == 1
