"""The guide's call-list examples (curl, Python, PHP), copied from the page and run against a live server."""
from datetime import timedelta

import pytest

from flashcall.clock import utcnow
from tests.reports.data import Calls

from .test_examples import LANGUAGES, _ok, _run


@pytest.mark.parametrize("language", LANGUAGES)
def test_list_examples_page_through_the_filtered_calls(make, guide_examples, tmp_path, language):
    service = make.service()
    _key, token = make.key(service)
    now, calls = utcnow(), Calls()
    verified = [calls.add(service, None, "verified", now - timedelta(minutes=n)).id for n in range(250)]
    calls.add(service, None, "failed", now, reason="busy")
    calls.add(service, None, "verified", now - timedelta(days=3))  # before FROM
    if language == "php":
        (tmp_path / "flashcall.php").write_text(guide_examples["php-client"])
    source = guide_examples[f"{language}-list"]
    output = _ok(_run(language, source, tmp_path, FLASHCALL_KEY=token,
                      FROM=(now - timedelta(days=1)).isoformat(timespec="seconds") + "Z"))
    listed = [word for word in output.split() if len(word) == 36]
    if language == "curl":  # one page of the JSON answer
        assert all(call_id in output for call_id in verified[:50])
    else:  # every page
        assert listed == verified
