"""The guide's examples, copied from the page and run against a live server: curl, Python and PHP."""
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import requests

from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import Call, WebhookDelivery
from tests.worker import deliver_due, run_once, webhook_secret
from flashcall.webhooks import outbox, signing
from tests.virtual_phone import typed_code
from tests.waiting import eventually

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PHP = shutil.which("php")
# A missing PHP skips by hand but fails in CI (FLASHCALL_REQUIRE_ALL=1): the PHP examples must run there.
NO_PHP = pytest.mark.skipif(not PHP and os.environ.get("FLASHCALL_REQUIRE_ALL") != "1",
                            reason="php is not installed (apt-get install php-cli php-curl)")
LANGUAGES = ["curl", "python", pytest.param("php", marks=NO_PHP)]


def _run(language, source, workdir, **env):
    """Run one example as a reader would; returns the completed process."""
    env = {**os.environ, **env}
    if language == "curl":
        command = ["bash", "-c", source]
    elif language == "python":
        command = [sys.executable, "-c", source]
    else:
        (workdir / "step.php").write_text(source)
        assert PHP, "php is not installed: apt-get install php-cli php-curl"
        command = [PHP, "step.php"]
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=30)


def _ok(process):
    assert process.returncode == 0, process.stdout + process.stderr
    return process.stdout


def _call(call_id):
    """Read a call and the code its phone shows, then end the transaction so the live server is not kept
    waiting on SQLite."""
    db.session.expire_all()
    call = db.session.get(Call, call_id)
    values = {"status": call.status, "code": typed_code(call.phone, call.code_length)}
    db.session.commit()
    return values


@pytest.mark.parametrize("language", LANGUAGES)
def test_call_status_retry_verify_flow(make, guide_examples, tmp_path, language):
    service = make.service(min_interval_seconds=0)
    _, token = make.key(service)
    if language == "php":
        (tmp_path / "flashcall.php").write_text(guide_examples["php-client"])
    run = lambda step, **env: _run(language, guide_examples[f"{language}-{step}"], tmp_path,  # noqa: E731
                                   FLASHCALL_KEY=token, PHONE="09121234567", **env)

    first = UUID.search(_ok(run("call"))).group()
    run_once()
    db.session.commit()
    assert "delivered" in _ok(run("status", CALL_ID=first))

    db.session.get(Call, first).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert run("verify", CALL_ID=first, CODE=_call(first)["code"]).returncode != 0  # expired: the example fails

    second = UUID.search(_ok(run("retry", CALL_ID=first))).group()
    assert second != first
    run_once()
    db.session.commit()
    code = _call(second)["code"]
    wrong = str((int(code) + 1) % 10 ** len(code)).zfill(len(code))
    assert run("verify", CALL_ID=second, CODE=wrong).returncode != 0
    assert "verified" in _ok(run("verify", CALL_ID=second, CODE=code))
    assert _call(second)["status"] == "verified"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_receiver(language, source, workdir, port, secret):
    env = {**os.environ, "FLASHCALL_WEBHOOK_SECRET": secret, "PORT": str(port)}
    if language == "python":
        command = [sys.executable, "-c", source]
    else:
        (workdir / "webhook.php").write_text(source)
        assert PHP, "php is not installed: apt-get install php-cli php-curl"
        command = [PHP, "-S", f"127.0.0.1:{port}", "webhook.php"]
    process = subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        eventually(lambda: socket.create_connection(("127.0.0.1", port), timeout=0.1).close() or True,
                   timeout=30, ignoring=OSError, message="the receiver starting")
    except AssertionError:
        process.kill()
        raise
    return process


@pytest.mark.parametrize("language", ["python", pytest.param(
    "php", marks=NO_PHP)])
def test_webhook_receiver_accepts_our_events_and_refuses_forgeries(make, guide_examples, tmp_path, language):
    port = _free_port()
    service = make.service(webhook_url=f"http://127.0.0.1:{port}/flashcall")
    receiver = _start_receiver(language, guide_examples[f"{language}-webhook"], tmp_path, port, webhook_secret(service))
    try:
        call = Call(service_id=service.id, phone="+989121234567", caller_number="+982191000123", code_length=4,
                    status="verified", expires_at=utcnow() + timedelta(minutes=2))
        db.session.add(call)
        db.session.flush()
        delivery = outbox.enqueue(call, "verified")
        db.session.commit()
        assert deliver_due(allow_private=True) == 1
        assert db.session.get(WebhookDelivery, delivery.id).status == "delivered"

        body = delivery.payload
        now = str(int(time.time()))
        forged = {signing.TIMESTAMP_HEADER: now, signing.SIGNATURE_HEADER: signing.sign("whsec_guess", now, body)}
        assert requests.post(service.webhook_url, data=body, headers=forged, timeout=5).status_code == 401
        old = str(int(time.time()) - 3600)
        replayed = {signing.TIMESTAMP_HEADER: old,
                    signing.SIGNATURE_HEADER: signing.sign(webhook_secret(service), old, body)}
        assert requests.post(service.webhook_url, data=body, headers=replayed, timeout=5).status_code == 401
    finally:
        receiver.kill()
        receiver.wait()
