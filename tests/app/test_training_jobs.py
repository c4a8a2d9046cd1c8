"""The Train page's job, through AppTest: Cancel stops the training within a second and keeps its
finished epochs as a shorter run; a second visitor waits in the queue with its place shown.

Waits are on the job's own events (its reports, its end), never a sleep and an assert.
"""

from __future__ import annotations

import pytest
from app_helpers import APP, open_page
from streamlit.testing.v1 import AppTest

from dashboard import server
from embedlab.markup import uninert
from embedlab.server.jobs import State
from embedlab.store import load_run
from embedlab.train import job_estimate

# real trainings in background jobs, a minute or more each on two busy cores: CI's full run
pytestmark = pytest.mark.slow
STOP_SECONDS = 1.0


@pytest.fixture
def one_slot(monkeypatch):
    """A server with one training slot, whatever the machine's cores."""
    monkeypatch.setenv("EMBEDLAB_TRAINING_SLOTS", "1")
    server.scheduler.clear()
    yield
    server.scheduler().shutdown()
    server.scheduler.clear()


def visitor() -> AppTest:
    """A visitor on the Train page whose runs return while its job runs: the job panel is drawn
    once instead of followed (AppTest waits for a script to end; a browser's page follows)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run(timeout=300)
    assert not at.exception, at.exception
    at.session_state["job_follow"] = False
    return open_page(at, "pages/train.py")


def press_train(at: AppTest, epochs: int = 20) -> None:
    form = {n.label: n for n in at.number_input}
    form["dimension d"].set_value(20)
    form["epochs"].set_value(epochs)
    next(b for b in at.button if b.label == "Train both").click()
    at.run(timeout=120)
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_cancel_stops_within_a_second_and_keeps_the_finished_epochs(one_slot):
    at = visitor()
    runs_before = len(at.session_state["runs"])
    press_train(at)
    job = at.session_state["job"]
    # gensim trains first; wait until the NumPy run has finished an epoch and started the next
    assert job.wait_until(lambda j: len(j.rows("numpy")) >= 2, 300), job.state
    at.run()  # progress and the Cancel button are on the page
    assert any("NumPy softmax, epoch" in p.proto.text for p in at.get("progress"))
    button(at, "Cancel").click()
    at.run()
    assert job.wait(STOP_SECONDS + 5) and job.state == State.CANCELLED
    # the training noticed the stop at its next batch (keeping the finished epochs as a run follows)
    assert job.stopped_at - job.cancelled_at < STOP_SECONDS, job.stopped_at - job.cancelled_at
    at.run()
    message = at.warning[0].value
    assert "you pressed Cancel" in message and "NumPy softmax stopped at epoch" in message and "of 20" in message
    assert len(at.session_state["runs"]) == runs_before + 1
    paths = at.session_state["runs"][at.session_state["current_run"]].paths
    numpy, gensim = load_run(paths["numpy"], verify=True), load_run(paths["gensim"], verify=True)
    assert numpy.stopped_early and 1 <= numpy.epochs < 20 and numpy.config["planned_epochs"] == 20
    assert gensim.epochs == 20 and not gensim.stopped_early  # trained first, complete
    label = at.session_state["runs"][at.session_state["current_run"]].label  # the run list says so
    assert f"NumPy softmax stopped at epoch {numpy.epochs} of 20" in label


def test_a_second_visitor_waits_in_the_queue_and_starts_when_the_slot_frees(one_slot):
    first, second = visitor(), visitor()
    press_train(first)
    running = first.session_state["job"]
    assert running.wait_started(60)
    press_train(second)
    waiting = second.session_state["job"]
    assert waiting.state == State.QUEUED and server.scheduler().position(waiting) == 1
    (queued,) = [info.value for info in second.info if "in line" in info.value]
    assert "you are 1st in line" in queued and "at most 1 at once" in queued
    assert any(b.label == "Cancel" for b in second.button)  # a queued job can be cancelled too
    button(first, "Cancel").click()
    first.run()
    assert running.wait(STOP_SECONDS + 5)
    assert waiting.wait_started(STOP_SECONDS + 5)  # the freed slot goes to the queue's head
    second.run()
    assert not any("in line" in i.value for i in second.info)
    button(second, "Cancel").click()
    second.run()
    assert waiting.wait(STOP_SECONDS + 5) and waiting.state == State.CANCELLED


def test_pressing_train_again_replaces_the_running_job(one_slot):
    at = visitor()
    press_train(at)
    first = at.session_state["job"]
    assert first.wait_started(60)
    press_train(at, epochs=2)
    second = at.session_state["job"]
    assert second is not first
    assert first.wait(STOP_SECONDS + 5) and first.state == State.CANCELLED
    assert first.stop_reason.startswith("you started another job: toy · d=20 · 2 epochs")
    assert second.wait(600) and second.state == State.DONE


def test_the_sweep_and_fine_tuning_run_as_jobs_in_the_servers_slots(one_slot):
    """The other pages that train go through the same scheduler: queued behind other visitors,
    stopped with the visitor, one job per visitor."""
    at = open_page(visitor(), "pages/bias_variance.py")
    next(t for t in at.text_input if t.label == "dimensions d").set_value("2,4")
    form = {n.label: n for n in at.number_input}
    form["runs per d (R)"].set_value(2)
    form["epochs"].set_value(1)
    next(b for b in at.button if b.label == "Run the sweep").click()
    at.run(timeout=600)  # the page waits for its job, as the browser would
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    job = server.scheduler().job_of(at.session_state["visitor_id"])
    assert job.label == "sweep" and job.state == State.DONE and job.progress() == 1.0
    assert at.session_state["bv_sweep"]["table"]["dim"].tolist() == [2, 4]

    at = open_page(at, "pages/finetune.py")
    next(s for s in at.selectbox if s.label == "second corpus").set_value("toy-shift")
    next(n for n in at.number_input if n.label == "fine-tuning epochs").set_value(1)
    next(b for b in at.button if b.label == "Fine-tune both trainers").click()
    at.run(timeout=600)
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    job = server.scheduler().job_of(at.session_state["visitor_id"])
    assert job.label == "fine-tuning on toy-shift" and job.state == State.DONE
    record = at.session_state["runs"][at.session_state["current_run"]]
    assert "fine-tuned on toy-shift for 1 epochs" in record.label


@pytest.mark.parametrize("slow_measurements", [2, 4])
def test_a_refusal_is_measured_again_so_a_burst_of_load_refuses_nothing(one_slot, monkeypatch, slow_measurements):
    """The page's measurement of both runs taken while the cores were busy (×1000: far over the
    15-minute limit); pressing Train measures again before refusing. Only when the second
    measurement is slow too is the job refused, with the commands that run it locally."""
    real, calls = job_estimate.run_estimate, []

    def measured(prepared, options, scorer):
        calls.append(options.trainer)
        slow = 1000.0 if len(calls) <= slow_measurements else 1.0
        return {key: value * slow for key, value in real(prepared, options, scorer).items()}

    monkeypatch.setattr(job_estimate, "run_estimate", measured)
    at = visitor()
    form = {n.label: n for n in at.number_input}
    form["seed"].set_value(900 + slow_measurements)  # settings no other test has measured (the cache)
    form["epochs"].set_value(2)
    next(b for b in at.button if b.label == "Train both").click()
    at.run(timeout=120)
    assert len(calls) == 4  # both runs measured on the page, then both again on the press
    job = at.session_state["job"] if "job" in at.session_state else None
    if slow_measurements == 2:
        assert job is not None and not at.error, [e.value for e in at.error]
        assert job.wait(300) and job.state == State.DONE
    else:
        assert job is None
        assert "more than the 15.0 min one visitor may use" in uninert(at.error[0].value)
        assert any("python -m embedlab train" in c.value for c in at.code)
