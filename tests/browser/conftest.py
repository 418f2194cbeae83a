"""Browser fixtures: the app on a live local server with fresh demo data, and headless Chromium.

Chromium comes from Debian's package (/usr/bin/chromium); Playwright drives it
and never downloads a browser of its own.
"""

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from commands import prepare_database
from models import db

CHROMIUM = os.environ.get("ZHIGENG_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DEMO_PASSWORD = "Demo#2026"

# Words of three or more Latin letters that may appear on Chinese pages: file
# types, units, account names of the demo and codes.
ALLOWED_WORDS = {
    "zip", "rar", "xlsx", "xls", "doc", "docx", "pdf", "PDF", "YYYY", "MM", "DD",
    "admin", "ministry", "prov", "unit", "MOHRSS", "ZJS", "CAST", "CIE", "RSJ", "NJTECH", "JAAS", "SCUT", "GDPH",
}  # fmt: skip

pytestmark = pytest.mark.browser


def _chromium_missing():
    return not Path(CHROMIUM).exists()


@pytest.fixture
def live_app(tmp_path, database_url):
    """The application on a fresh database with the demo data; tests read rows through it."""
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database_url,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "RATELIMIT_STORAGE_URI": "memory://",
            "TRUSTED_HOSTS": ["127.0.0.1", "localhost"],
        }
    )
    with app.app_context():
        prepare_database(demo=True)
    yield app
    db.obj.close_all()


@pytest.fixture
def live_server(live_app):
    """The demo application served on a free local port in a thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    if _chromium_missing():
        pytest.fail(f"Chromium not found at {CHROMIUM}; install the Debian package chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--lang=zh-CN",
            ],
            # On Linux, Chromium takes the language of its own widgets (date fields,
            # native file inputs, the PDF viewer) from LANGUAGE, not from --lang.
            env={**os.environ, "LANGUAGE": "zh_CN"},
        )
        yield instance
        instance.close()


DESKTOP = {"viewport": {"width": 1366, "height": 900}}
# A phone-sized screen: 390 × 844 CSS pixels at twice the pixel density.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _is_pdf_content(response):
    """Match the PDF a viewer tab fetches, not the tab's own navigation, whose body is the viewer's page."""
    return response.headers.get("content-type") == "application/pdf" and not response.request.is_navigation_request()


class Visitor:
    """One person's browser tab, recording console errors and checking pages for English UI text."""

    def __init__(self, browser, base_url, journey, tmp_path, phone=False):
        self.context = browser.new_context(locale="zh-CN", accept_downloads=True, **(PHONE if phone else DESKTOP))
        self.page = self.context.new_page()
        self.base_url = base_url
        self.journey = journey
        self.errors = []
        self.english = []
        self.downloads = tmp_path / "downloads"
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: dialog.accept())

    def goto(self, path):
        self.page.goto(self.base_url + path)
        self.check_language()

    def login(self, username):
        self.context.clear_cookies()
        self.page.goto(self.base_url + "/login")
        self.page.fill("#username", username)
        self.page.fill("#password", DEMO_PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()
        self.check_language()

    def click(self, selector):
        self.page.click(selector)
        self.page.wait_for_load_state()
        self.check_language()

    def text(self):
        return self.page.inner_text("body")

    def all_text(self):
        """Text of the page including hidden menus, titles and placeholders.

        Scripts and Flask-Admin's hidden JSON data blocks for the filter widgets
        are left out: they are data read by scripts, not text shown to people.
        The blocks that hold the bulk action confirmations and their message are
        decoded instead, because their strings appear in confirmation dialogs.
        """
        return self.page.evaluate(
            """() => {
                const copy = document.body.cloneNode(true);
                copy.querySelectorAll('#actions-confirmation-data, #message-data').forEach((node) => {
                    const data = JSON.parse(node.textContent || 'null');
                    node.textContent = typeof data === 'string' ? data : Object.values(data || {}).join(' ');
                });
                copy.querySelectorAll('script, style, noscript, #filter-groups-data, #active-filters-data').forEach((node) => node.remove());
                const attributes = Array.from(document.querySelectorAll('[title], [placeholder], [aria-label], [alt]'))
                    .map((node) => [node.title, node.placeholder, node.getAttribute('aria-label'), node.alt].join(' '));
                return copy.textContent + ' ' + attributes.join(' ') + ' ' + document.title;
            }"""
        )

    def check_language(self):
        """Record Latin words on the page, hidden ones included, that are not on the allowed list."""
        words = set(re.findall(r"[A-Za-z]{3,}", self.all_text()))
        unexpected = sorted(word for word in words if word not in ALLOWED_WORDS)
        if unexpected:
            self.english.append((self.page.url, unexpected))

    def shot(self, name, page=None):
        """Save a screenshot of the whole page, or of another tab of this visitor."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.journey}-{name}.png"
        (page or self.page).screenshot(path=str(path), full_page=True)
        return path

    def download(self, selector):
        with self.page.expect_download() as info:
            self.page.click(selector)
        download = info.value
        self.downloads.mkdir(parents=True, exist_ok=True)
        target = self.downloads / download.suggested_filename
        download.save_as(str(target))
        return target

    def open_pdf(self, selector):
        """Click a link that opens a PDF in a new tab; return the tab and the PDF's bytes.

        Chromium shows the PDF in its viewer. The tab's own response is the
        viewer's page; the response the viewer reads next carries the bytes.
        The server receives one request.
        """
        with self.context.expect_page() as tab_info, self.context.expect_event("response", _is_pdf_content) as pdf_info:
            self.page.click(selector)
        tab = tab_info.value
        tab.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        tab.wait_for_load_state()
        return tab, pdf_info.value.body()

    def close(self):
        self.context.close()


@pytest.fixture
def visitor(browser, live_server, tmp_path, request):
    """Factory: ``visitor()`` opens a new browser context on the live server, ``visitor(phone=True)`` a phone-sized one."""
    opened = []
    journey = request.node.name.removeprefix("test_")

    def factory(phone=False):
        person = Visitor(browser, live_server, journey, tmp_path, phone=phone)
        opened.append(person)
        return person

    yield factory
    for person in opened:
        person.close()


@pytest.fixture
def declaration_archive(tmp_path):
    path = tmp_path / "申报材料（盖章）.zip"
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("申报表扫描件.pdf", b"%PDF-1.4 demo scan")
    return path


def remove_screenshots():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
