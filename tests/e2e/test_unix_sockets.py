"""Unix socket paths, for `updraft -b unix:PATH` and native servers (`hello --address unix:PATH`): a live server's
path is refused, a stale socket file replaced, anything else never removed, and a server removes the path when it
stops only if the path still names its own socket file (a start-new-then-stop-old swap keeps the new one's)."""
import json
import os
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from support import APPS_DIR, BIN_DIR, SLACK, UPDRAFT, ServerProcess, unix_get, wait_children

COMMANDS = {
    "updraft": lambda path, *flags: [UPDRAFT, "-b", f"unix:{path}", "--pythonpath", APPS_DIR, *flags, "prefork_app:app"],
    "hello": lambda path, *flags: [os.path.join(BIN_DIR, "hello"), "--address", f"unix:{path}", *flags],
}
FORKING = {"updraft": "-w", "hello": "--processes"}
SLOW = {"updraft": f"/sleep?s={1.5 * SLACK}", "hello": f"/sleep?ms={1500 * SLACK}"}


@pytest.fixture(params=sorted(COMMANDS))
def command(request):
    """The server under test: its name."""
    return request.param


@pytest.fixture
def start(command):
    """Starts the server on unix:PATH with extra flags; the servers started are stopped when the test ends."""
    started = []

    def start_on(path, *flags):
        server = ServerProcess(COMMANDS[command](path, *flags))
        started.append(server)
        return server

    yield start_on
    for server in started:
        server.stop()


def run(command, path):
    """Runs the server on unix:PATH when it is expected to refuse; returns the finished process."""
    return subprocess.run(COMMANDS[command](path), capture_output=True, text=True, timeout=30)


def answers(path):
    return unix_get(path).status == 200


def assert_refused(result, command, path, why):
    assert result.returncode != 0
    assert result.stderr.splitlines()[0] == f"{command}: unix:{path}: {why}", result.stderr
    assert "listening" not in result.stdout


def stale_socket_file(path):
    """Leaves a socket file at path that nothing listens on, as a server killed with SIGKILL would."""
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(path)


def test_the_path_is_removed_when_the_server_stops(start, command, tmp_path):
    path = str(tmp_path / "s.sock")
    server = start(path)
    assert server.listeners == [f"unix:{path}"]
    assert answers(path)
    assert server.stop() == 0
    assert not os.path.exists(path)


def test_a_second_server_on_a_live_path_refuses_and_the_first_keeps_serving(start, command, tmp_path):
    path = str(tmp_path / "live.sock")
    first = start(path)
    inode = os.stat(path).st_ino
    assert_refused(run(command, path), command, path, "another server is listening there")
    assert os.stat(path).st_ino == inode
    assert answers(path)
    assert first.stop() == 0
    assert not os.path.exists(path)


def test_a_stale_socket_file_is_replaced(start, command, tmp_path):
    path = str(tmp_path / "stale.sock")
    stale_socket_file(path)
    server = start(path)
    assert answers(path)  # a stale file never answers: this is the server's
    assert server.stop() == 0
    assert not os.path.exists(path)


def test_a_regular_file_is_never_removed(command, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("keep me")
    assert_refused(run(command, str(path)), command, str(path), "exists and is not a socket (not replacing it)")
    assert path.read_text() == "keep me"


@pytest.mark.parametrize("move_old", [os.unlink, lambda path: os.rename(path, path + ".old")])
def test_stopping_the_old_server_after_a_swap_keeps_the_new_ones_socket(start, command, tmp_path, move_old):
    """Start new, then stop old, as behind nginx: the old server's file is moved aside or removed, the new one binds
    the path, and the old one, stopping, must leave the new one's file alone."""
    path = str(tmp_path / "swap.sock")
    old = start(path)
    move_old(path)
    new = start(path)
    assert old.stop() == 0
    assert os.path.exists(path)
    assert answers(path)
    if command == "updraft":
        assert json.loads(unix_get(path).body)["pid"] == new.proc.pid
    assert new.stop() == 0
    assert not os.path.exists(path)


def test_a_server_started_while_the_old_one_drains_keeps_its_socket(start, command, tmp_path):
    """Stop old, then start new while the old one still finishes a request: the old one gives up the path when it
    stops accepting, and leaves the new one's socket when it exits."""
    path = str(tmp_path / "drain.sock")
    old = start(path)
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(unix_get, path, SLOW[command])
        time.sleep(0.3 * SLACK)  # the request is in flight
        old.proc.send_signal(signal.SIGTERM)
        wait_for(lambda: not os.path.exists(path))
        new = start(path)
        assert slow.result().status == 200
    assert old.proc.wait(timeout=30 * SLACK) == 0  # already signalled: a second SIGTERM could catch it on its way out
    assert answers(path)
    if command == "updraft":
        assert json.loads(unix_get(path).body)["pid"] == new.proc.pid
    assert new.stop() == 0
    assert not os.path.exists(path)


def test_forked_processes_leave_the_path_to_the_one_that_bound_it(start, command, tmp_path):
    """With -w 2 / --processes 2 a child that stops gracefully leaves the path; the parent removes it once."""
    path = str(tmp_path / "forked.sock")
    server = start(path, FORKING[command], "2")
    inode = os.stat(path).st_ino
    first, _ = wait_children(server.proc.pid, 2)
    os.kill(first, signal.SIGTERM)  # a graceful exit: the child runs its destructors
    wait_for(lambda: exited(first))
    assert os.stat(path).st_ino == inode
    assert all(answers(path) for _ in range(10))
    assert server.stop() == 0
    assert not os.path.exists(path)


def wait_for(condition, timeout=10 * SLACK):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def exited(pid):
    """True once pid is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_an_inherited_unix_socket_is_left_to_its_owner(tmp_path):
    """A unix socket passed in (systemd's LISTEN_FDS) belongs to whoever made it: served, and its file never removed."""
    path = str(tmp_path / "activated.sock")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen(64)

    def as_fd_3():
        os.dup2(listener.fileno(), 3)
        os.environ["LISTEN_FDS"] = "1"
        os.environ["LISTEN_PID"] = str(os.getpid())

    proc = subprocess.Popen([os.path.join(BIN_DIR, "hello")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=as_fd_3, pass_fds=(3,))
    try:
        assert proc.stdout.readline() == f"hello listening on unix:{path}\n".encode()
        listener.close()
        assert answers(path)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    assert os.path.exists(path)
