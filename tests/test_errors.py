"""Error pages: Persian HTML for browsers, JSON for JSON clients."""
import pytest


@pytest.fixture
def app_config():
    return {"PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def boom(app):
    def explode():
        raise RuntimeError("boom")
    app.add_url_rule("/boom-for-test", "boom_for_test", explode)


def test_404_is_a_persian_page(client):
    response = client.get("/no-such-page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert 'lang="fa"' in page and 'dir="rtl"' in page and "۴۰۴" in page


def test_404_answers_json_to_json_clients(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["status"] == "error" and response.json["code"] == "not_found" and response.json["message"]


def test_api_paths_always_answer_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.is_json


def test_403_for_a_viewer(client, make, login):
    owner = make.account()
    login(make.user(owner.account, role="viewer"))
    html = client.get("/services/new")
    assert html.status_code == 403 and "۴۰۳" in html.get_data(as_text=True)
    json = client.get("/services/new", headers={"Accept": "application/json"})
    assert json.status_code == 403 and json.json["code"] == "forbidden"


def test_500_hides_the_details(client, boom):
    response = client.get("/boom-for-test")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "۵۰۰" in page and "boom" not in page and "Traceback" not in page
    json = client.get("/boom-for-test", headers={"Accept": "application/json"})
    assert json.status_code == 500 and json.json["code"] == "internal_error"


def test_error_page_in_english_after_switching(client):
    client.post("/language/en")
    response = client.get("/no-such-page")
    page = response.get_data(as_text=True)
    assert 'dir="ltr"' in page and "404" in page and "The page you asked for was not found." in page
