"""`flask --app app purge --before DATE [--calls]`: remove old history in small batches."""
from datetime import date, datetime, time, timezone

import click
from persiantools.jdatetime import JalaliDate

from ..clock import TEHRAN
from ..digits import to_latin
from ..dispatch import retention


def _moment(text):
    """'2026-11-01' (Gregorian) or '1405/08/10' (Jalali): midnight in Tehran, as naive UTC."""
    text = to_latin(text).strip()
    try:
        if "/" in text:
            day = JalaliDate(*(int(part) for part in text.split("/"))).to_gregorian()
        else:
            day = date.fromisoformat(text)
    except (ValueError, TypeError):
        raise click.BadParameter(f"{text!r} is not a date: use YYYY-MM-DD or a Jalali YYYY/MM/DD") from None
    return datetime.combine(day, time(), tzinfo=TEHRAN).astimezone(timezone.utc).replace(tzinfo=None)


@click.command("purge")
@click.option("--before", "before", required=True, help="YYYY-MM-DD, or a Jalali YYYY/MM/DD (midnight, Tehran).")
@click.option("--calls", is_flag=True, help="Also remove ended calls created before the date, with their events.")
def purge_command(before, calls):
    """Delete history older than a date; prints what was removed."""
    counts = retention.purge_before(_moment(before), calls=calls)
    for name, count in counts.items():
        click.echo(f"{name}\t{count}")


COMMANDS = (purge_command,)
