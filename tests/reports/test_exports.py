"""Downloads: the CSV's bytes, the XLSX opened with openpyxl, streaming, and stopping when the client leaves."""
import csv
import io
import logging
import os
import sqlite3
import tempfile
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from flashcall.clock import iso, utcnow
from flashcall.db import db
from flashcall.reports import exports

NOW = utcnow().replace(microsecond=0)
PG = bool(os.environ.get("TEST_DATABASE_URL"))


@pytest.fixture
def sample(shop, calls, login):
    made = [
        calls.add(shop.store, shop.store_key, "verified", NOW - timedelta(hours=3), "+989121234567"),
        calls.add(shop.store, shop.web_key, "failed", NOW - timedelta(hours=2), "+989121110000", "unreachable"),
        calls.add(shop.blog, None, "expired", NOW - timedelta(hours=1), "+989351112222", answered=True),
    ]
    login(shop.owner)
    return made


def _csv(response):
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_bytes(client, shop, sample):
    response = client.get("/reports/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'attachment; filename="flashcall-calls-' in response.headers["Content-Disposition"]
    table = _csv(response)
    assert table[0][:3] == ["زمان شمسی (تهران)", "زمان (UTC، ISO 8601)", "سرویس"] and len(table[0]) == 13
    assert len(table) == 1 + 3
    newest, failed, verified = table[1], table[2], table[3]
    assert newest[2] == "Blog" and newest[3] == "از داشبورد" and newest[6] == "منقضی شد"
    assert failed[2] == "فروشگاه" and failed[3] == "وب" and failed[7] == "گوشی خاموش یا خارج از دسترس است."
    assert verified[1] == iso(sample[0].created_at) and verified[4] == "+989121234567"
    assert verified[8] == "1" and verified[9] == "2.0" and verified[11] == "1500" and verified[12] == sample[0].id
    assert verified[10] == iso(sample[0].verified_at)
    assert all(ch in "0123456789/: " for ch in verified[0]) and verified[0].startswith("14")


def test_csv_has_exactly_the_filtered_rows(client, shop, sample):
    table = _csv(client.get(f"/reports/export.csv?status=failed&service={shop.store.id}"))
    assert [row[12] for row in table[1:]] == [sample[1].id]
    assert len(_csv(client.get("/reports/export.csv?phone=0935"))) == 2


def test_csv_header_in_english(client, shop, sample):
    client.post("/language/en")
    table = _csv(client.get("/reports/export.csv"))
    assert table[0][:3] == ["Jalali time (Tehran)", "Time (UTC, ISO 8601)", "Service"]
    assert table[3][6] == "Verified" and table[1][3] == "From the dashboard"
    assert table[3][0].startswith("14")  # the Jalali column stays Jalali


def test_a_name_is_never_read_as_a_formula(client, make, shop, calls, login):
    service = make.service(shop.account, name="=HYPERLINK(\"http://x\")")
    calls.add(service, None, "verified", NOW)
    login(shop.owner)
    assert _csv(client.get(f"/reports/export.csv?service={service.id}"))[1][2] == "'=HYPERLINK(\"http://x\")"


@pytest.fixture
def many(shop, calls, login, monkeypatch):
    """50 calls, read 10 at a time, each batch sent as soon as it is read."""
    for n in range(50):
        calls.add(shop.store, shop.store_key, "verified", NOW - timedelta(minutes=n))
    monkeypatch.setattr(exports, "BATCH", 10)
    login(shop.owner)


def test_csv_starts_before_the_last_row_is_read_and_stops_with_the_client(app, client, many, caplog):
    checked_out = db.engine.pool.checkedout()
    response = client.get("/reports/export.csv", buffered=False)
    chunks = iter(response.response)
    header = next(chunks)
    assert header.startswith("\ufeff".encode()) and header.count(b"\n") == 1
    first = next(chunks)
    assert first.count(b"\n") == 10  # sent while 40 rows are still unread
    with caplog.at_level(logging.INFO, logger="flashcall.reports"):
        response.close()  # the client goes away
    assert "stopped by the client after 10 rows" in caplog.text
    assert db.engine.pool.checkedout() <= checked_out  # the cursor's connection is back: the query ended


@pytest.mark.skipif(PG, reason="SQLite's write lock; PostgreSQL readers never block writers")
def test_an_export_does_not_hold_the_sqlite_write_lock(app, client, many):
    response = client.get("/reports/export.csv", buffered=False)
    chunks = iter(response.response)
    next(chunks), next(chunks)  # mid-export
    path = db.engine.url.database
    writer = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # the API's writes start like this
        writer.execute("ROLLBACK")
    finally:
        writer.close()
        response.close()


def _xlsx(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(response.get_data()))


def test_xlsx_is_right_to_left_typed_and_complete(client, shop, sample):
    response = client.get("/reports/export.xlsx")
    book = _xlsx(response)
    sheet = book.worksheets[0]
    assert len(book.worksheets) == 1 and sheet.title == "تماس‌ها 1"
    assert sheet.sheet_view.rightToLeft and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:M4"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2] == "سرویس" and len(rows) == 4
    verified = rows[3]
    assert isinstance(verified[1], datetime) and abs(verified[1] - sample[0].created_at) < timedelta(seconds=1)
    assert verified[8] == 1 and isinstance(verified[8], int) and verified[11] == 1500 and isinstance(verified[11], int)
    assert verified[9] == 2.0 and isinstance(verified[10], datetime) and verified[4] == "+989121234567"
    assert rows[1][9] is not None and rows[2][9] is None  # a call that never rang has no delivery time
    assert verified[7] is None  # no failure reason: no cell at all (Excel's filter lists it as blank)
    xml = zipfile.ZipFile(io.BytesIO(response.get_data())).read("xl/worksheets/sheet1.xml").decode()
    assert 'r="G4"' in xml and 'r="H4"' not in xml
    assert sheet.cell(row=4, column=2).number_format == "yyyy-mm-dd hh:mm:ss"


def test_xlsx_goes_on_in_a_new_sheet_past_the_row_limit(client, shop, calls, login, monkeypatch):
    for n in range(7):
        calls.add(shop.store, shop.store_key, "verified", NOW - timedelta(minutes=n))
    monkeypatch.setattr(exports, "EXCEL_ROWS", 4)  # a header and three rows per sheet
    login(shop.owner)
    book = _xlsx(client.get("/reports/export.xlsx"))
    assert [sheet.max_row for sheet in book.worksheets] == [4, 4, 2]
    assert all(sheet["A1"].value == "زمان شمسی (تهران)" for sheet in book.worksheets)


def test_xlsx_in_english_is_left_to_right_and_leaves_no_file_behind(client, shop, sample):
    client.post("/language/en")
    before = {p.name for p in Path(tempfile.gettempdir()).glob("flashcall-export-*")}
    book = _xlsx(client.get("/reports/export.xlsx"))
    assert not book.worksheets[0].sheet_view.rightToLeft and book.worksheets[0]["C1"].value == "Service"
    assert {p.name for p in Path(tempfile.gettempdir()).glob("flashcall-export-*")} <= before


def test_an_empty_export_has_the_header_only(client, shop, login):
    login(shop.owner)
    assert len(_csv(client.get("/reports/export.csv"))) == 1
    assert _xlsx(client.get("/reports/export.xlsx")).worksheets[0].max_row == 1


@pytest.mark.parametrize("path", ["/reports/export.csv", "/reports/export.xlsx"])
def test_a_bad_filter_is_answered_not_downloaded(client, shop, sample, path):
    response = client.get(path + "?from=1403/02/20&to=1403/02/01")
    assert response.status_code == 400 and "تاریخ شروع بعد از تاریخ پایان است" in response.get_data(as_text=True)


def test_csv_cells_on_a_tehran_day_boundary_with_a_quoted_name_and_half_tenths(client, make, shop, calls, login):
    """The same text on both databases (PostgreSQL writes its rows with COPY, SQLite through Python)."""
    service = make.service(shop.account, name='Shop, "North"')
    late = datetime(2026, 3, 20, 20, 31, 5, 123999)  # 00:01:05 on 1 Farvardin 1405 in Tehran (UTC+3:30)
    call = calls.add(service, None, "verified", late, "+989121234567")
    call.ringing_at = late + timedelta(seconds=2, microseconds=250_000)  # 2.25 s: a half, rounded up
    call.verified_at = late + timedelta(seconds=20, microseconds=999_999)
    db.session.commit()
    calls.add(service, None, "failed", datetime(2026, 3, 20, 20, 29, 0), "+989121110000", "unreachable")
    login(shop.owner)
    response = client.get(f"/reports/export.csv?service={service.id}")
    body = response.get_data().decode("utf-8-sig")
    lines = body.split("\r\n")
    assert lines[1].startswith('1405/01/01 00:01:05,2026-03-20T20:31:05.123Z,"Shop, ""North""",از داشبورد,'
                               "+989121234567,")
    assert lines[1].endswith(f",1,2.3,2026-03-20T20:31:26.123Z,1500,{call.id}")
    assert lines[2].startswith('1404/12/29 23:59:00,2026-03-20T20:29:00.000Z,"Shop, ""North""",')
    assert ",ناموفق,گوشی خاموش یا خارج از دسترس است.,0,,,0," in lines[2]  # it never rang
    assert lines[3:] == [""]
