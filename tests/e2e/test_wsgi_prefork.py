"""-w N: worker processes under a master that replaces dead ones and stops them all gracefully on SIGTERM/SIGINT."""
import os
import signal
import threading
import time

import pytest
import requests

from support import SLACK, start_updraft


def children(pid):
    """Pids whose parent is pid (from /proc/*/stat), excluding zombies."""
    out = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.add(int(entry))
    return out


def wait_children(pid, count, timeout=10 * SLACK, exclude=()):
    deadline = time.monotonic() + timeout
    while True:
        kids = children(pid)
        if len(kids) == count and not kids & set(exclude):
            return kids
        if time.monotonic() > deadline:
            raise AssertionError(f"master {pid} has children {kids}, expected {count} (not {set(exclude)})")
        time.sleep(0.05)


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def prefork():
    server = start_updraft("prefork_app:app", "-w", "2", "--threads", "2", "--graceful-timeout", "5")
    yield server
    server.stop()


def get(server, path="/"):
    r = requests.get(server.url + path, timeout=10)
    assert r.status_code == 200
    return r.json()


def test_two_workers_are_children_of_the_master(prefork):
    master = prefork.proc.pid
    kids = wait_children(master, 2)
    seen = {get(prefork, f"/n{i}")["pid"] for i in range(20)}
    assert seen <= kids
    got = get(prefork)
    assert got["ppid"] == master and got["multiprocess"] is True


def test_a_killed_worker_is_replaced(prefork):
    master = prefork.proc.pid
    kids = wait_children(master, 2)
    victim = get(prefork)["pid"]
    os.kill(victim, signal.SIGKILL)
    for i in range(30):  # the survivor (and then the new worker) take every request
        assert get(prefork, f"/after-kill-{i}")["pid"] != victim
    fresh = wait_children(master, 2, exclude={victim})
    assert len(fresh - kids) == 1
    # The new worker can be in /proc before the master has logged it (fork returns in both): wait for its line.
    (replacement,) = fresh - kids
    log = prefork.wait_error_log(f"booted worker with pid {replacement}")
    killed = log.find(f"worker {victim} was killed by signal 9")
    assert 0 <= killed < log.index(f"booted worker with pid {replacement}")
    for i in range(10):
        assert get(prefork, f"/later-{i}")["pid"] in fresh


def test_a_worker_that_exits_is_replaced(prefork):
    master = prefork.proc.pid
    kids = wait_children(master, 2)
    with pytest.raises(requests.ConnectionError):
        requests.get(prefork.url + "/exit", timeout=10)
    prefork.wait_error_log("exited with status 3")
    fresh = wait_children(master, 2, exclude=kids - children(master))
    assert len(fresh) == 2
    for i in range(10):
        assert get(prefork, f"/after-exit-{i}")["pid"] in fresh


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_to_the_master_stops_everything_with_exit_0(sig):
    server = start_updraft("prefork_app:app", "-w", "2", "--graceful-timeout", "5")
    kids = wait_children(server.proc.pid, 2)
    assert get(server)["pid"] in kids
    assert server.stop(sig, timeout=20) == 0, server.error_log()
    deadline = time.monotonic() + 5
    while any(alive(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(k) for k in kids), "a worker outlived the master"


def test_sigterm_lets_in_flight_requests_finish(prefork):
    wait_children(prefork.proc.pid, 2)
    result = {}

    def slow():
        try:
            result["r"] = requests.get(prefork.url + "/sleep?s=1", timeout=10)
        except Exception as e:  # noqa: BLE001 - reported below
            result["e"] = e

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.3)
    code = prefork.stop(signal.SIGTERM, timeout=20)
    t.join()
    assert "e" not in result, result.get("e")
    assert result["r"].status_code == 200 and result["r"].json()["path"] == "/sleep"
    assert code == 0
