"""The overview: 30 days of calls per day, rates, today against yesterday, top services, recent failures."""
import json
import re
from datetime import timedelta

from flashcall.clock import tehran_date, tehran_midnight, utcnow
from flashcall.reports.filters import Scope
from flashcall.reports.overview import overview

NOW = utcnow().replace(microsecond=0)


def _at(days_ago, minutes=0):
    """A moment on the Tehran day `days_ago` days back, before now when that day is today."""
    start = tehran_midnight(tehran_date(NOW) - timedelta(days=days_ago))
    return min(start + timedelta(minutes=1 + minutes), NOW - timedelta(seconds=1 + minutes))


def _traffic(shop, calls):
    calls.add(shop.store, shop.store_key, "verified", _at(0))
    calls.add(shop.store, shop.store_key, "verified", _at(0, 1))
    calls.add(shop.store, shop.web_key, "failed", NOW - timedelta(minutes=10), reason="busy")
    calls.add(shop.blog, shop.blog_key, "failed", NOW - timedelta(minutes=20), reason="unreachable")
    calls.add(shop.blog, shop.blog_key, "failed", NOW - timedelta(hours=3), reason="busy")  # not in the last hour
    calls.add(shop.store, shop.store_key, "expired", _at(1))
    calls.add(shop.blog, None, "verified", _at(12))
    calls.add(shop.blog, None, "verified", _at(40))  # older than 30 days


def test_figures(app, shop, calls):
    _traffic(shop, calls)
    figures = overview(Scope.of_account(shop.account.id), NOW)
    assert len(figures.days) == 30 and figures.days[-1][0] == tehran_date(NOW)
    assert figures.total.calls == 7 and figures.yesterday.calls == 1 + sum(
        1 for moment in (NOW - timedelta(hours=3), NOW - timedelta(minutes=20), NOW - timedelta(minutes=10))
        if tehran_date(moment) != tehran_date(NOW))
    assert figures.today.verified == 2
    assert [sid for sid, _f in figures.services] == [shop.store.id, shop.blog.id]
    assert figures.failing[0][1] == 1 and {sid for sid, _n, _r in figures.failing} == {shop.store.id, shop.blog.id}


def test_page(client, shop, calls, login):
    _traffic(shop, calls)
    login(shop.owner)
    html = client.get("/").get_data(as_text=True)
    chart = json.loads(re.search(r"data-chart='([^']+)'", html).group(1))
    assert len(chart["labels"]) == 30 and sum(chart["series"][0]["values"]) == 7
    assert chart["series"][0]["label"] == "تماس‌ها" and re.fullmatch(r"[۰-۹]{2}/[۰-۹]{2}", chart["labels"][-1])
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/overview.js" in html
    assert 'id="failing-services"' in html and "خط مشغول بود." in html and "گوشی خاموش یا خارج از دسترس است." in html
    assert 'id="top-services"' in html and "فروشگاه" in html
    assert "نرخ رسیدن تماس" in html and "نرخ تأیید" in html


def test_an_empty_account(client, make, login):
    login(make.account())
    html = client.get("/").get_data(as_text=True)
    assert "calls-chart" not in html and "در ۳۰ روز گذشته تماسی برقرار نشده است" in html
    assert "در یک ساعت گذشته هیچ تماسی ناموفق نبوده است" in html
