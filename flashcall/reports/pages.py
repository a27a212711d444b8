"""Keyset pages of calls, newest first: a page reads its rows and one more (no OFFSET, no COUNT),
and links to the older and newer pages with signed cursors."""
from dataclasses import dataclass

from sqlalchemy import select

from ..db import db
from ..models import Call
from . import cursor as cursors
from .queries import newest_first

PAGE_SIZE = 50


@dataclass
class Page:
    calls: list
    older: str | None = None  # cursor of the next older page
    newer: str | None = None  # cursor of the next newer page


def page(criteria, secret, token=None, size=PAGE_SIZE):
    """The page of calls a cursor points at (the newest page without one); ReportError for a bad cursor."""
    if not token:
        return _read(criteria, secret, None, False, size)
    moment, call_id, direction = cursors.read(secret, token)
    newer = direction == cursors.NEWER
    result = _read(criteria, secret, (moment, call_id), newer, size)
    if newer and result.newer is None:
        return _read(criteria, secret, None, False, size)  # back at the top: a full first page
    return result


def _read(criteria, secret, position, newer, size):
    statement = newest_first(criteria, (Call.created_at, Call.id), position, newer, size + 1)
    keys = db.session.execute(statement).all() if statement is not None else []
    more = len(keys) > size
    keys = keys[:size]
    if newer:
        keys.reverse()
    calls = _load([call_id for _created, call_id in keys])
    result = Page(calls)
    # Walking older, `more` says there is an older page and a cursor that there is a newer one;
    # walking newer, the other way round.
    has_older, has_newer = (position is not None, more) if newer else (more, position is not None)
    if keys:
        if has_older:
            result.older = cursors.sign(secret, *keys[-1], cursors.OLDER)
        if has_newer:
            result.newer = cursors.sign(secret, *keys[0], cursors.NEWER)
    elif has_newer:  # past the oldest call (e.g. one deleted since): the way back
        result.newer = cursors.sign(secret, position[0], position[1], cursors.NEWER)
    return result


def _load(ids):
    if not ids:
        return []
    found = {call.id: call for call in db.session.scalars(select(Call).where(Call.id.in_(ids)))}
    return [found[call_id] for call_id in ids if call_id in found]
