"""The CSV export on PostgreSQL, formatted by the database: `COPY (…) TO STDOUT (FORMAT csv)` writes
each row as CSV text, so Python only passes the bytes on. The columns are those of exports.Cells.csv,
in the same words: the Jalali date is picked from an array of the export's days (made here, once),
the times are cut to milliseconds as clock.iso writes them, and the seconds to deliver are rounded
half up to a tenth as Cells._tenths does."""
from datetime import timedelta

from persiantools.jdatetime import JalaliDate
from sqlalchemy import literal_column, select

from ..clock import tehran_date
from ..models import Call
from .queries import newest_first

LOCAL = "(c.created_at AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Tehran')"
RAW = (Call.created_at, Call.id, Call.service_id, Call.key_id, Call.phone, Call.caller_number, Call.status,
       Call.failure_reason, Call.attempts, Call.ringing_at, Call.verified_at, Call.cost)
ISO = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"


def _text(value):
    """A PostgreSQL string literal (standard_conforming_strings, on since 9.1)."""
    return "'" + str(value).replace("'", "''") + "'"


def _words(column, words, otherwise):
    """CASE mapping the column's codes to the export's words (`otherwise` for any other)."""
    branches = " ".join(f"WHEN {_text(code) if isinstance(code, str) else int(code)} THEN {_text(word)}"
                        for code, word in words.items() if code is not None)
    fallback = f" ELSE {otherwise}" if otherwise != "NULL" else ""
    return f"CASE {column} {branches}{fallback} END" if branches else otherwise


def _days(connection, criteria):
    """(first local day, [Jalali text of each day up to the last]) covering every call the criteria
    name; (None, []) when there is none (or they name no service)."""
    oldest = newest_first(criteria, [Call.created_at, Call.id], newer=True, limit=1)  # index walks, one row each
    first = connection.scalar(oldest) if oldest is not None else None
    if first is None:
        return None, []
    last = connection.scalar(newest_first(criteria, [Call.created_at, Call.id], limit=1))
    first, last = tehran_date(first), tehran_date(last)
    return first, [JalaliDate(first + timedelta(days=n)).strftime("%Y/%m/%d") for n in range((last - first).days + 1)]


def columns(cells, first_day, day_texts):
    """The 13 CSV columns as SQL over `c` (the calls' RAW columns), in Cells.csv's order."""
    services, keys, statuses, reasons = cells.services, cells.keys, cells.statuses, cells.reasons
    no_key = _text(keys[None])
    days = "ARRAY[" + ",".join(_text(day) for day in day_texts) + "]::text[]"
    jalali = (f"({days})[({LOCAL})::date - DATE {_text(first_day.isoformat())} + 1]"
              f" || ' ' || to_char({LOCAL}, 'HH24:MI:SS')")
    tenths = "round(extract(epoch FROM c.ringing_at - c.created_at), 1)"
    sql = (
        jalali,
        f"to_char(c.created_at, {ISO})",
        _words("c.service_id", services, "NULL"),
        f"CASE WHEN c.key_id IS NULL THEN {no_key} ELSE {_words('c.key_id', keys, 'NULL')} END",
        "c.phone",
        "c.caller_number",
        _words("c.status", statuses, "c.status"),
        _words("c.failure_reason", reasons, "c.failure_reason"),
        "c.attempts",
        f"to_char({tenths}, 'FM9999999990.0')",
        f"to_char(c.verified_at, {ISO})",
        "c.cost",
        "c.id",
    )
    return [literal_column(text).label(f"c{n}") for n, text in enumerate(sql)]


def statement(connection, criteria, cells):
    """The COPY statement's SELECT (SQLAlchemy), or None when the criteria name no call."""
    first_day, day_texts = _days(connection, criteria)
    if first_day is None:
        return None
    # The index walks read raw columns in order (a Merge Append of one walk per service); the cells
    # are made over them, so PostgreSQL streams the rows without sorting them.
    raw = newest_first(criteria, RAW).subquery("c")
    return select(*columns(cells, first_day, day_texts)).select_from(raw).order_by(
        raw.c.created_at.desc(), raw.c.id.desc())
