"""The reports page: filters one by one and together, keyset paging, bad input, empty states, roles."""
import re
from datetime import timedelta

import pytest

from flashcall.clock import utcnow
from flashcall.reports import cursor as cursors

NOW = utcnow().replace(microsecond=0)


def rows(html):
    """The call ids of the table, top to bottom."""
    return re.findall(r'<tr data-call="([0-9a-f-]+)"', html)


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


@pytest.fixture
def sample(shop, calls, login):
    """Six calls of account A over three days, and the owner signed in."""
    made = {
        "old_blog": calls.add(shop.blog, shop.blog_key, "failed", NOW - timedelta(days=2), "+989351112222", "busy"),
        "store_ok": calls.add(shop.store, shop.store_key, "verified", NOW - timedelta(days=1), "+989121234567"),
        "store_web": calls.add(shop.store, shop.web_key, "expired", NOW - timedelta(hours=5), "+989121239999"),
        "store_fail": calls.add(shop.store, shop.web_key, "failed", NOW - timedelta(hours=2), "+989127770000", "unreachable"),
        "dashboard": calls.add(shop.store, None, "verified", NOW - timedelta(hours=1), "+989350001111"),
        "blog_new": calls.add(shop.blog, shop.blog_key, "answered", NOW - timedelta(minutes=5), "+989121234567"),
    }
    login(shop.owner)
    return {name: call.id for name, call in made.items()}


def test_lists_calls_newest_first_with_what_a_person_reads(client, shop, sample):
    html = get(client, "/reports/")
    assert rows(html) == [sample[n] for n in ("blog_new", "dashboard", "store_fail", "store_web", "store_ok", "old_blog")]
    assert "۹۸۹۱۲۱۲۳۴۵۶۷" in html and "فروشگاه" in html and "اپ اندروید" in html and "از داشبورد" in html
    assert "ناموفق" in html and "گوشی خاموش یا خارج از دسترس است." in html and "تومان" in html
    assert "گزارش‌ها" in html and 'href="/reports/calls/' + sample["store_ok"] in html


@pytest.mark.parametrize("query, expected", [
    ("service={store}", ["dashboard", "store_fail", "store_web", "store_ok"]),
    ("key={web_key}", ["store_fail", "store_web"]),
    ("status=failed", ["store_fail", "old_blog"]),
    ("phone=۰۹۱۲۱۲۳", ["blog_new", "store_web", "store_ok"]),
    ("phone=%2B989121234567", ["blog_new", "store_ok"]),
    ("phone=9127", ["store_fail"]),
    ("range=today", None),
    ("service={store}&status=failed", ["store_fail"]),
    ("service={store}&key={web_key}&status=expired&phone=0912", ["store_web"]),
    ("status=verified&phone=0935", ["dashboard"]),
    ("key={blog_key}&phone=09121234567", ["blog_new"]),
])
def test_each_filter_and_combinations(client, shop, sample, query, expected):
    query = query.format(store=shop.store.id, web_key=shop.web_key.id, blog_key=shop.blog_key.id)
    found = rows(get(client, "/reports/?" + query))
    if expected is None:  # today: whatever the Tehran day holds, never the calls of two days ago
        assert sample["blog_new"] in found and sample["old_blog"] not in found
    else:
        assert found == [sample[name] for name in expected]


def test_jalali_date_range(client, shop, sample):
    from persiantools.jdatetime import JalaliDate
    from flashcall.clock import tehran_date
    day = JalaliDate(tehran_date(NOW - timedelta(days=2))).strftime("%Y/%m/%d")
    found = rows(get(client, f"/reports/?from={day}&to={day}"))
    assert sample["old_blog"] in found and sample["blog_new"] not in found


def test_the_filter_is_shown_back_and_the_key_list_follows_the_service(client, shop, sample):
    html = get(client, f"/reports/?service={shop.blog.id}&phone=0912")
    assert f'<option value="{shop.blog.id}" selected>' in html and 'value="0912"' in html
    keys = re.search(r'<select class="form-select" id="filter-key".*?</select>', html, re.S).group()
    assert "blog key" in keys and "اپ اندروید" not in keys


def test_htmx_gets_the_results_with_the_key_list_and_dates_out_of_band(client, shop, sample):
    response = client.get(f"/reports/?service={shop.store.id}&range=7d", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'id="results"' in html and 'id="filter-key-field" hx-swap-oob="true"' in html
    assert re.search(r'id="filter-from" name="from" value="\d{4}/\d\d/\d\d"', html)
    assert response.headers["HX-Push-Url"] == f"/reports/?service={shop.store.id}&range=7d"
    assert "HX-Request" in response.headers["Vary"]


def test_keyset_paging_across_equal_timestamps(client, shop, calls, login):
    same = NOW - timedelta(hours=1)
    made = [calls.add(shop.store, shop.store_key, "verified", same - timedelta(seconds=n // 7)) for n in range(120)]
    login(shop.owner)
    expected = [c.id for c in sorted(made, key=lambda c: (c.created_at, c.id), reverse=True)]
    seen, url, pages = [], "/reports/", []
    while url:
        html = get(client, url)
        pages.append(html)
        seen += rows(html)
        older = re.search(r'id="page-older" rel="next" href="([^"]+)"', html)
        url = older.group(1).replace("&amp;", "&") if older else None
    assert [len(rows(p)) for p in pages] == [50, 50, 20] and seen == expected
    newer = re.search(r'id="page-newer" rel="prev" href="([^"]+)"', pages[2]).group(1).replace("&amp;", "&")
    assert rows(get(client, newer)) == expected[50:100]
    assert 'id="page-newer"' not in pages[0] and 'id="page-older"' not in pages[2]


@pytest.mark.parametrize("query, message", [
    ("from=1403/02/20&to=1403/02/10", "تاریخ شروع بعد از تاریخ پایان است"),
    ("from=1403/13/40", "سال/ماه/روز شمسی"),
    ("to=yesterday", "سال/ماه/روز شمسی"),
    ("status=lost", "چنین وضعیتی وجود ندارد"),
    ("service=abc", "یک سرویس از فهرست انتخاب کنید"),
    ("phone=09x", "دست‌کم سه رقم"),
    ("range=year", "چنین بازه‌ای وجود ندارد"),
    ("cursor=bogus", "پیوند این صفحه معتبر نیست"),
])
def test_bad_input_is_answered_with_a_persian_message(client, shop, sample, query, message):
    html = get(client, "/reports/?" + query, status=400)
    assert message in html and 'id="report-error"' in html and 'id="report-filters"' in html
    assert rows(html) == []


def test_a_tampered_cursor_is_refused(app, client, shop, sample):
    with app.app_context():
        genuine = cursors.sign("test-secret", NOW, sample["store_ok"], cursors.OLDER)
    assert rows(get(client, "/reports/?cursor=" + genuine))
    payload, signature = genuine.rsplit(".", 1)
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    assert "پیوند این صفحه معتبر نیست" in get(client, "/reports/?cursor=" + tampered, status=400)
    forged = cursors.sign("someone-elses-secret", NOW, sample["store_ok"], cursors.OLDER)
    get(client, "/reports/?cursor=" + forged, status=400)


def test_a_key_of_the_other_service_is_explained(client, shop, sample):
    html = get(client, f"/reports/?service={shop.blog.id}&key={shop.web_key.id}", status=400)
    assert "این کلید دسترسی مال سرویس دیگری است" in html


@pytest.mark.parametrize("path", ["/reports/", "/reports/summary", "/reports/export.csv", "/reports/export.xlsx"])
def test_another_accounts_service_or_key_answers_404(client, make, shop, sample, path):
    other = make.service()
    other_key, _ = make.key(other)
    assert client.get(f"{path}?service={other.id}").status_code == 404
    assert client.get(f"{path}?key={other_key.id}").status_code == 404
    assert client.get(f"{path}?service=999999").status_code == 404


def test_empty_states_say_why_and_how_to_widen(client, shop, sample, make, login):
    html = get(client, "/reports/?status=canceled")
    assert "هیچ تماسی با این پالایش جور نیست" in html and "بازهٔ تاریخ را بازتر کنید" in html
    client.post("/auth/logout")
    login(make.account())
    assert "سرویس‌های شما هنوز تماسی برقرار نکرده‌اند" in get(client, "/reports/")


@pytest.mark.parametrize("role", ["viewer", "developer", "owner"])
def test_every_role_sees_reports_and_downloads(client, make, shop, sample, login, role):
    client.post("/auth/logout")
    login(make.user(shop.account, role=role))
    assert len(rows(get(client, "/reports/"))) == 6
    assert client.get("/reports/export.csv").status_code == 200
    assert client.get("/reports/export.xlsx").status_code == 200
    assert "گزارش‌ها" in get(client, "/")


def test_a_rows_timeline(client, shop, sample):
    html = get(client, f"/reports/calls/{sample['store_fail']}")
    assert 'data-kind="queued"' in html and 'data-kind="failed"' in html
    assert "گوشی خاموش یا خارج از دسترس است." in html and "وب" in html


def test_the_page_works_in_english(client, shop, sample):
    client.post("/language/en")
    html = get(client, "/reports/")
    assert "Download CSV" in html and "Failed" in html and "+989121234567" in html
