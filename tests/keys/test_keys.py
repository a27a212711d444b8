"""Access keys: shown once, stored as a hash, listed with times, revoked."""
from datetime import datetime

import pytest
from sqlalchemy import func, select

from flashcall import accounts
from flashcall.db import db
from flashcall.models import AccessKey


@pytest.fixture
def service(make, login):
    owner = make.account()
    login(owner)
    return make.service(owner.account, name="Shop")


def key_from(page):
    return page.split('<code id="new-key"', 1)[1].split(">", 1)[1].split("</code>", 1)[0]


def test_new_key_is_shown_once_and_works(client, service):
    posted = client.post(f"/services/{service.id}/keys/new", data={"label": "backend"})
    # Post/Redirect/Get: a reload of the page that shows the key cannot make a second key.
    assert posted.status_code == 302 and posted.headers["Cache-Control"] == "no-store"
    response = client.get(posted.location)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    token = key_from(page)
    public_id, _, secret = token.partition(".")
    assert accounts.authenticate_token(token).label == "backend"
    key = db.session.scalar(select(AccessKey).where(AccessKey.public_id == public_id))
    assert secret not in key.secret_hash
    detail = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert public_id in detail and secret not in detail and "backend" in detail


def test_the_key_page_shows_the_secret_once(client, service):
    posted = client.post(f"/services/{service.id}/keys/new", data={"label": "backend"})
    token = key_from(client.get(posted.location).get_data(as_text=True))
    again = client.get(posted.location)
    page = again.get_data(as_text=True)
    assert again.status_code == 200 and 'id="new-key"' not in page and token not in page
    assert 'id="key-already-shown"' in page
    assert db.session.scalar(select(func.count(AccessKey.id))) == 1


def test_another_accounts_key_page_is_404(client, service, make):
    foreign, _token = make.key(make.service())
    assert client.get(f"/keys/{foreign.id}/created").status_code == 404


def test_a_label_used_by_a_live_key_of_the_service_is_refused(client, service, make):
    make.key(service, label="Backend")
    client.post("/language/en")
    response = client.post(f"/services/{service.id}/keys/new", data={"label": " backend "})
    assert response.status_code == 200 and "already has a key with this label" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AccessKey.id))) == 1


def test_a_revoked_keys_label_and_another_services_label_can_be_reused(client, service, make):
    old, _token = make.key(service, label="backend")
    accounts.revoke_key(old)
    make.key(make.service(service.account), label="backend")
    db.session.commit()
    assert client.post(f"/services/{service.id}/keys/new", data={"label": "backend"}).status_code == 302


def test_several_keys_per_service(client, service):
    for label in ("web", "mobile", "ops"):
        client.post(f"/services/{service.id}/keys/new", data={"label": label})
    assert db.session.scalar(select(func.count(AccessKey.id)).where(AccessKey.service_id == service.id)) == 3


def test_empty_label_is_refused(client, service):
    client.post("/language/en")
    page = client.post(f"/services/{service.id}/keys/new", data={"label": " "}).get_data(as_text=True)
    assert "Give the key a label" in page and 'id="new-key"' not in page
    assert db.session.scalar(select(func.count(AccessKey.id))) == 0


def test_revoke_stops_the_key(client, service, make):
    key, token = make.key(service, label="old")
    response = client.post(f"/keys/{key.id}/revoke")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/services/{service.id}")
    assert accounts.authenticate_token(token) is None
    page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert "alert" in page and f"/keys/{key.id}/revoke" not in page


def test_list_shows_jalali_created_and_last_used(client, service, make):
    key, _token = make.key(service)
    key.created_at = datetime(2025, 3, 21, 8, 0)  # 1404/01/01 11:30 in Tehran
    key.last_used_at = datetime(2025, 3, 22, 8, 0)
    db.session.commit()
    page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert "۱۴۰۴/۰۱/۰۱ ۱۱:۳۰" in page and "۱۴۰۴/۰۱/۰۲ ۱۱:۳۰" in page
