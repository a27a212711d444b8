"""Engine fixtures: an app context for direct calls, a service, and a frozen clock."""
from datetime import datetime

import pytest

from flashcall.db import db
from flashcall.telephony.drivers import simulator

T0 = datetime(2024, 5, 1, 8, 0, 0)  # 11:30 in Tehran
PHONE = "+989121234567"


@pytest.fixture
def ctx(app):
    """A request context so localised messages render (Persian by default), no HTTP involved."""
    with app.test_request_context("/api/v1/engine-test"):
        yield
        db.session.rollback()
    simulator.reset()


@pytest.fixture
def service(ctx, make):
    return make.service(min_interval_seconds=120, daily_limit=10, max_attempts=3, code_lifetime_minutes=2)
