"""Debian's sip-tester (sipp) as the far end of many calls: it rings and waits for our CANCEL."""
import subprocess
import tempfile
from pathlib import Path

from .baresip import free_port, require

SCENARIOS = Path(__file__).parent / "sipp"


class Sipp:
    def __init__(self, calls, timeout=180):
        self.binary = require("sipp", "sip-tester")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="sipp-"))
        self.calls = calls
        self.process = subprocess.Popen(
            [self.binary, "-sf", str(SCENARIOS / "ring_until_cancel.xml"), "-i", "127.0.0.1", "-p", str(self.port), "-t", "u1", "-m", str(calls), "-nostdin",
             "-timeout", f"{timeout}s", "-timeout_error", "-max_recv_loops", "100000",
             "-trace_err", "-error_file", str(self.dir / "errors.log")],
            cwd=self.dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)

    def wait(self, timeout):
        """sipp's exit code (0: every call went through the whole scenario) and its output."""
        try:
            out, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        errors = (self.dir / "errors.log")
        return self.process.returncode, out.decode(errors="replace")[-3000:] + (
            errors.read_text()[-2000:] if errors.exists() else "")

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
