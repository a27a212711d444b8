"""The services pages: create, validate, edit, suspend and activate, and what a viewer may do."""
import pytest
from sqlalchemy import func, select

from flashcall.db import db
from flashcall.models import Service

VALID = {"name": "Shop login", "code_length": "4", "code_lifetime_minutes": "2", "max_attempts": "3",
         "min_interval_seconds": "120", "daily_limit": "10", "allowed_countries": "IR", "mobile_only": "y",
         "webhook_url": ""}


@pytest.fixture
def owner(make, login):
    user = make.account()
    login(user)
    return user


def english(client):
    client.post("/language/en")


def service_count():
    return db.session.scalar(select(func.count(Service.id)))


def test_create_with_persian_digits_shows_the_service(client, owner):
    data = dict(VALID, code_length="۵", code_lifetime_minutes="٣", daily_limit="۱۲", allowed_countries="ir، af")
    response = client.post("/services/new", data=data)
    assert response.status_code == 302
    service = db.session.scalar(select(Service))
    assert response.headers["Location"].endswith(f"/services/{service.id}")
    assert (service.code_length, service.code_lifetime_minutes, service.daily_limit) == (5, 3, 12)
    assert service.allowed_countries == "IR,AF" and service.account_id == owner.account_id
    page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert "Shop login" in page and "۵" in page and "۱۲" in page


def test_new_form_has_the_defaults_in_the_pages_digits(client, owner):
    page = client.get("/services/new").get_data(as_text=True)
    for name, value in (("code_length", "۴"), ("code_lifetime_minutes", "۲"), ("max_attempts", "۳"),
                        ("min_interval_seconds", "۱۲۰"), ("daily_limit", "۱۰"), ("allowed_countries", "IR")):
        assert f'name="{name}"' in page and f'value="{value}"' in page
    assert page.count('inputmode="numeric"') == 5
    english(client)
    assert 'value="120"' in client.get("/services/new").get_data(as_text=True)


def test_a_fraction_gets_one_error_not_two(client, owner):
    english(client)
    page = client.post("/services/new", data=dict(VALID, code_length="4.5")).get_data(as_text=True)
    assert page.count("Enter a whole number.") == 1 and "Code length must be between" not in page
    assert 'value="4.5"' in page and service_count() == 0


def test_a_second_service_with_the_same_name_is_refused(client, owner, make):
    make.service(owner.account, name="Shop login")
    other = make.service(owner.account, name="Other")
    make.service(make.account().account, name="Shop login")  # another account's name does not count
    english(client)
    page = client.post("/services/new", data=dict(VALID, name=" shop LOGIN ")).get_data(as_text=True)
    assert "already have a service with this name" in page and service_count() == 3
    page = client.post(f"/services/{other.id}/edit", data=dict(VALID, name="Shop login")).get_data(as_text=True)
    assert "already have a service with this name" in page
    assert client.post(f"/services/{other.id}/edit", data=dict(VALID, name="Other")).status_code == 302


@pytest.mark.parametrize("field, value, message", [
    ("code_length", "7", "Code length must be between 3 and 6."),
    ("code_length", "۲", "Code length must be between 3 and 6."),
    ("code_length", "four", "Enter a whole number."),
    ("code_lifetime_minutes", "61", "Code lifetime must be between 1 and 60 minutes."),
    ("max_attempts", "0", "Maximum attempts must be between 1 and 10."),
    ("min_interval_seconds", "", "The interval must be between 0 and 86400 seconds."),
    ("daily_limit", "100000", "The daily limit must be between 1 and 1000."),
    ("allowed_countries", "XX", "Enter two-letter country codes such as IR, or IR, AF."),
    ("webhook_url", "ftp://example.com/hook", "Enter a web address starting with http:// or https://."),
    ("name", "  ", "Enter a name for the service."),
])
def test_invalid_values_are_explained_next_to_the_field(client, owner, field, value, message):
    english(client)
    response = client.post("/services/new", data=dict(VALID, **{field: value}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert "is-invalid" in page and service_count() == 0


def test_invalid_values_on_a_persian_page_are_still_a_form_not_an_error(client, owner):
    response = client.post("/services/new", data=dict(VALID, code_length="9"))
    assert response.status_code == 200 and 'dir="rtl"' in response.get_data(as_text=True)


def test_edit_changes_settings(client, owner, make):
    service = make.service(owner.account)
    response = client.post(f"/services/{service.id}/edit",
                           data=dict(VALID, name="Renamed", code_length="6", webhook_url="https://example.com/hook"))
    assert response.status_code == 302
    db.session.refresh(service)
    assert (service.name, service.code_length, service.webhook_url) == ("Renamed", 6, "https://example.com/hook")


def test_edit_with_bad_value_changes_nothing(client, owner, make):
    service = make.service(owner.account, code_length=4)
    english(client)
    response = client.post(f"/services/{service.id}/edit", data=dict(VALID, name="Other", code_length="2"))
    assert "Code length must be between 3 and 6." in response.get_data(as_text=True)
    db.session.refresh(service)
    assert (service.code_length, service.name) != (2, "Other")


def test_suspend_and_activate(client, owner, make):
    service = make.service(owner.account)
    assert client.post(f"/services/{service.id}/suspend").status_code == 302
    db.session.refresh(service)
    assert service.status == "suspended"
    client.post(f"/services/{service.id}/activate")
    db.session.refresh(service)
    assert service.status == "active"


def test_list_shows_only_own_services_with_status(client, owner, make):
    mine = make.service(owner.account, name="Mine")
    make.service(make.account().account, name="Theirs")
    page = client.get("/services/").get_data(as_text=True)
    assert "Mine" in page and "Theirs" not in page
    assert f"/services/{mine.id}" in page and "/services/new" in page


@pytest.fixture
def viewer(make, login):
    owner = make.account()
    user = make.user(owner.account, role="viewer")
    service = make.service(owner.account, name="Read only")
    key, _token = make.key(service)
    login(user)
    return user, service, key


def test_viewer_sees_services_without_buttons(client, viewer):
    _user, service, key = viewer
    page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert "Read only" in page and key.public_id in page
    for url in ("/services/new", f"/services/{service.id}/edit", f"/keys/{key.id}/revoke",
                f"/services/{service.id}/suspend", f"/services/{service.id}/keys/new"):
        assert url not in page
    assert "/services/new" not in client.get("/services/").get_data(as_text=True)


@pytest.mark.parametrize("method, url", [
    ("GET", "/services/new"), ("POST", "/services/new"), ("GET", "/services/{s}/edit"),
    ("POST", "/services/{s}/edit"), ("POST", "/services/{s}/suspend"), ("POST", "/services/{s}/activate"),
    ("GET", "/services/{s}/keys/new"), ("POST", "/services/{s}/keys/new"), ("POST", "/keys/{k}/revoke"),
])
def test_viewer_gets_403_on_changes(client, viewer, method, url):
    _user, service, key = viewer
    response = client.open(url.format(s=service.id, k=key.id), method=method, data=VALID)
    assert response.status_code == 403
    db.session.refresh(service)
    db.session.refresh(key)
    assert service.is_active and not key.is_revoked and service_count() == 1


def test_developer_can_manage_services(client, make, login):
    owner = make.account()
    login(make.user(owner.account, role="developer"))
    assert client.post("/services/new", data=VALID).status_code == 302
    assert service_count() == 1


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/services/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
