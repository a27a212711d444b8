"""The per-number limits at their edges: the interval to the microsecond, the Tehran day's start, and the
retry_after each refusal promises."""
from datetime import datetime, timedelta

import pytest

from flashcall.clock import tehran_day_start
from flashcall.verification import VerificationError, start_call

from .conftest import PHONE, T0


def _refused(service, at, phone=PHONE):
    with pytest.raises(VerificationError) as err:
        start_call(service, phone, now=at)
    return err.value


def test_the_interval_ends_exactly_on_time(service):
    start_call(service, PHONE, now=T0)
    just_before = T0 + timedelta(seconds=120) - timedelta(microseconds=1)
    err = _refused(service, just_before)
    assert (err.code, err.fields, err.http_status) == ("interval_limit", {"retry_after": 1}, 429)
    assert start_call(service, PHONE, now=T0 + timedelta(seconds=120)).status == "queued"


@pytest.mark.parametrize("after, retry_after", [(0, 120), (1, 119), (59.1, 61), (119, 1), (119.9, 1)])
def test_retry_after_rounds_the_wait_up_to_whole_seconds(service, after, retry_after):
    start_call(service, PHONE, now=T0)
    assert _refused(service, T0 + timedelta(seconds=after)).fields["retry_after"] == retry_after


def test_the_interval_counts_from_the_latest_call(ctx, make):
    service = make.service(min_interval_seconds=60, daily_limit=10)
    start_call(service, PHONE, now=T0)
    start_call(service, PHONE, now=T0 + timedelta(seconds=90))
    assert _refused(service, T0 + timedelta(seconds=100)).fields["retry_after"] == 50


def test_no_interval_when_it_is_zero(ctx, make):
    service = make.service(min_interval_seconds=0, daily_limit=10)
    start_call(service, PHONE, now=T0)
    assert start_call(service, PHONE, now=T0).status == "queued"


def test_the_daily_limit_allows_exactly_that_many(ctx, make):
    service = make.service(min_interval_seconds=0, daily_limit=3)
    for second in range(3):
        start_call(service, PHONE, now=T0 + timedelta(seconds=second))
    err = _refused(service, T0 + timedelta(seconds=3))
    assert err.code == "daily_limit" and err.http_status == 429
    assert start_call(service, "+989121234568", now=T0).status == "queued"  # per number


def test_the_day_starts_at_tehran_midnight(ctx, make):
    service = make.service(min_interval_seconds=0, daily_limit=1)
    midnight = tehran_day_start(T0)
    assert midnight == datetime(2024, 4, 30, 20, 30)  # 00:00 in Tehran (+03:30) is 20:30 UTC the day before
    start_call(service, PHONE, now=midnight - timedelta(microseconds=1))  # the evening before
    assert start_call(service, PHONE, now=midnight).status == "queued"  # a new day
    err = _refused(service, midnight + timedelta(hours=23, minutes=59, seconds=59))
    assert err.code == "daily_limit" and err.fields["retry_after"] == 1


def test_the_daily_limit_outranks_the_interval_only_when_both_hold(ctx, make):
    service = make.service(min_interval_seconds=300, daily_limit=1)
    start_call(service, PHONE, now=T0)
    assert _refused(service, T0 + timedelta(seconds=10)).code == "interval_limit"  # checked first
    assert _refused(service, T0 + timedelta(minutes=6)).code == "daily_limit"


def test_limits_belong_to_one_service(ctx, make):
    first = make.service(min_interval_seconds=120, daily_limit=1)
    second = make.service(first.account, min_interval_seconds=120, daily_limit=1)
    start_call(first, PHONE, now=T0)
    assert start_call(second, PHONE, now=T0).status == "queued"
