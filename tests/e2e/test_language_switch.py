"""A Vietnamese browser in headless Chromium: the app opens on the Vietnamese Lecture over the
Vietnamese toy corpus's runs; the sidebar's switch turns it into English and back, and an uploaded
corpus stays the current one through both switches."""

from __future__ import annotations

import time

import pytest
from conftest import RUN_SECONDS, exceptions, screenshot, upload, wait_for, wait_for_app, wait_for_text
from test_app import CHART, SUCCESS, drawn_charts, sidebar_text

from embedlab import i18n
from embedlab.teaching import tour

pytestmark = pytest.mark.e2e

UPLOAD_NAME = "bai-giang.txt"
UPLOAD = ("vua và hoàng_hậu ở trong cung điện . đàn_ông và phụ_nữ đi chợ .\n" * 60).encode("utf-8")
HEADER = '[data-testid="stMain"] h2'


def header(page) -> str:
    return page.locator(HEADER).first.inner_text().strip()


def choose(page, name: str) -> None:
    """Click a language in the sidebar's switch and wait for the page to run again."""
    page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').get_by_text(name, exact=True).click()
    wait_for_app(page)


@pytest.fixture(scope="module")
def vietnamese_visitor(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="vi-VN")
    context.set_default_timeout(RUN_SECONDS * 1000)
    page = context.new_page()
    started = time.monotonic()
    page.goto(server.url)
    with i18n.use("vi"):
        title = tour.title()
    wait_for_text(page, HEADER, title)
    wait_for(page, CHART, count=9)
    print(f"Vietnamese first load: {time.monotonic() - started:.1f} s")
    yield page
    context.close()


def test_a_vietnamese_browser_opens_on_the_vietnamese_lecture_over_toy_vi(vietnamese_visitor):
    page = vietnamese_visitor
    assert exceptions(page) == []
    with i18n.use("vi"):
        assert header(page) == tour.title()
        first_heading = tour.steps()[0].heading
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert first_heading in main and "Trong các lần chạy này" in main
    assert "hoàng hậu" in main and "hoàng_hậu" not in main  # §1 asks toy-vi's own analogy, as the pickers write it
    assert "toy-vi" in sidebar_text(page)
    assert drawn_charts(page) >= 9
    assert "Bài giảng" in page.locator('[data-testid="stSidebarNav"]').inner_text()  # the menu too
    screenshot(page, "lecture_vi")


def test_the_switch_turns_english_and_back_keeping_an_uploaded_corpus(vietnamese_visitor):
    page = vietnamese_visitor
    choose(page, "English")
    wait_for_text(page, HEADER, tour.TITLE)
    assert "In these runs" in page.locator('[data-testid="stMain"]').inner_text()
    assert "lang=en" in page.url  # a link to this page keeps its language

    page.locator('[data-testid="stSidebarNav"] a').filter(has=page.get_by_text("Corpus", exact=True)).first.click()
    wait_for_text(page, HEADER, "Corpus")
    upload(page, UPLOAD_NAME, UPLOAD)
    wait_for(page, SUCCESS)
    assert f"{UPLOAD_NAME} (uploaded)" in sidebar_text(page)

    choose(page, "Tiếng Việt")
    wait_for_text(page, HEADER, "Ngữ liệu")  # the same page, in Vietnamese
    assert "Ngữ liệu" in page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert f"{UPLOAD_NAME} (đã tải lên)" in sidebar_text(page)  # the same corpus

    choose(page, "English")
    wait_for_text(page, HEADER, "Corpus")
    assert f"{UPLOAD_NAME} (uploaded)" in sidebar_text(page)
    assert exceptions(page) == []
