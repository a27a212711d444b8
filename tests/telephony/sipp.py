"""Debian's sip-tester (sipp) as the far end of many calls: it rings and waits for our CANCEL
(over UDP, or over TCP: one connection, `-t t1`)."""
import socket
import subprocess
import tempfile
from pathlib import Path

from .baresip import free_port, require

SCENARIOS = Path(__file__).parent / "sipp"


class Sipp:
    def __init__(self, calls, timeout=180, transport="udp"):
        self.binary = require("sipp", "sip-tester")
        self.port = free_port(socket.SOCK_STREAM if transport == "tcp" else socket.SOCK_DGRAM)
        self.dir = Path(tempfile.mkdtemp(prefix="sipp-"))
        self.calls = calls
        self.messages = self.dir / "messages.log"  # every message sipp sent and received
        self.process = subprocess.Popen(
            [self.binary, "-sf", str(SCENARIOS / "ring_until_cancel.xml"), "-i", "127.0.0.1", "-p", str(self.port),
             "-t", "t1" if transport == "tcp" else "u1", "-m", str(calls), "-nostdin",
             "-timeout", f"{timeout}s", "-timeout_error", "-max_recv_loops", "100000",
             "-trace_err", "-error_file", str(self.dir / "errors.log"),
             "-trace_msg", "-message_file", str(self.messages)],
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

    def received(self, method):
        """The requests of that method sipp received, as text."""
        log = self.messages.read_text(errors="replace") if self.messages.exists() else ""
        found = []
        for part in log.split("----------------------------------------------- ")[1:]:
            stamp_and_kind, _, message = part.partition("\n\n")
            if "message received" in stamp_and_kind and message.startswith(method + " "):
                found.append(message)
        return found

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
