"""The one source of 'now': naive UTC datetimes, as stored in the database."""
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

TEHRAN = ZoneInfo("Asia/Tehran")


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def tehran_day_start(now=None):
    """Midnight in Asia/Tehran of the day `now` (naive UTC) falls in, as naive UTC."""
    now = now or utcnow()
    local_day = now.replace(tzinfo=timezone.utc).astimezone(TEHRAN).date()
    start = datetime.combine(local_day, time(), tzinfo=TEHRAN)
    return start.astimezone(timezone.utc).replace(tzinfo=None)


def iso(moment):
    """Naive UTC datetime → ISO-8601 in milliseconds with Z, as every JSON answer and webhook
    shows times (None stays None)."""
    return moment.isoformat(timespec="milliseconds") + "Z" if moment else None
