"""The guide page itself: who can read it, the error table, left-to-right code for this server."""
import re

from flashcall.digits import to_latin
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


# The table a reader relies on, written out (DESIGN.md's error table; the seed-002 names from that
# document; for the codes seed 002 has no name for, the nearest one it has).
ERROR_TABLE = {
    "invalid_key": ("401", "invalid_client"),
    "invalid_parameters": ("400", "parameters_error"),
    "direction_not_allowed": ("422", "direction_error"),
    "interval_limit": ("429", "one_call_for_two_minutes"),
    "daily_limit": ("429", "ten_calls_per_day"),
    "service_disabled": ("403", "service_is_not_connected"),
    "insufficient_credit": ("402", "service_is_not_connected"),
    "code_expired": ("410", "code_lifetime_expired"),
    "code_not_found": ("404", "auth_code_does_not_exist"),
    "attempts_exhausted": ("429", "auth_attempts_ended"),
    "invalid_code": ("422", "invalid_code"),
    "call_still_active": ("409", "one_call_for_two_minutes"),
    "already_retried": ("409", "one_call_for_two_minutes"),
    "idempotency_mismatch": ("422", "parameters_error"),
    "gateway_unavailable": ("503", "service_is_not_connected"),
    "not_found": ("404", "auth_code_does_not_exist"),
}
ROW = re.compile(r'<tr>\s*<td><code dir="ltr">(\w+)</code></td>\s*<td[^>]*>([۰-۹0-9]+)</td>\s*'
                 r'<td><code dir="ltr">(\w+)</code></td>\s*<td>([^<]+)')


def test_error_table_lists_every_engine_error_with_its_status_and_compatible_name(client, login, make):
    login(make.account())
    page = client.get("/guide/").get_data(as_text=True)
    table = page[page.index('id="error-table"'):page.index("</table>", page.index('id="error-table"'))]
    rows = {code: (to_latin(status), compat) for code, status, compat, _meaning in ROW.findall(table)}
    assert rows == ERROR_TABLE
    meanings = {code: meaning.strip() for code, _status, _compat, meaning in ROW.findall(table)}
    assert meanings["invalid_code"] == "کد وارد شده درست نیست."  # the engine's own message, in Persian
    assert "X-Flashcall-Signature" in page


def test_limits_are_written_in_words_and_persian_digits(client, login, make):
    login(make.account())
    page = client.get("/guide/").get_data(as_text=True)
    assert "۶۰۰ درخواست در هر دقیقه" in page and "600/minute" not in page
    assert '<code dir="ltr">PUBLICID.SECRET</code>' in page  # identifiers in the prose are code
