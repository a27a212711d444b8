"""Operator pages: only operators see them; the inbox lists the simulator's calls newest first."""
import pytest

from flashcall import verification
from flashcall.digits import to_persian
from tests.worker import run_once


@pytest.mark.parametrize("path", ["/operator/", "/operator/inbox"])
def test_only_operators_see_operator_pages(client, make, login, path):
    login(make.account())
    assert client.get(path).status_code == 404


def test_gateways_and_blocks_are_listed(client, make, login):
    login(make.account(operator=True))
    page = client.get("/operator/").get_data(as_text=True)
    assert "Simulator" in page and "+9821910XXXXXX" in page


def test_inbox_lists_calls_newest_first_and_filters_by_phone(client, make, login):
    login(make.account(operator=True))
    service = make.service(min_interval_seconds=0)
    first = verification.start_call(service, "09121234567")
    second = verification.start_call(service, "09121234567")
    other = verification.start_call(service, "09351112222")
    run_once()
    page = client.get("/operator/inbox").get_data(as_text=True)
    newest, older = to_persian(second.caller_number), to_persian(first.caller_number)
    assert page.index(newest) < page.index(older)
    filtered = client.get("/operator/inbox?phone=۰۹۱۲۱۲۳۴۵۶۷").get_data(as_text=True)
    assert newest in filtered and to_persian(other.caller_number) not in filtered
