"""Switching the interface between Persian and English; the choice is remembered."""
from .conftest import PASSWORD


def test_persian_is_the_default(client, make, login):
    login(make.account())
    page = client.get("/").get_data(as_text=True)
    assert 'lang="fa"' in page and 'dir="rtl"' in page


def test_switch_to_english_and_back(client, make, login):
    login(make.account())
    response = client.post("/language/en", data={"next": "/services/"})
    assert response.status_code == 302 and response.headers["Location"] == "/services/"
    page = client.get("/services/").get_data(as_text=True)
    assert 'lang="en"' in page and 'dir="ltr"' in page and "Services" in page
    client.post("/language/fa")
    assert 'dir="rtl"' in client.get("/services/").get_data(as_text=True)


def test_choice_survives_sign_out_and_sign_in(app, client, make, login):
    user = make.account()
    login(user)
    client.post("/language/en")
    client.post("/auth/logout")
    fresh = app.test_client()  # a new browser: nothing in its session
    fresh.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert 'dir="ltr"' in fresh.get("/").get_data(as_text=True)


def test_choice_before_sign_in_is_kept(client, make):
    user = make.account()
    client.post("/language/en")
    assert 'dir="ltr"' in client.get("/auth/login").get_data(as_text=True)
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert 'dir="ltr"' in client.get("/").get_data(as_text=True)


def test_unknown_language_changes_nothing(client):
    client.post("/language/xx")
    assert 'dir="rtl"' in client.get("/auth/login").get_data(as_text=True)


def test_next_cannot_leave_the_site(client):
    response = client.post("/language/en", data={"next": "//evil.example/"})
    assert response.headers["Location"] == "/"
