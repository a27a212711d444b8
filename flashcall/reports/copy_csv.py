"""The CSV export on PostgreSQL, formatted by the database: `COPY (…) TO STDOUT (FORMAT csv)` writes
each row as CSV text, so Python only passes the bytes on. The columns are those of exports.Cells.csv,
in the same words: the Jalali date is picked from an array of the export's days (made here, once),
the times are cut to milliseconds as clock.iso writes them, and the seconds to deliver are rounded
half up to a tenth as exports.tenths does."""
from datetime import timedelta

from persiantools.jdatetime import JalaliDate
from sqlalchemy import literal_column

from ..clock import tehran_date
from ..models import Call
from .queries import newest_first

LOCAL = "(call.created_at AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Tehran')"
ISO = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"


def _text(value):
    """A PostgreSQL string literal (standard_conforming_strings, on since 9.1)."""
    return "'" + str(value).replace("'", "''") + "'"


def _words(column, words, otherwise):
    """CASE mapping the column's codes to the export's words (`otherwise` for any other)."""
    if not words:
        return otherwise
    branches = " ".join(f"WHEN {_text(code) if isinstance(code, str) else int(code)} THEN {_text(word)}"
                        for code, word in words.items() if code is not None)
    fallback = f" ELSE {otherwise}" if otherwise != "NULL" else ""
    return f"CASE {column} {branches}{fallback} END" if branches else otherwise


def _days(connection, criteria):
    """(first local day, [Jalali text of each day up to the last]) covering every call the criteria
    name; (None, []) when there is none."""
    oldest = newest_first(criteria, [Call.created_at, Call.id], newer=True, limit=1)  # index walks, one row each
    newest = newest_first(criteria, [Call.created_at, Call.id], limit=1)
    first, last = (connection.execute(oldest).first() or (None,))[0], (connection.execute(newest).first() or (None,))[0]
    if first is None:
        return None, []
    first, last = tehran_date(first), tehran_date(last)
    return first, [JalaliDate(first + timedelta(days=n)).strftime("%Y/%m/%d") for n in range((last - first).days + 1)]


def columns(cells, first_day, day_texts):
    """The 13 CSV columns as SQL over the `call` table, in Cells.csv's order."""
    services, keys, statuses, reasons = cells.services, cells.keys, cells.statuses, cells.reasons
    no_key = _text(keys[None])
    days = "ARRAY[" + ",".join(_text(day) for day in day_texts) + "]::text[]"
    jalali = (f"({days})[({LOCAL})::date - DATE {_text(first_day.isoformat())} + 1]"
              f" || ' ' || to_char({LOCAL}, 'HH24:MI:SS')")
    tenths = "round(extract(epoch FROM call.ringing_at - call.created_at), 1)"
    sql = (
        jalali,
        f"to_char(call.created_at, {ISO})",
        _words("call.service_id", services, "NULL"),
        f"CASE WHEN call.key_id IS NULL THEN {no_key} ELSE {_words('call.key_id', keys, 'NULL')} END",
        "call.phone",
        "call.caller_number",
        _words("call.status", statuses, "call.status"),
        _words("call.failure_reason", reasons, "call.failure_reason"),
        "call.attempts",
        f"to_char({tenths}, 'FM9999999990.0')",
        f"to_char(call.verified_at, {ISO})",
        "call.cost",
        "call.id",
    )
    return [literal_column(text).label(f"c{n}") for n, text in enumerate(sql)]


def statement(connection, criteria, cells):
    """The COPY statement's SELECT (SQLAlchemy), or None when the criteria name no service."""
    if not criteria.service_ids and criteria.key_id is None:
        return None
    first_day, day_texts = _days(connection, criteria)
    if first_day is None:  # no call at all
        return None
    shown = columns(cells, first_day, day_texts)
    return newest_first(criteria, shown + [Call.created_at, Call.id], shown=[c.name for c in shown])
