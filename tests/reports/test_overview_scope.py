"""The overview page as each account sees it: its own figures, written out, and nothing of another
account's calls, services or failures."""
import re
from datetime import timedelta

from flashcall.clock import tehran_date, tehran_midnight, utcnow

NOW = utcnow().replace(microsecond=0)


def _today(minutes):
    """A moment today (Tehran), `minutes` after the day's start but never in the future."""
    return min(tehran_midnight(tehran_date(NOW)) + timedelta(minutes=minutes), NOW - timedelta(seconds=minutes))


def _figure(html, name):
    """The number on today's card `name` (calls, delivered, verified, failed)."""
    card = re.search(r'data-figure="%s">.*?<div class="fs-3 fw-bold">([^<]+)</div>' % name, html, re.S)
    return card.group(1)


def _rate(html, name):
    return re.search(r'data-figure="%s">([^<]+)</dd>' % name, html).group(1)


def test_each_account_sees_only_its_own_calls(client, make, login, shop, calls):
    rival = make.service(name="رقیب")
    calls.add(shop.store, shop.store_key, "verified", _today(1))
    calls.add(shop.store, shop.web_key, "verified", _today(2))
    calls.add(shop.blog, shop.blog_key, "expired", _today(3))
    calls.add(shop.blog, shop.blog_key, "failed", _today(4), reason="busy")
    for minute in range(5, 11):
        calls.add(rival, None, "failed", NOW - timedelta(minutes=minute % 3 + 1), reason="unreachable")

    login(shop.owner)
    html = client.get("/").get_data(as_text=True)
    assert [_figure(html, name) for name in ("calls", "delivered", "verified", "failed")] == ["۴", "۳", "۲", "۱"]
    assert (_rate(html, "delivery-rate"), _rate(html, "verification-rate")) == ("۷۵٪", "۶۶٫۷٪")
    assert "رقیب" not in html and "گوشی خاموش یا خارج از دسترس است." not in html  # the rival's failures

    client.post("/auth/logout")
    login(rival.account.users[0])
    html = client.get("/").get_data(as_text=True)
    assert [_figure(html, name) for name in ("calls", "delivered", "verified", "failed")] == ["۶", "۰", "۰", "۶"]
    assert "رقیب" in html and "فروشگاه" not in html and "Blog" not in html
    assert 'id="failing-services"' in html and "گوشی خاموش یا خارج از دسترس است." in html


def test_an_account_without_calls_sees_zeros_whatever_others_did(client, make, login, shop, calls):
    calls.add(shop.store, shop.store_key, "verified", _today(1))
    login(make.account())
    html = client.get("/").get_data(as_text=True)
    assert [_figure(html, name) for name in ("calls", "delivered", "verified", "failed")] == ["۰", "۰", "۰", "۰"]
    assert "فروشگاه" not in html and (_rate(html, "delivery-rate"), _rate(html, "verification-rate")) == ("—", "—")
