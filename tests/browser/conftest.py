"""A real browser against a live server: the app on a local port, a dispatcher thread, Debian's chromium."""
import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from flashcall import accounts
from flashcall.telephony import routing
from flashcall.factory import create_app
from flashcall.db import db
from tests import worker

from ..conftest import PG_URL, _pg_url, _truncate_all, served

CHROMIUM = "/usr/bin/chromium"
# --disable-dev-shm-usage: renderers share memory through /tmp, not /dev/shm, which a container may keep
# at 64 MB (a renderer out of it crashes the page mid-test).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
ADMIN = ("admin@example.com", "browser-pass-42")


class LiveServer:
    def __init__(self, app, url):
        self.app = app
        self.url = url

    def __call__(self, path):
        return self.url + path


def sign_in(page, live_server, email=ADMIN[0], password=ADMIN[1]):
    page.goto(live_server("/auth/login"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(live_server("/"))


def _live_config(tmp_path):
    return {
        "SECRET_KEY": "browser-test",
        "SQLALCHEMY_DATABASE_URI": _pg_url(PG_URL) if PG_URL else f"sqlite:///{tmp_path / 'live.db'}",
        "WTF_CSRF_ENABLED": True,  # the browser posts real tokens
        "SIM_RING_DELAY": 0.5,
        "SIM_RING_SECONDS": 0.5,
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def _prepare_database(app):
    with app.app_context():
        db.create_all()
        if PG_URL:
            _truncate_all()
        routing.ensure_default_gateway()
        accounts.create_account("شرکت آزمون مرورگر", *ADMIN, operator=True)
        db.session.commit()


@contextmanager
def running_app(folder, **overrides):
    """The app served on a free port by a threaded server, with a dispatcher thread placing calls."""
    app = create_app({**_live_config(folder), **overrides})
    _prepare_database(app)
    stop = threading.Event()
    dialer = threading.Thread(target=worker.run, args=(app,), kwargs={"worker_id": "browser", "stop": stop},
                              daemon=True, name="live-dispatcher")
    dialer.start()
    with served(app) as url:
        yield LiveServer(app, url)
    stop.set()
    dialer.join(timeout=10)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(tmp_path):
    """A live server for one test (a module that needs other settings, or one server for all its
    tests, defines its own `live_server` with running_app)."""
    with running_app(tmp_path) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
        if os.environ.get("FLASHCALL_REQUIRE_ALL") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Reports every Content-Security-Policy violation to the console, where the fixture collects it.
CSP_LISTENER = """document.addEventListener('securitypolicyviolation', function (e) {
  console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber);
});"""
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def csp_violation(message):
    return "Content Security Policy" in message or message.startswith("CSP violation")


@pytest.fixture
def csp_violations():
    """Every CSP violation a page met during the test; the test fails if any is left here."""
    found = []
    yield found
    assert found == [], f"Content-Security-Policy violations: {found}"


@pytest.fixture
def new_page(browser, csp_violations):
    """new_page(viewport) opens a page in its own browser context (own cookies), with the CSP on
    (as served): any violation fails the test. All are closed after."""
    contexts = []

    def open_page(viewport=None):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale="fa-IR")
        context.add_init_script(CSP_LISTENER)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: csp_violations.append(message.text) if csp_violation(message.text) else None)
        page.set_default_timeout(15000)
        return page
    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def artifacts():
    return Path(os.environ.get("FLASHCALL_ARTIFACTS", ROOT / "artifacts"))


@pytest.fixture
def screenshot(page, request, capsys):
    """screenshot('step') saves a full-page PNG where CI keeps it and prints the path;
    screenshot('step', other_page) shoots another page than the test's `page`."""
    folder = artifacts() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    count = iter(range(1, 100))

    def take(step, shot=None):
        # A picture for people, not an assertion: Chromium sometimes cannot capture one on a loaded
        # machine ("Unable to capture screenshot"); it is tried three times, then the test goes on
        # and the log says which picture is missing.
        from playwright.sync_api import Error as PlaywrightError
        path = folder / f"{request.node.name}-{next(count):02d}-{step}.png"
        for _attempt in range(3):
            try:
                (shot or page).screenshot(path=str(path), full_page=True, timeout=30_000)
                break
            except PlaywrightError as error:
                failure = error
        else:
            with capsys.disabled():
                print(f"\nscreenshot {path.name} not taken: {str(failure).splitlines()[0]}")
            return None
        with capsys.disabled():
            print(f"\nscreenshot: {path}")
        return path
    return take
