"""In Chromium: the reports page — pick a Jalali range with the date picker, filter by status, page
back through the calls, download both files, and the back button."""
import csv
import io
import re
from datetime import timedelta

import openpyxl
from persiantools.jdatetime import JalaliDate

from flashcall.clock import tehran_date, tehran_midnight, utcnow
from flashcall.db import db
from flashcall.digits import to_persian
from flashcall.models import User
from flashcall import accounts
from tests.reports.data import Calls

from .conftest import ADMIN
from .test_testpage_flow import sign_in

FAILED_IN_RANGE = 60


def _history(app):
    """Calls on the days of the range (in this Jalali month, up to today), and one before it."""
    today = tehran_date(utcnow())
    jalali_today = JalaliDate(today)
    first = today - timedelta(days=min(2, jalali_today.day - 1))
    with app.app_context():
        account = db.session.scalar(db.select(User).where(User.email == ADMIN[0])).account
        service = accounts.create_service(account, "فروشگاه", secrets_key=app.config["SECRETS_KEY"])
        key, _token = accounts.create_key(service, "اپ اندروید")
        db.session.commit()
        calls, now = Calls(), utcnow()
        days = (today - first).days + 1
        for n in range(FAILED_IN_RANGE):
            day = first + timedelta(days=n % days)
            at = min(tehran_midnight(day) + timedelta(minutes=5 + n), now - timedelta(minutes=n + 1))
            calls.add(service, key, "failed", at, reason="busy")
            calls.add(service, key, "verified", at + timedelta(seconds=1)) if n % 6 == 0 else None
        calls.add(service, key, "failed", tehran_midnight(first) - timedelta(days=3), reason="busy")
    return JalaliDate(first), jalali_today


def _pick(page, field, day):
    """Open the date picker on `field` and click the day of this month, as a person does."""
    page.click(field)
    days = page.locator("jdp-container div.jdp-day:not(.not-in-month)")
    days.filter(has_text=re.compile("^" + to_persian(day.day) + "$")).first.click()


def _rows(page):
    return page.locator("#report-rows tbody tr")


def test_reports_flow(page, live_server, screenshot, tmp_path):
    first, today = _history(live_server.app)
    sign_in(page, live_server)
    page.goto(live_server("/reports/"))  # the menu's entry is checked by the every-page tests
    page.wait_for_selector("#report-rows")
    screenshot("reports")

    _pick(page, "#filter-from", first)
    page.wait_for_url(lambda url: "from=" in url)
    _pick(page, "#filter-to", today)
    page.wait_for_url(lambda url: "to=" in url and "from=" in url)
    assert page.input_value("#filter-from") == first.strftime("%Y/%m/%d")
    page.wait_for_selector("#summary-figures")

    page.select_option("#filter-status", "failed")
    page.wait_for_url(lambda url: "status=failed" in url)
    page.wait_for_function("() => [...document.querySelectorAll('#report-rows tbody tr')]"
                           ".every(row => row.dataset.status === 'failed')")
    assert _rows(page).count() == 50
    page.wait_for_selector("[data-figure=calls]")
    assert page.inner_text("[data-figure=calls] .fs-5") == to_persian(FAILED_IN_RANGE)
    screenshot("failed-in-range")

    top = _rows(page).first.get_attribute("data-call")
    page.click("#page-older")
    page.wait_for_url(lambda url: "cursor=" in url)
    page.wait_for_function("top => !document.querySelector(`tr[data-call='${top}']`)", arg=top)
    assert _rows(page).count() == FAILED_IN_RANGE - 50
    screenshot("older-page")

    with page.expect_download() as pending:
        page.click("#download-csv")
    assert page.locator("#download-notice").is_visible()
    path = tmp_path / "calls.csv"
    pending.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(table) == 1 + FAILED_IN_RANGE and {row[6] for row in table[1:]} == {"ناموفق"}

    with page.expect_download() as pending:
        page.click("#download-xlsx")
    path = tmp_path / "calls.xlsx"
    pending.value.save_as(path)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet.sheet_view.rightToLeft and sheet.max_row == 1 + FAILED_IN_RANGE

    page.go_back()  # back to the newest page of the same filter
    page.wait_for_url(lambda url: "cursor=" not in url and "status=failed" in url)
    page.wait_for_function("top => !!document.querySelector(`tr[data-call='${top}']`)", arg=top)
    page.reload()
    assert page.input_value("#filter-status") == "failed" and _rows(page).count() == 50
    screenshot("after-back-and-reload")
