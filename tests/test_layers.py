"""The layers hold at run time too: importing a domain package loads no face, blueprint or web-only
extension (import-linter checks the static imports in `make test`)."""
import json
import subprocess
import sys

import pytest

DOMAIN = ["flashcall", "flashcall.models", "flashcall.accounts", "flashcall.verification",
          "flashcall.billing", "flashcall.telephony", "flashcall.telephony.drivers", "flashcall.webhooks",
          "flashcall.dispatch", "flashcall.worker", "flashcall.settings", "flashcall.db",
          "flashcall.reports.pages", "flashcall.reports.summary", "flashcall.reports.exports",
          "flashcall.reports.overview"]
FACES = ("flashcall.web", "flashcall.api", "flashcall.compat", "flashcall.cli", "flashcall.http",
         "flashcall.factory", "flashcall.extensions")
WEB_ONLY = ("flask_login", "flask_wtf", "flask_htmx", "flask_limiter")

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def _loaded_by(module):
    done = subprocess.run([sys.executable, "-c", PROBE, module], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_package_loads_no_face(module):
    loaded = _loaded_by(module)
    faces = [m for m in loaded if m in FACES or m.startswith(tuple(f + "." for f in FACES))]
    web_only = [m for m in loaded if m.split(".")[0] in WEB_ONLY]
    assert faces == [] and web_only == []


def test_the_package_alone_loads_no_app_factory():
    loaded = _loaded_by("flashcall")
    assert [m for m in loaded if m.startswith("flashcall")] == ["flashcall"]
    assert "flask" not in loaded
