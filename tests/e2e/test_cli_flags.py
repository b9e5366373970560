"""One set of flags: every executable answers --version alike, prints its defaults as people write them, listens on
127.0.0.1 unless told otherwise, and the WSGI flags of `updraft` and `mixed` are one registration with one
validation."""
import os
import re
import subprocess

import pytest

from support import APPS_DIR, BIN_DIR, ServerProcess

EXECUTABLES = ["hello", "mixed", "updraft", "kv", "chat", "native_test_app"]


def run(name, *args):
    return subprocess.run([os.path.join(BIN_DIR, name), *args], capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("name", EXECUTABLES)
def test_every_executable_answers_version(name):
    result = run(name, "--version")
    assert result.returncode == 0 and result.stdout.strip() == "updraft 0.1.0", (result.stdout, result.stderr)


@pytest.mark.parametrize("name", ["hello", "mixed", "updraft"])
def test_defaults_are_printed_as_people_write_them(name):
    text = run(name, "--help").stdout
    assert not re.search(r"=\d+\.\d{6}\b", text), re.findall(r"\S+=\d+\.\d{6}", text)
    if name != "updraft":
        assert re.search(r"--header-timeout \S+=20\b", text)


def test_updraft_and_mixed_take_the_same_wsgi_flags():
    def wsgi_flags(name):
        text = run(name, "--help").stdout
        return {flag: line.split(None, 1)[-1] for flag in ("--threads", "--max-queue", "--timeout", "--queue-timeout",
                                                           "--dispatch", "--buffer-request-body", "--spool-dir")
                for line in text.splitlines() if re.match(rf"\s+(-\w,)?{flag}\b", line)}
    assert wsgi_flags("mixed") == wsgi_flags("updraft") and len(wsgi_flags("mixed")) == 7


@pytest.mark.parametrize("name", ["mixed", "updraft"])
def test_zero_threads_is_refused(name):
    result = run(name, "--threads", "0", "--chdir", APPS_DIR, "mixed_app:app")
    assert result.returncode != 0 and "--threads" in result.stderr, (result.returncode, result.stderr)


@pytest.mark.parametrize("name", ["mixed", "hello"])
def test_a_server_listens_on_loopback_unless_told(name):
    app = ["--chdir", APPS_DIR, "mixed_app:app"] if name == "mixed" else []
    server = ServerProcess([os.path.join(BIN_DIR, name), "--port", "0", *app])  # no --address
    try:
        assert server.listeners[0].startswith("http://127.0.0.1:"), server.listeners
    finally:
        assert server.stop() == 0
