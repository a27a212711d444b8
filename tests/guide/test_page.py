"""The guide page itself: who can read it, the error table, left-to-right code for this server."""
from flashcall.verification.errors import ERRORS
from tests.conftest import PASSWORD

from .conftest import examples_from


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get("/guide/")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_page_is_persian_rtl_with_ltr_code_for_this_server(client, make):
    base = "https://verify.example.ir"
    client.post("/auth/login", data={"email": make.account().email, "password": PASSWORD}, base_url=base)
    page = client.get("/guide/", base_url=base).get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page
    examples = examples_from(page)
    assert {f"{lang}-{step}" for lang in ("curl", "python", "php")
            for step in ("call", "status", "verify", "retry")} <= set(examples)
    assert {"php-client", "python-webhook", "php-webhook"} <= set(examples)
    assert "https://verify.example.ir/api/v1" in examples["curl-call"]
    assert page.count('<pre dir="ltr"') >= len(examples)


def test_error_table_lists_every_engine_error_with_its_compatible_name(client, login, make):
    login(make.account())
    page = client.get("/guide/").get_data(as_text=True)
    table = page[page.index('id="error-table"'):]
    for code, (status, compat, _) in ERRORS.items():
        assert f'<code dir="ltr">{code}</code>' in table
        if compat:
            assert f'<code dir="ltr">{compat}</code>' in table
    assert "one_call_for_two_minutes" in table and "X-Flashcall-Signature" in page


def test_limits_are_written_in_words_and_persian_digits(client, login, make):
    login(make.account())
    page = client.get("/guide/").get_data(as_text=True)
    assert "۶۰۰ درخواست در هر دقیقه" in page and "600/minute" not in page
    assert '<code dir="ltr">PUBLICID.SECRET</code>' in page  # identifiers in the prose are code
