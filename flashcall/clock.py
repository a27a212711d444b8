"""The one source of 'now': naive UTC datetimes, as stored in the database."""
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

TEHRAN = ZoneInfo("Asia/Tehran")


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def tehran_date(moment):
    """The calendar day in Asia/Tehran that `moment` (naive UTC) falls in."""
    return moment.replace(tzinfo=timezone.utc).astimezone(TEHRAN).date()


def tehran_midnight(day):
    """Midnight in Asia/Tehran at the start of `day`, as naive UTC."""
    start = datetime.combine(day, time(), tzinfo=TEHRAN)
    return start.astimezone(timezone.utc).replace(tzinfo=None)


def tehran_day_start(now=None):
    """Midnight in Asia/Tehran of the day `now` (naive UTC) falls in, as naive UTC."""
    return tehran_midnight(tehran_date(now or utcnow()))


def iso(moment):
    """Naive UTC datetime → ISO-8601 in milliseconds with Z, as every JSON answer and webhook
    shows times (None stays None)."""
    return moment.isoformat(timespec="milliseconds") + "Z" if moment else None
