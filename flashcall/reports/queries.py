"""The calls a Criteria names, as the statements every report shares.

Calls are read per service (or per key), each part walking its own index newest first, and the
parts merged (a MERGE of the UNION ALL on SQLite, a Merge Append on PostgreSQL): so every
combination of filters is served by an index of the migration `report indexes`, the first page
reads about one page of rows whatever the account's size, and an export streams without a sort.
"""
from sqlalchemy import literal, select, tuple_, union_all

from ..models import Call


def _after(prefix):
    """The smallest text greater than every text starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def phone_conditions(criteria, counting=False):
    if criteria.phone is None:
        return []
    # Few numbers: the (service, phone) index finds them. So it does when counting every call of a
    # broad prefix over all time (no order to walk, and the index reads only the prefix's calls).
    if criteria.narrow_phone or (counting and criteria.start is None and criteria.end is None):
        return [Call.phone >= criteria.phone, Call.phone < _after(criteria.phone)]
    # Many numbers: LIKE is not searchable by that index, so the walk newest first (or the dates'
    # range, when counting) filters instead.
    return [Call.phone.like(criteria.phone + "%")]


def common_conditions(criteria, counting=False):
    """Every condition but the service or key."""
    conditions = phone_conditions(criteria, counting)
    if criteria.status:
        conditions.append(Call.status == criteria.status)
    if criteria.start:
        conditions.append(Call.created_at >= criteria.start)
    if criteria.end:
        conditions.append(Call.created_at < criteria.end)
    return conditions


def parts(criteria):
    """One list of conditions per index walk: the key's, or each service's."""
    common = common_conditions(criteria)
    if criteria.key_id is not None:
        return [[Call.key_id == criteria.key_id, *common]]
    return [[Call.service_id == service_id, *common] for service_id in criteria.service_ids]


def newest_first(criteria, columns, position=None, newer=False, limit=None):
    """SELECT of `columns` (which must include Call.created_at and Call.id) of the criteria's calls,
    newest first (oldest first with newer=True), strictly beyond `position` (created_at, id); None
    when the criteria name no service."""
    keyset = tuple_(Call.created_at, Call.id)
    statements = []
    for conditions in parts(criteria):
        statement = select(*columns).where(*conditions)
        if position is not None:
            bound = tuple_(literal(position[0], Call.created_at.type), literal(position[1], Call.id.type))
            statement = statement.where(keyset > bound if newer else keyset < bound)
        statements.append(statement.order_by(*_order(Call.created_at, Call.id, newer)))
    if not statements:
        return None
    if len(statements) == 1:
        merged = statements[0]
    else:
        union = union_all(*(select(s.subquery()) for s in statements)).subquery()
        merged = select(union).order_by(*_order(union.c.created_at, union.c.id, newer))
    return merged.limit(limit) if limit else merged


def _order(created_at, call_id, newer):
    return (created_at.asc(), call_id.asc()) if newer else (created_at.desc(), call_id.desc())


def where_any(criteria):
    """The criteria as one WHERE (service IN …), for aggregates that need no order."""
    if criteria.key_id is not None:
        return [Call.key_id == criteria.key_id, *common_conditions(criteria, counting=True)]
    return [Call.service_id.in_(criteria.service_ids), *common_conditions(criteria, counting=True)]
