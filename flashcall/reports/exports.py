"""CSV and XLSX exports of the calls a Criteria names, newest first. Rows come from the database
in batches on a connection of their own (a server-side cursor on PostgreSQL; no write lock on
SQLite), so memory stays flat whatever the count; what repeats (a day's Jalali date, a status's
words, a service's name) is worked out once."""
import csv
import io
import logging
from datetime import datetime, timezone

import xlsxwriter
from persiantools.jdatetime import JalaliDate
from sqlalchemy import String, type_coerce

from ..clock import TEHRAN, iso
from ..db import reading
from ..models import Call
from ..translation import lazy as _l
from .queries import newest_first

log = logging.getLogger("flashcall.reports")

BATCH = 2000
CHUNK = 64 * 1024
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


def _plain(text):
    """A name a spreadsheet will not read as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _moment(value):
    return value if value is None or isinstance(value, datetime) else datetime.fromisoformat(value)


class Cells:
    """Export cells of raw call rows, in the words of the page's language.

    `words` holds what the face has already translated: status and reason names (dicts), and the
    label of calls placed without a key ('no_key')."""

    def __init__(self, scope, statuses, reasons, no_key):
        self.services = {sid: _plain(name) for sid, name in scope.services.items()}
        self.keys = {kid: _plain(label) for kid, (_sid, label) in scope.keys.items()}
        self.keys[None] = no_key
        self.statuses, self.reasons = dict(statuses), dict(reasons)
        self._offsets, self._days = {}, {}

    def _tehran(self, utc):
        half_hour = (utc.year, utc.month, utc.day, utc.hour, utc.minute >= 30)
        offset = self._offsets.get(half_hour)
        if offset is None:  # Tehran's offset changes only on the half hour
            offset = self._offsets[half_hour] = utc.replace(tzinfo=timezone.utc).astimezone(TEHRAN).utcoffset()
        local = utc + offset
        day = self._days.get(local.date())
        if day is None:
            day = self._days[local.date()] = JalaliDate(local.date()).strftime("%Y/%m/%d")
        return f"{day} {local.hour:02d}:{local.minute:02d}:{local.second:02d}"

    def _common(self, row):
        created = _moment(row[0])
        ringing = _moment(row[9])
        seconds = round((ringing - created).total_seconds(), 1) if ringing else None
        return created, (self.services.get(row[2], ""), self.keys.get(row[3], ""), row[4], row[5],
                         self.statuses.get(row[6], row[6]), self.reasons.get(row[7], row[7] or ""), row[8]), seconds

    def csv(self, row):
        created, middle, seconds = self._common(row)
        verified = _moment(row[10])
        return (self._tehran(created), iso(created), *middle, "" if seconds is None else seconds,
                iso(verified) or "", row[11], row[1])

    def xlsx(self, row):
        created, middle, seconds = self._common(row)
        return (self._tehran(created), created, *middle, seconds, _moment(row[10]), row[11], row[1])


def batches(criteria, size=None):
    """The criteria's calls as raw rows (SELECTED), newest first, `size` at a time. Closing the
    generator early (a client that went away) closes the cursor and so stops the query."""
    statement = newest_first(criteria, SELECTED)
    if statement is None:
        return
    size = size or BATCH
    with reading() as connection:
        result = connection.execution_options(stream_results=True, max_row_buffer=size).execute(statement)
        try:
            yield from result.partitions(size)
        finally:
            result.close()


def csv_chunks(criteria, cells, header, size=None):
    """The CSV file in chunks of about 64 KB: BOM and header first, before any row is read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(name) for name in header])
    yield (BOM + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    written, done = 0, False
    try:
        for batch in batches(criteria, size):
            writer.writerows(map(cells.csv, batch))
            written += len(batch)
            if buffer.tell() >= CHUNK:  # a chunk at a time: the client sees rows as they are read
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        if buffer.tell():
            yield buffer.getvalue().encode()
        done = True
    finally:
        if not done:
            log.info("CSV export stopped by the client after %d rows", written)


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
