"""Operator pages: only operators see them; the inbox lists the simulator's calls newest first."""
import pytest

from flashcall import verification
from flashcall.digits import to_persian
from tests.worker import run_once


@pytest.mark.parametrize("path", ["/operator/", "/operator/inbox", "/operator/gateways/new"])
def test_only_operators_see_operator_pages(client, make, login, path):
    login(make.account())
    assert client.get(path).status_code == 404


def test_every_operator_route_answers_404_to_a_customer(app, client, make, login):
    """Every rule of the operator blueprint, with ids of real objects, by every method it takes."""
    from flashcall.db import db
    from flashcall.models import Gateway
    service = make.service()
    gateway = db.session.scalar(db.select(Gateway))
    values = {"gateway_id": gateway.id, "block_id": gateway.blocks[0].id, "service_id": service.id}
    login(make.account())
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("operator.")]
    assert len(rules) >= 9
    for rule in rules:
        with app.test_request_context():
            for method in sorted(rule.methods & {"GET", "POST"}):
                url = app.url_map.bind("localhost").build(rule.endpoint, {a: values[a] for a in rule.arguments},
                                                          method=method)
                assert client.open(url, method=method).status_code == 404, (method, url)
    db.session.refresh(gateway)
    assert gateway.active and gateway.blocks


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
