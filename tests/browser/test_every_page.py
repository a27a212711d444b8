"""In Chromium, every page of the dashboard with an account full of long data (issue 15, items 6
and 9): nothing scrolls sideways on a phone or on a desktop, and a Persian page shows no English
word or Latin digit outside code, addresses, keys and left-to-right values."""
import re

import pytest

from .conftest import DESKTOP, PHONE, running_app, sign_in
from .data import seed_long_data

# Words that stay as they are in Persian text: protocols, formats and the names of products.
ALLOWED_WORDS = {"API", "HTTP", "HTTPS", "SIP", "AMI", "JSON", "OpenAPI", "URL", "CSV", "XLSX", "PHP", "Python",
                 "Telphin"}
# Data, not interface text: the default gateway's stored name (the telephony work renames it; see the report).
DATA_WORDS = {"/operator/": {"Simulator"}}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("live")) as server:
        server.ids = seed_long_data(server.app)
        yield server


def signed_in_pages(ids):
    service = ids["service"]
    return ["/", "/services/", f"/services/{service}", f"/services/{service}/edit", f"/services/{service}/keys/new",
            f"/keys/{ids['key']}/created", "/services/new", "/users/", "/users/new", "/test/",
            f"/test/?call_id={ids['verified']}", f"/test/?call_id={ids['live']}", "/guide/", "/billing/",
            "/billing/ledger", "/operator/", "/operator/inbox", "/billing/operator/", "/no-such-page"]


def visit(page, url):
    page.goto(url)
    if page.locator("[hx-trigger='load']").count():  # the service page's webhook panel comes by htmx
        page.wait_for_selector("[id^=webhooks-]")
    page.wait_for_load_state("networkidle") if "/test/" not in url else page.wait_for_timeout(300)


def sideways(page):
    return page.evaluate("""() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
        wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                 || e.getBoundingClientRect().left < -1)
              .filter(e => !e.closest('.table-responsive, .collapse:not(.show), .visually-hidden, .visually-hidden-focusable'))
              .slice(0, 3).map(e => e.outerHTML.slice(0, 120))})""")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_page_scrolls_sideways(new_page, live_server, viewport):
    page = new_page(viewport)
    visit(page, live_server("/auth/login"))
    wide = {}
    width = sideways(page)
    if width["scroll"] > width["inner"]:
        wide["/auth/login"] = width
    sign_in(page, live_server)
    for path in signed_in_pages(live_server.ids):
        visit(page, live_server(path))
        width = sideways(page)
        if width["scroll"] > width["inner"]:
            wide[path] = width
    if viewport is PHONE:  # the opened menu fits too
        page.click(".navbar-toggler")
        page.wait_for_selector("#nav.show")
        width = sideways(page)
        if width["scroll"] > width["inner"]:
            wide["menu"] = width
    assert wide == {}, f"pages wider than the screen: {wide}"


VISIBLE_TEXT = """() => {
  const allowed = 'code, pre, script, style, [dir=ltr], [lang]:not([lang=fa]), [translate=no]';
  const found = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (node.textContent.trim() && !parent.closest(allowed)) {  // screen-reader-only text counts too
      found.push(node.textContent.trim());
    }
  }
  const typed = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea';
  for (const el of document.querySelectorAll(`${typed}, [placeholder], [aria-label], [title], [data-confirm]`)) {
    if (el.closest(allowed)) continue;
    for (const value of [el.matches(typed) ? el.value : null, el.placeholder, el.getAttribute('aria-label'),
                         el.getAttribute('title'), el.dataset.confirm]) {
      if (value) found.push(value);
    }
  }
  return found;
}"""
ADDRESS = re.compile(r"\S+@\S+|https?://\S+|\bfc_[0-9a-f]+\b")


def foreign_words(texts):
    bad = set()
    for text in texts:
        for token in re.findall(r"[A-Za-z0-9][A-Za-z0-9_]*", ADDRESS.sub(" ", text)):
            if token not in ALLOWED_WORDS:
                bad.add(token)
    return bad


def test_persian_pages_show_no_english_words_or_latin_digits(new_page, live_server):
    page = new_page(DESKTOP)
    visit(page, live_server("/auth/login"))
    found = {"/auth/login": foreign_words(page.evaluate(VISIBLE_TEXT))}
    sign_in(page, live_server)
    for path in signed_in_pages(live_server.ids):
        visit(page, live_server(path))
        found[path] = foreign_words(page.evaluate(VISIBLE_TEXT)) - DATA_WORDS.get(path, set())
    found = {path: sorted(words) for path, words in found.items() if words}
    assert found == {}, f"English words or Latin digits on Persian pages: {found}"
