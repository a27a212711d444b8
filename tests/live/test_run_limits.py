"""`make run`'s request limits are the configured ones: one gunicorn process with threads counts
each limit once, and more processes are refused without a shared store."""
import os
import subprocess
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from .stack import ROOT


def test_make_run_serves_one_process_with_threads_and_the_limit_holds_exactly(stack_factory):
    stack = stack_factory(workers=1, threads=4, env={"FLASHCALL_API_RATE_LIMIT_PER_IP": "5/minute"})
    barrier = threading.Barrier(20)

    def one(_):
        barrier.wait()
        return requests.get(stack.base_url + "/api/v1/balance", headers={"Authorization": "Bearer fc_x.y"},
                            timeout=30).status_code
    with ThreadPoolExecutor(20) as pool:
        statuses = Counter(pool.map(one, range(20)))
    assert statuses == {401: 5, 429: 15}, statuses


def _check(**env):
    make_vars = [f"{k}={v}" for k, v in env.items() if k == "WORKERS"]
    environment = {k: v for k, v in os.environ.items() if k != "RATELIMIT_STORAGE_URI"}
    environment.update({k: v for k, v in env.items() if k != "WORKERS"})
    return subprocess.run(["make", "-s", "check-limits", *make_vars], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


def test_make_run_refuses_several_processes_with_per_process_counters():
    assert _check().returncode == 0
    refused = _check(WORKERS="4")
    assert refused.returncode != 0 and "RATELIMIT_STORAGE_URI" in refused.stderr
    assert _check(WORKERS="4", RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379").returncode == 0
    assert "--workers $(WORKERS) --threads $(THREADS)" in (ROOT / "Makefile").read_text()
