"""The guide's examples, read from the page as served at the live address (tests/conftest.py's live_url)."""
import html
import re

import pytest

from tests.conftest import PASSWORD

EXAMPLE = re.compile(r'<code[^>]*data-example="([\w-]+)"[^>]*>(.*?)</code>', re.S)


def examples_from(page):
    """{name: source} of every data-example block, as a reader would copy it."""
    return {name: html.unescape(code) for name, code in EXAMPLE.findall(page)}


@pytest.fixture
def guide_examples(app, make, live_url):
    """The guide page as served at the live address, read by a signed-in viewer."""
    owner = make.account()
    viewer = make.user(owner.account, role="viewer")
    client = app.test_client()
    response = client.post("/auth/login", data={"email": viewer.email, "password": PASSWORD}, base_url=live_url)
    assert response.status_code == 302
    page = client.get("/guide/", base_url=live_url).get_data(as_text=True)
    return examples_from(page)
