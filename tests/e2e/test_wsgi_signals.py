"""gunicorn's signals to the master (TERM/QUIT graceful, INT quick, USR1 reopens logs, TTIN/TTOU, HUP reloads the code
with no failed request), --max-requests recycling with the replacement started first, and --reload."""
import os
import signal
import socket
import threading
import time

import pytest

from support import SLACK, ResponseReader, metrics, start_updraft
from test_wsgi_prefork import alive, children, wait_children

APP = """import os, time
VERSION = {version!r}
def app(environ, start_response):
    if environ["PATH_INFO"] == "/sleep":
        time.sleep(float(environ["QUERY_STRING"] or 1))
    body = f"{{VERSION}} {{os.getpid()}}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


def write_app(directory, version, broken=False):
    source = APP.format(version=version) + ("raise RuntimeError('broken on purpose')\n" if broken else "")
    path = directory / "sig_app.py"
    path.write_text(source)
    stamp = time.time() + 1  # a distinct mtime even within the filesystem's granularity
    os.utime(path, (stamp, stamp))
    for cached in (directory / "__pycache__").glob("sig_app*"):
        cached.unlink()


def start(tmp_path, *flags, version="v1"):
    """updraft serving sig_app from tmp_path; with a master, returns once its first workers have loaded the app."""
    write_app(tmp_path, version)
    server = start_updraft("sig_app:app", "--graceful-timeout", "5", *flags, chdir=str(tmp_path), pythonpath=None)
    workers = int(flags[flags.index("-w") + 1]) if "-w" in flags else 1
    log_file = flags[flags.index("--error-logfile") + 1] if "--error-logfile" in flags else None
    error_log = (lambda: open(log_file).read()) if log_file else server.error_log
    if "-w" in flags or "--max-requests" in flags or "--reload" in flags:
        wait_for(lambda: error_log().count(" ready\n") >= workers, "workers not ready")
    return server


class Client:
    """HTTP/1.1 on raw keep-alive sockets: reconnects when the server closes after a response (Connection: close);
    a request sent and never answered is a failure, a refused connection is not (nothing was sent)."""

    def __init__(self, port):
        self.port = port
        self.sock = None
        self.reader = None
        self.answers = []
        self.failures = []
        self.closes = 0

    def get(self, path="/"):
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10 * SLACK)
            self.reader = ResponseReader(self.sock, timeout=10 * SLACK)
        try:
            self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            status, headers, body = self.reader.read()[:3]
        except Exception as e:  # noqa: BLE001 - counted
            self.failures.append(repr(e))
            self.close()
            return None
        self.answers.append((status, body.decode()))
        if headers.get("connection") == "close":
            self.closes += 1
            self.close()
        return status, body.decode()

    def close(self):
        if self.sock:
            self.sock.close()
        self.sock = None

    def versions(self):
        return [body.split()[0] for status, body in self.answers]

    def pids(self):
        return {int(body.split()[1]) for status, body in self.answers}


class Load:
    """Clients sending requests in a loop on threads until stopped."""

    def __init__(self, port, clients=4, path="/"):
        self.clients = [Client(port) for _ in range(clients)]
        self.stopping = threading.Event()
        self.reconnecting = True  # False: a client whose connection the server closed stops
        self.threads = [threading.Thread(target=self._run, args=(c, path)) for c in self.clients]
        for t in self.threads:
            t.start()

    def _run(self, client, path):
        while not self.stopping.is_set():
            if client.sock is None and client.answers and not self.reconnecting:
                return
            try:
                client.get(path)
            except ConnectionRefusedError:
                return

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join()
        for c in self.clients:
            c.close()
        failures = [f for c in self.clients for f in c.failures]
        answers = [a for c in self.clients for a in c.answers]
        return answers, failures


def wait_for(predicate, what, timeout=10 * SLACK):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def open_files(pid):
    """The paths of the files process pid has open (a descriptor closed meanwhile is left out)."""
    paths = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            paths.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:
            pass
    return paths


def test_usr1_reopens_the_log_files_of_master_and_workers(tmp_path):
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    server = start(tmp_path, "-w", "2", "--access-logfile", str(access), "--error-logfile", str(errors))
    kids = wait_children(server.proc.pid, 2)
    client = Client(server.port)
    assert client.get("/before")[0] == 200
    wait_for(lambda: "/before" in access.read_text(), "no access log line")  # written every quarter second
    os.rename(access, tmp_path / "access.log.1")
    os.rename(errors, tmp_path / "error.log.1")
    server.proc.send_signal(signal.SIGUSR1)  # logrotate's postrotate
    wait_for(lambda: errors.exists() and "log files reopened" in errors.read_text(), "no new error log")
    # The master signals the workers after it logged that line; each reopens in its signal handler, and a line a worker
    # writes before then still goes to the old file, as with gunicorn.
    wait_for(lambda: all(str(access) in open_files(kid) for kid in kids), "a worker did not reopen its access log")
    client.close()
    for i in range(10):
        assert Client(server.port).get(f"/after-{i}")[0] == 200
    wait_for(lambda: access.exists() and access.read_text().count("/after-") == 10, "no new access log")
    assert "/before" in (tmp_path / "access.log.1").read_text()
    assert "/before" not in access.read_text()
    assert children(server.proc.pid) == kids, "USR1 must not kill anyone"
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(20) == 0
    assert "master shut down" in errors.read_text()


def test_ttin_adds_a_worker_and_ttou_removes_one_but_never_the_last(tmp_path):
    server = start(tmp_path, "-w", "2")
    master = server.proc.pid
    kids = wait_children(master, 2)
    server.proc.send_signal(signal.SIGTTIN)
    three = wait_children(master, 3)
    assert kids < three
    load = Load(server.port)
    for expected in (2, 1):
        server.proc.send_signal(signal.SIGTTOU)
        wait_children(master, expected)
    server.proc.send_signal(signal.SIGTTOU)  # never below one
    time.sleep(0.5)
    assert len(children(master)) == 1
    answers, failures = load.stop()
    assert failures == [] and answers and all(status == 200 for status, _ in answers)
    assert server.stop() == 0


def test_quit_is_graceful_and_int_is_quick(tmp_path):
    for sig, answered in ((signal.SIGQUIT, True), (signal.SIGINT, False)):
        server = start(tmp_path, "-w", "2")
        wait_children(server.proc.pid, 2)
        result = {}
        slow = threading.Thread(target=lambda: result.update(r=Client(server.port).get("/sleep?2")))
        slow.start()
        time.sleep(0.3)
        start_time = time.monotonic()
        assert server.stop(sig, timeout=20) == 0
        slow.join()
        if answered:
            assert result["r"][0] == 200
        else:
            assert result["r"] is None and time.monotonic() - start_time < 1.9


def test_signals_do_not_kill_a_lone_process(tmp_path):
    server = start(tmp_path)  # -w 1: no master
    for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGTTIN, signal.SIGTTOU):
        server.proc.send_signal(sig)
        time.sleep(0.1)
        assert Client(server.port).get()[0] == 200, sig
    assert server.stop(signal.SIGQUIT) == 0


def test_sigterm_under_load_answers_every_request_sent(tmp_path):
    """Requests on kept-alive connections at full speed: each one sent is answered, the last ones with Connection:
    close. (Clients do not reconnect then: a connection whose handshake races the close of the listening socket's last
    copy can still be reset by the kernel.)"""
    server = start(tmp_path, "-w", "2", "--threads", "4")
    wait_children(server.proc.pid, 2)
    load = Load(server.port, clients=8)
    time.sleep(1)
    load.reconnecting = False
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(20) == 0
    answers, failures = load.stop()
    assert failures == []
    assert len(answers) > 100 and all(status == 200 for status, _ in answers)
    assert sum(c.closes for c in load.clients) == 8  # each connection's last answer said Connection: close


def test_max_requests_recycles_workers_with_no_failed_request(tmp_path):
    server = start(tmp_path, "-w", "2", "--max-requests", "20", "--max-requests-jitter", "5", "--metrics-path", "/m")
    first = wait_children(server.proc.pid, 2)
    client = Client(server.port)  # one keep-alive client: closed after each worker's last answer, then reconnects
    # An old worker serves on until its replacement has loaded the app: under a sanitizer that takes seconds, so the
    # client goes on until three replacements answered (200 requests are enough without one).
    deadline = time.monotonic() + 30 * SLACK
    i = 0
    while i < 200 or (len(client.pids() - first) < 3 and time.monotonic() < deadline):
        assert client.get(f"/r{i}") == (200, client.answers[-1][1]), client.failures
        time.sleep(0.01)  # a replacement takes a moment to load the app before the old worker drains
        i += 1
    assert client.failures == []
    assert len(client.pids() - first) >= 3, "workers are replaced after 20 to 25 requests"
    assert client.closes >= 3
    log = server.wait_error_log("asked to be replaced")
    assert "drained and exited with status 0" in log
    wait_children(server.proc.pid, 2)
    m = metrics(server, "/m")  # whichever worker answers shows the master's counts
    assert m["updraft_worker_recycles_total"] >= 3 and m["updraft_worker_restarts_total"] == 0, m
    assert server.stop() == 0


def test_a_worker_that_dies_is_restarted_and_counted(tmp_path):
    server = start(tmp_path, "-w", "2", "--metrics-path", "/m")
    first = wait_children(server.proc.pid, 2)
    os.kill(sorted(first)[0], signal.SIGKILL)
    server.wait_error_log("was killed by signal 9")
    wait_for(lambda: metrics(server, "/m")["updraft_worker_restarts_total"] == 1, "the restart was not counted")
    assert metrics(server, "/m")["updraft_worker_recycles_total"] == 0
    assert server.stop() == 0


def test_hup_switches_to_the_new_code_with_no_failed_request(tmp_path):
    server = start(tmp_path, "-w", "2")
    master = server.proc.pid
    old = wait_children(master, 2)
    load = Load(server.port)
    time.sleep(0.3)
    write_app(tmp_path, "v2")
    server.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: Client(server.port).get()[1].startswith("v2"), "still the old code")
    wait_children(master, 2, exclude=old)
    time.sleep(0.3)
    answers, failures = load.stop()
    assert failures == []
    versions = [body.split()[0] for status, body in answers]
    assert versions[0] == "v1" and versions[-1] == "v2" and all(status == 200 for status, _ in answers)
    assert server.stop() == 0


def test_hup_with_broken_code_keeps_the_old_workers_serving(tmp_path):
    server = start(tmp_path, "-w", "2")
    master = server.proc.pid
    old = wait_children(master, 2)
    write_app(tmp_path, "v2", broken=True)
    server.proc.send_signal(signal.SIGHUP)
    log = server.wait_error_log("the reload failed")
    assert "RuntimeError: broken on purpose" in log
    time.sleep(0.3)
    assert children(master) == old
    for i in range(10):
        status, body = Client(server.port).get()
        assert status == 200 and body.startswith("v1")
    write_app(tmp_path, "v3")  # fixed: the next HUP goes through
    server.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: Client(server.port).get()[1].startswith("v3"), "the fixed code never came")
    assert server.stop() == 0


def test_reload_restarts_workers_when_a_python_file_changes(tmp_path):
    server = start(tmp_path, "--reload")
    old = wait_children(server.proc.pid, 1)
    assert Client(server.port).get()[1].startswith("v1")
    write_app(tmp_path, "v2")
    wait_for(lambda: Client(server.port).get()[1].startswith("v2"), "no reload", timeout=10 * SLACK)
    wait_children(server.proc.pid, 1, exclude=old)
    assert "a Python file changed" in server.error_log()
    assert server.stop() == 0
