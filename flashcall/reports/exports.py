"""CSV and XLSX exports of the calls a Criteria names, newest first. Rows come from the database
in batches on a connection of their own (a server-side cursor on PostgreSQL; no write lock on
SQLite), so memory stays flat whatever the count; what repeats (a day's Jalali date, a status's
words, a service's name) is worked out once."""
import logging
from datetime import datetime, timedelta, timezone

import xlsxwriter
from persiantools.jdatetime import JalaliDate
from sqlalchemy import String, type_coerce

from ..clock import TEHRAN, iso
from ..db import read_connection
from ..models import Call
from ..translation import lazy as _l
from . import copy_csv
from .queries import newest_first

log = logging.getLogger("flashcall.reports")

BATCH = 2000
CHUNK = 64 * 1024  # bytes a file download is sent in
BOM = "\ufeff"  # so Excel reads the CSV as UTF-8
EXCEL_ROWS = 1_048_576  # rows per sheet, the header included
HEADER = (
    _l("Jalali time (Tehran)"), _l("Time (UTC, ISO 8601)"), _l("Service"), _l("Access key"), _l("Phone number"),
    _l("Caller number"), _l("Status"), _l("Failure reason"), _l("Attempts"), _l("Seconds to deliver"),
    _l("Verified at (UTC, ISO 8601)"), _l("Cost (Rial)"), _l("Call id"),
)
WIDTHS = (19, 20, 18, 18, 15, 15, 12, 28, 8, 10, 20, 10, 37)
TIME_COLUMNS = (1, 10)
# Times are read as text on SQLite (parsed here, faster than per-row type processing); PostgreSQL
# returns datetimes either way.
SELECTED = (type_coerce(Call.created_at, String).label("created_at"), Call.id, Call.service_id, Call.key_id,
            Call.phone, Call.caller_number, Call.status, Call.failure_reason, Call.attempts,
            type_coerce(Call.ringing_at, String), type_coerce(Call.verified_at, String), Call.cost)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ONE_MICROSECOND = timedelta(microseconds=1)


def _plain(text):
    """A name a spreadsheet will not read as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_field(text):
    """Text as a CSV field: quoted when it holds a separator, a quote or a line break."""
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text


def _moment(value):
    return value if value is None or isinstance(value, datetime) else datetime.fromisoformat(value)


def _utc_text(value):
    """ISO 8601 UTC in milliseconds, as clock.iso writes it; SQLite's text is cut rather than parsed."""
    if value is None or isinstance(value, datetime):
        return iso(value) or ""
    return f"{value[:10]}T{value[11:23]}Z"


class Cells:
    """Export cells of raw call rows (SELECTED), in the words of the page's language: `statuses`
    and `reasons` map codes to words, `no_key` names calls placed from the dashboard. Rows come
    newest first, so the local minute and Jalali day of one row are usually those of the last."""

    def __init__(self, scope, statuses, reasons, no_key):
        self.services = {sid: _plain(name) for sid, name in scope.services.items()}
        self.keys = {kid: _plain(label) for kid, (_sid, label) in scope.keys.items()}
        self.keys[None] = no_key
        self.statuses, self.reasons = dict(statuses), dict(reasons)
        self.reasons[None] = ""
        self.csv_words = [{k: _csv_field(v) for k, v in words.items()}
                          for words in (self.services, self.keys, self.statuses, self.reasons)]
        self._minute, self._minute_text, self._day, self._day_text = None, "", None, ""

    def _tehran(self, value):
        """Jalali date and time in Asia/Tehran of a naive-UTC time (datetime, or SQLite's text)."""
        text = isinstance(value, str)
        minute = value[:16] if text else value.replace(second=0, microsecond=0)
        if minute != self._minute:
            utc = datetime.fromisoformat(minute) if text else minute
            local = utc.replace(tzinfo=timezone.utc).astimezone(TEHRAN)
            if local.date() != self._day:
                self._day, self._day_text = local.date(), JalaliDate(local.date()).strftime("%Y/%m/%d")
            self._minute, self._minute_text = minute, f"{self._day_text} {local.hour:02d}:{local.minute:02d}:"
        return self._minute_text + (value[17:19] if text else f"{value.second:02d}")

    def _seconds(self, row):
        return (_moment(row[9]) - _moment(row[0])).total_seconds() if row[9] is not None else None

    def _tenths(self, row):
        """Seconds to deliver, to a tenth rounded half up on the exact microseconds (as PostgreSQL's
        round() does in copy_csv), or '' when the call never rang."""
        if row[9] is None:
            return ""
        tenths = ((_moment(row[9]) - _moment(row[0])) // ONE_MICROSECOND + 50_000) // 100_000
        return f"{tenths // 10}.{tenths % 10}"

    def csv(self, row):
        """One CSV line."""
        services, keys, statuses, reasons = self.csv_words
        return (f"{self._tehran(row[0])},{_utc_text(row[0])},{services.get(row[2], '')},{keys.get(row[3], '')},"
                f"{row[4]},{row[5]},{statuses.get(row[6], row[6])},{reasons.get(row[7], row[7])},{row[8]},"
                f"{self._tenths(row)},{_utc_text(row[10])},{row[11]},{row[1]}\r\n")

    def xlsx(self, row):
        """One sheet row: numbers as numbers, times as datetimes (UTC)."""
        seconds = self._seconds(row)
        return (self._tehran(row[0]), _moment(row[0]), self.services.get(row[2], ""), self.keys.get(row[3], ""),
                row[4], row[5], self.statuses.get(row[6], row[6]), self.reasons.get(row[7], row[7]), row[8],
                None if seconds is None else round(seconds, 1), _moment(row[10]), row[11], row[1])


def batches(criteria, size=None):
    """The criteria's calls as raw rows (SELECTED, tuples as the driver reads them), newest first,
    `size` at a time. Closing the generator early (a client that went away) closes the cursor and
    so stops the query.

    The rows are read from the driver's cursor, not through SQLAlchemy's result: its Row objects
    cost about as much as the fetch itself (a million calls on SQLite: 9.5 s against 5.4 s), and
    SELECTED needs no result processing. On PostgreSQL the cursor is a server-side (named) one; on
    SQLite the statement runs in autocommit mode, a read that takes no write lock."""
    statement = newest_first(criteria, SELECTED)
    if statement is None:
        return
    size = size or BATCH
    with read_connection() as connection:
        sql, parameters = _driver_statement(statement, connection.dialect)
        driver = connection.connection.dbapi_connection
        postgresql = connection.dialect.name == "postgresql"
        cursor = driver.cursor(name="flashcall_export") if postgresql else driver.cursor()
        try:
            cursor.execute(sql, parameters)
            while rows := cursor.fetchmany(size):
                yield rows
        finally:
            cursor.close()


def _driver_statement(statement, dialect):
    """(SQL, parameters) of `statement` in the driver's own form, the parameters converted as
    SQLAlchemy would convert them (a time is text on SQLite)."""
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params()
    for name, bind in compiled.binds.items():
        if name in values:
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                values[name] = processor(values[name])
    if compiled.positiontup is not None:
        return compiled.string, tuple(values[name] for name in compiled.positiontup)
    return compiled.string, values


def csv_chunks(criteria, cells, header, size=None):
    """The CSV file: BOM and header first, before any row is read, then a chunk per batch read.
    PostgreSQL writes the rows itself (copy_csv); elsewhere Cells.csv does."""
    yield (BOM + ",".join(_csv_field(str(name)) for name in header) + "\r\n").encode()
    written, done = 0, False
    try:
        for chunk, rows in _csv_rows(criteria, cells, size or BATCH):
            written += rows
            yield chunk
        done = True
    finally:
        if not done:
            log.info("CSV export stopped by the client after %d rows", written)


def _csv_rows(criteria, cells, size):
    """(CSV bytes, row count) per `size` rows."""
    with read_connection() as connection:
        if connection.dialect.name != "postgresql":
            for batch in batches(criteria, size):
                yield "".join(map(cells.csv, batch)).encode(), len(batch)
            return
        statement = copy_csv.statement(connection, criteria, cells)
        if statement is None:
            return
        sql, parameters = _driver_statement(statement, connection.dialect)
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", parameters) as copy:
                pending, count = [], 0
                for row in copy:  # one CSV line per row, ending in LF
                    pending.append(row)
                    count += 1
                    if count == size:
                        yield b"".join(pending).replace(b"\n", b"\r\n"), count
                        pending, count = [], 0
                if pending:
                    yield b"".join(pending).replace(b"\n", b"\r\n"), count
        finally:
            cursor.close()


def write_xlsx(criteria, cells, header, path, sheet_name, right_to_left=True, sheet_rows=None):
    """Write the XLSX file at `path` (a pathlib.Path) with xlsxwriter in constant memory; returns the row count.
    Past `sheet_rows` (Excel's limit) the rows go on in a new sheet."""
    workbook = xlsxwriter.Workbook(path, {
        "constant_memory": True, "tmpdir": str(path.parent),
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    sheet_rows = sheet_rows or EXCEL_ROWS
    bold = workbook.add_format({"bold": True})
    time = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    header = [str(name) for name in header]
    sheet, row, count = None, sheet_rows, 0
    try:
        for batch in batches(criteria):
            for raw in batch:
                if row >= sheet_rows:
                    _close_sheet(sheet, row, len(header))
                    sheet = _new_sheet(workbook, f"{sheet_name} {len(workbook.worksheets()) + 1}", header,
                                       bold, time, right_to_left)
                    row = 1
                sheet.write_row(row, 0, cells.xlsx(raw))
                row += 1
            count += len(batch)
        if sheet is None:
            sheet, row = _new_sheet(workbook, f"{sheet_name} 1", header, bold, time, right_to_left), 1
        _close_sheet(sheet, row, len(header))
    finally:
        workbook.close()
    return count


def _new_sheet(workbook, name, header, bold, time, right_to_left):
    sheet = workbook.add_worksheet(name)
    if right_to_left:
        sheet.right_to_left()
    for column, width in enumerate(WIDTHS):
        sheet.set_column(column, column, width, time if column in TIME_COLUMNS else None)
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, header, bold)
    return sheet


def _close_sheet(sheet, rows, columns):
    if sheet is not None:
        sheet.autofilter(0, 0, rows - 1, columns - 1)
