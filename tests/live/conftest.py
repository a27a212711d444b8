"""Fixtures that run Flashcall as real processes (gunicorn with 2 workers, dispatchers)."""
import os

import pytest

from .stack import Stack


@pytest.fixture
def stack_factory():
    """Start stacks on the suite's database kind (PostgreSQL when TEST_DATABASE_URL is set)."""
    stacks = []

    def start(**kwargs):
        stack = Stack(pg_url=os.environ.get("TEST_DATABASE_URL"), **kwargs).start()
        stacks.append(stack)
        return stack
    yield start
    for stack in stacks:
        stack.stop()
