"""The Persian catalog is complete, and Persian pages show none of the English source strings."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from flashcall.db import db
from flashcall.models import Call
from flashcall.clock import utcnow
from datetime import timedelta

PO = Path(__file__).resolve().parent.parent / "translations/fa/LC_MESSAGES/messages.po"


def _catalog():
    with PO.open("rb") as handle:
        return [m for m in read_po(handle, locale="fa") if m.id]


def test_catalogs_hold_every_extracted_string():
    """What `pybabel update --check` means, minus its header dates: no string is left unextracted."""
    from babel.messages.extract import extract_from_dir
    root = PO.parents[3]
    method_map = [("flashcall/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy": None,
                "lazy_gettext": None}
    extracted = {(m[2] if isinstance(m[2], str) else m[2][0])
                 for m in extract_from_dir(str(root), method_map, keywords=keywords)}
    for language in ("fa", "en"):
        path = root / f"translations/{language}/LC_MESSAGES/messages.po"
        with path.open("rb") as handle:
            known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
        missing = sorted(extracted - known)
        assert missing == [], f"run `make catalog-update` and translate in {path}: {missing}"


def test_every_persian_entry_is_translated():
    untranslated = [m.id for m in _catalog()
                    if "fuzzy" in m.flags or not (m.string if isinstance(m.string, str) else all(m.string))]
    assert untranslated == [], f"translate these in {PO}: {untranslated}"


def _english_sources():
    """English msgids whose Persian differs and that are long enough to be unmistakable in a page."""
    sources = []
    for message in _catalog():
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        text = msgid.split("%(")[0].strip()
        if len(text) >= 6 and " " in text and message.string != msgid:
            sources.append(text)
    return sources


def _visible_text(html):
    html = re.sub(r"<(script|style|pre|code)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def persian_pages(app, make, client, login):
    owner = make.account(operator=True)
    service = make.service(owner.account)
    key, _token = make.key(service)
    call = Call(service=service, key=key, phone="+989121234567", caller_number="+982191012345",
                code_length=4, expires_at=utcnow() + timedelta(minutes=2), status="delivered")
    db.session.add(call)
    db.session.commit()
    login(owner)
    return ["/", "/services/", f"/services/{service.id}", f"/services/{service.id}/edit",
            f"/services/{service.id}/keys/new", "/users/", "/users/new", "/test/", "/guide/",
            "/operator/", "/operator/inbox", "/services/new", "/reports/", "/reports/summary",
            f"/reports/calls/{call.id}"]


def test_persian_pages_have_no_english_source_strings(client, persian_pages):
    sources = _english_sources()
    for path in persian_pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = _visible_text(response.get_data(as_text=True))
        leftovers = [s for s in sources if s in text]
        assert leftovers == [], f"{path} shows untranslated text: {leftovers}"
