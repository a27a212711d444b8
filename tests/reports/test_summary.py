"""Summaries and breakdowns: the figures, and day tallies that agree with counting every call."""
import re
from datetime import timedelta

from flashcall.clock import tehran_date, tehran_midnight, utcnow
from flashcall.db import db
from flashcall.models import CallTally, TalliedDay
from flashcall.reports import summary, tallies
from flashcall.reports.filters import Criteria

NOW = utcnow().replace(microsecond=0)


def _criteria(shop, **narrower):
    return Criteria(**{"account_id": shop.account.id, "service_ids": (shop.store.id, shop.blog.id), **narrower})


def _history(shop, calls):
    """Ten days of calls; the ones of five days ago include a call still queued (a stuck dispatcher)."""
    for days in range(10):
        at = tehran_midnight(tehran_date(NOW) - timedelta(days=days)) + timedelta(hours=9)
        calls.add(shop.store, shop.store_key, "verified", at)
        calls.add(shop.store, shop.web_key, "failed", at + timedelta(minutes=1), reason="busy")
        calls.add(shop.blog, shop.blog_key, "expired", at + timedelta(minutes=2))
        calls.add(shop.blog, None, "expired" if days else "answered", at + timedelta(minutes=3), answered=True)
        if days == 5:
            calls.add(shop.store, shop.store_key, "queued", at + timedelta(minutes=4))


def test_figures_and_breakdowns(app, shop, calls):
    calls.add(shop.store, shop.store_key, "verified", NOW - timedelta(minutes=9))
    calls.add(shop.store, shop.store_key, "verified", NOW - timedelta(minutes=8))
    calls.add(shop.store, shop.web_key, "expired", NOW - timedelta(minutes=7))
    calls.add(shop.store, shop.web_key, "failed", NOW - timedelta(minutes=6), reason="busy")
    calls.add(shop.store, shop.web_key, "failed", NOW - timedelta(minutes=5), reason="attempts")
    calls.add(shop.blog, None, "answered", NOW - timedelta(minutes=4))
    calls.add(shop.blog, None, "verified", NOW - timedelta(minutes=3), answered=True)
    result = summary.summarize(_criteria(shop), NOW)
    total = result.total
    assert (total.calls, total.delivered, total.verified, total.answered, total.failed) == (7, 6, 3, 2, 2)
    assert total.conversion == 50.0 and total.cost == 6 * 1500
    assert dict(total.reasons) == {"busy": 1, "attempts": 1}
    assert result.services[shop.store.id].calls == 5 and result.services[shop.blog.id].calls == 2
    assert result.keys[shop.web_key.id].failed == 2 and result.keys[None].answered == 2


def test_tallies_give_what_counting_every_call_gives(app, shop, calls):
    _history(shop, calls)
    for narrower in ({}, {"status": "failed"}, {"key_id": shop.web_key.id},
                     {"service_ids": (shop.blog.id,), "status": "expired"}):
        criteria = _criteria(shop, **narrower)
        counted = summary.Summary()
        for row in tallies.live(tallies.where_any(criteria)):
            counted.add(*row[:4], bool(row[4]), int(row[5]), int(row[6]))
        assert summary.summarize(criteria, NOW) == counted, narrower
    tallied = set(db.session.scalars(db.select(TalliedDay.day)))
    today = tehran_date(NOW)
    assert today - timedelta(days=2) in tallied and today - timedelta(days=9) in tallied
    assert today not in tallied and today - timedelta(days=5) not in tallied  # not final yet


def test_a_tallied_day_is_read_from_its_tally(app, shop, calls):
    _history(shop, calls)
    criteria = _criteria(shop)
    before = summary.summarize(criteria, NOW).total.calls
    day = tehran_date(NOW) - timedelta(days=3)
    tally = db.session.scalar(db.select(CallTally).where(CallTally.day == day, CallTally.status == "verified"))
    tally.calls += 100  # were the calls read again, this would not show
    db.session.commit()
    assert summary.summarize(criteria, NOW).total.calls == before + 100


def test_a_phone_filter_counts_the_calls_themselves(app, shop, calls):
    _history(shop, calls)
    calls.add(shop.store, shop.store_key, "verified", NOW - timedelta(days=3), phone="+989357654321")
    criteria = _criteria(shop, phone="+98935")
    assert summary.summarize(criteria, NOW).total.calls == 1
    assert summary.summarize(_criteria(shop, phone="+98912"), NOW).total.calls == 41


def test_summary_fragment(client, shop, calls, login):
    _history(shop, calls)
    login(shop.owner)
    html = client.get(f"/reports/summary?service={shop.blog.id}").get_data(as_text=True)
    figures = dict(re.findall(r'data-figure="(\w+)">\s*<div[^>]*>[^<]*</div>\s*<div[^>]*>([^<]*)</div>', html))
    assert figures["calls"] == "۲۰" and figures["delivered"] == "۲۰" and figures["answered"] == "۱۰"
    assert figures["conversion"] == "۰٪" and "blog key" in html and "از داشبورد" in html
    assert 'id="by-service"' in html and 'id="by-key"' in html


def test_summary_fragment_refuses_bad_input(client, shop, login):
    login(shop.owner)
    response = client.get("/reports/summary?from=1403/99/99")
    assert response.status_code == 400 and "شمسی" in response.get_data(as_text=True)

