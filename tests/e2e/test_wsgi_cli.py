"""The updraft command: load errors before binding, factories, --chdir/--pythonpath/--virtualenv, binds, logs, flags."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest
import requests

from support import APPS_DIR, UPDRAFT, free_port, port_is_free, start_updraft, unix_get

PY = "%d.%d" % sys.version_info[:2]


def run(*args, cwd=None, timeout=30):
    return subprocess.run([UPDRAFT, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout)


def get_json(server, target="/"):
    r = requests.get(server.url + target, timeout=5)
    assert r.status_code == 200
    return r.json()


# --- load errors ---

@pytest.mark.parametrize("spec, reason", [
    ("no_such_module_xyz:app", "ModuleNotFoundError: No module named 'no_such_module_xyz'"),
    ("cli_app:nope", "LookupError: failed to find attribute 'nope' in 'cli_app'"),
    ("cli_app:not_an_app", "TypeError: cli_app:not_an_app is not callable (it is 'int')"),
    ("cli_app:create_app(x)", "arguments of create_app(...) must be Python literals"),
    ("cli_app:create_app(42)", "TypeError: unsupported operand type(s) for +: 'int' and 'str'"),
    ("broken_import_app:app", "RuntimeError: import failed on purpose"),
])
def test_load_error_exits_before_binding(spec, reason):
    port = free_port()
    proc = subprocess.Popen([UPDRAFT, "-b", f"127.0.0.1:{port}", "--pythonpath", APPS_DIR, spec],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if spec.startswith("broken_import_app"):
        time.sleep(0.5)  # the import is sleeping: nothing may listen yet
        assert port_is_free(port), "the port was bound before the app loaded"
    out, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "listening" not in out
    first = err.splitlines()[0]
    assert first == f"updraft: cannot load WSGI app '{spec}': {reason}" or (
        first.startswith(f"updraft: cannot load WSGI app '{spec}': ") and reason in first), err
    assert "Traceback (most recent call last)" in err
    assert port_is_free(port)


def test_import_error_traceback_points_at_the_module():
    r = run("--pythonpath", APPS_DIR, "broken_import_app:app")
    assert r.returncode != 0
    assert re.search(r'broken_import_app\.py", line \d+', r.stderr), r.stderr


@pytest.mark.parametrize("spec", [":app", "cli_app:"])
def test_malformed_spec_is_an_error_or_the_default(spec):
    r = run("--pythonpath", APPS_DIR, "--check-config", spec)
    if spec == "cli_app:":
        assert r.returncode == 0, r.stderr  # gunicorn's default attribute, 'application'
    else:
        assert r.returncode != 0 and "cannot load WSGI app" in r.stderr


# --- app specs ---

@pytest.mark.parametrize("spec, greeting", [
    ("cli_app:app", "plain"),
    ("cli_app", "default name"),
    ("cli_app:create_app()", "hello"),
    ("cli_app:create_app('bonjour')", "bonjour"),
    ("cli_app:create_app('hi', punctuation='!')", "hi!"),
    ('cli_app:create_app(greeting="hey")', "hey"),
])
def test_app_specs(updraft, spec, greeting):
    assert get_json(updraft(spec))["greeting"] == greeting


# --- --chdir, --pythonpath, --virtualenv ---

MODULE = '''
import json, os, sys
def app(environ, start_response):
    body = json.dumps({"cwd": os.getcwd(), "file": __file__, "prefix": sys.prefix, "path": sys.path}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
'''


def test_chdir_absolute(updraft, tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "chdir_mod.py").write_text(MODULE)
    got = get_json(updraft("chdir_mod:app", "--chdir", str(tmp_path / "site"), pythonpath=None))
    assert got["cwd"] == str(tmp_path / "site")
    assert got["file"] == str(tmp_path / "site" / "chdir_mod.py")


def test_chdir_relative(updraft, tmp_path):
    (tmp_path / "rel").mkdir()
    (tmp_path / "rel" / "chdir_rel_mod.py").write_text(MODULE)
    got = get_json(updraft("chdir_rel_mod:app", "--chdir", "rel", pythonpath=None, cwd=str(tmp_path)))
    assert got["cwd"] == str(tmp_path / "rel")


def test_chdir_to_a_missing_directory_fails():
    r = run("--chdir", "/nonexistent/updraft-dir", "cli_app:app")
    assert r.returncode != 0
    assert "/nonexistent/updraft-dir" in r.stderr


def test_pythonpath_with_several_directories(updraft, tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "pp_mod.py").write_text(MODULE)
    got = get_json(updraft("pp_mod:app", pythonpath=f"{tmp_path / 'one'},{tmp_path / 'two'}"))
    assert got["file"] == str(tmp_path / "two" / "pp_mod.py")
    assert got["path"].index(str(tmp_path / "one")) < got["path"].index(str(tmp_path / "two"))


def make_venv(root, *flags):
    """A virtualenv made by Debian's python3 -m venv, with a module of its own in its site-packages."""
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", *flags, str(root)], check=True, timeout=120)
    (venv_site(root) / "venv_only_mod.py").write_text(MODULE)
    return root


def venv_site(root):
    return root / "lib" / f"python{PY}" / "site-packages"


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """An isolated virtualenv: include-system-site-packages = false."""
    return make_venv(tmp_path_factory.mktemp("venv") / "env")


@pytest.fixture(scope="module")
def system_venv(tmp_path_factory):
    """A virtualenv made with --system-site-packages: include-system-site-packages = true."""
    return make_venv(tmp_path_factory.mktemp("venv") / "sysenv", "--system-site-packages")


SYSTEM_SITE = "/usr/lib/python3/dist-packages"


def test_virtualenv(updraft, venv):
    got = get_json(updraft("venv_only_mod:app", "--virtualenv", str(venv), pythonpath=None))
    assert got["file"] == str(venv_site(venv) / "venv_only_mod.py")
    assert got["prefix"] == str(venv)
    assert not [p for p in got["path"] if p.endswith("dist-packages")], "the system's site-packages are on sys.path"


def test_virtualenv_with_system_site_packages(updraft, system_venv):
    got = get_json(updraft("venv_only_mod:app", "--virtualenv", str(system_venv), pythonpath=None))
    assert got["prefix"] == str(system_venv)
    assert got["path"].index(str(venv_site(system_venv))) < got["path"].index(SYSTEM_SITE)


def test_an_isolated_virtualenv_does_not_lend_the_systems_flask(venv):
    port = free_port()
    r = run("-b", f"127.0.0.1:{port}", "--virtualenv", str(venv), "--pythonpath", APPS_DIR, "venv_flask_app:app")
    assert r.returncode != 0
    assert r.stderr.splitlines()[0] == (
        "updraft: cannot load WSGI app 'venv_flask_app:app': ModuleNotFoundError: No module named 'flask'"), r.stderr
    assert "listening" not in r.stdout and port_is_free(port)


def test_a_virtualenv_with_system_site_packages_has_the_systems_flask(updraft, system_venv):
    server = updraft("venv_flask_app:app", "--virtualenv", str(system_venv))
    assert get_json(server)["flask"].startswith(SYSTEM_SITE + "/")


def test_virtualenv_module_is_not_found_without_the_flag():
    r = run("--check-config", "venv_only_mod:app")
    assert r.returncode != 0 and "No module named 'venv_only_mod'" in r.stderr


def venv_with_version(venv, root, line):
    """A copy of venv whose pyvenv.cfg says line instead of its version."""
    shutil.copytree(venv, root, symlinks=True)
    cfg = root / "pyvenv.cfg"
    cfg.write_text("".join(line + "\n" if l.startswith("version") else l for l in cfg.read_text().splitlines(True)))
    return root


@pytest.mark.parametrize("line, version", [("version = 3.12.1", "3.12.1"),
                                           ("version_info = 3.10.13.final.0", "3.10.13.final.0")])
def test_a_virtualenv_for_another_python_is_refused_before_binding(venv, tmp_path, line, version):
    other = venv_with_version(venv, tmp_path / "other", line)
    port = free_port()
    r = run("-b", f"127.0.0.1:{port}", "--virtualenv", str(other), "venv_only_mod:app")
    assert r.returncode != 0
    expected = f"updraft: --virtualenv {other}: made for Python {version}, but updraft embeds Python {PY}."
    assert r.stderr.startswith(expected), r.stderr
    assert "listening" not in r.stdout and port_is_free(port)


def test_a_virtualenv_for_another_release_of_the_same_python_is_taken(venv, tmp_path):
    """pyenv's 3.11.7 and Debian's 3.11.2 share the ABI: a venv made by either serves."""
    other = venv_with_version(venv, tmp_path / "patch", f"version = {PY}.99")
    r = run("--check-config", "--virtualenv", str(other), "venv_only_mod:app")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("layout", ["missing", "site-packages without pyvenv.cfg"])
def test_a_directory_without_pyvenv_cfg_is_refused_before_binding(tmp_path, layout):
    root = tmp_path / "notavenv"
    if layout != "missing":
        venv_site(root).mkdir(parents=True)
        (venv_site(root) / "venv_only_mod.py").write_text(MODULE)
    port = free_port()
    r = run("-b", f"127.0.0.1:{port}", "--virtualenv", str(root), "venv_only_mod:app")
    assert r.returncode != 0
    assert r.stderr.startswith(f"updraft: --virtualenv {root}: no pyvenv.cfg in it, so it is not a virtual environment")
    assert "listening" not in r.stdout and port_is_free(port)


# --- --check-config, --version, --help ---

def test_check_config_loads_and_exits_without_binding():
    port = free_port()
    r = run("-b", f"127.0.0.1:{port}", "--pythonpath", APPS_DIR, "--check-config", "cli_app:create_app()")
    assert r.returncode == 0, r.stderr
    assert "listening" not in r.stdout
    assert "cli_app:create_app()" in r.stdout
    assert port_is_free(port)


def test_check_config_fails_for_a_broken_app():
    r = run("--pythonpath", APPS_DIR, "--check-config", "cli_app:nope")
    assert r.returncode != 0


def test_version():
    r = run("--version")
    assert r.returncode == 0
    assert re.fullmatch(r"updraft \d+\.\d+\.\d+\n", r.stdout)


def test_help_lists_flags_and_examples():
    r = run("--help")
    assert r.returncode == 0
    for flag in ["-b,--bind", "-w,--workers", "--threads", "--chdir", "--pythonpath", "--virtualenv",
                 "--access-logfile", "--check-config", "--graceful-timeout"]:
        assert flag in r.stdout, flag
    examples = r.stdout[r.stdout.index("Examples:"):]
    assert "updraft -w 4 --threads 8 -b 0.0.0.0:8000 mysite.wsgi:application" in examples
    assert "unix:" in examples


def test_unknown_flag_is_an_error():
    r = run("--no-such-flag", "cli_app:app")
    assert r.returncode != 0


# --- binds ---

def test_unix_socket(tmp_path):
    path = str(tmp_path / "u.sock")
    server = start_updraft("cli_app:app", binds=(f"unix:{path}",))
    try:
        assert server.listeners == [f"unix:{path}"]
        r = unix_get(path, "/over-unix")
        assert r.status == 200
        assert json.loads(r.body)["path"] == "/over-unix"
        curl = subprocess.run(["curl", "-s", "--unix-socket", path, "http://localhost/by-curl"],
                              capture_output=True, text=True, timeout=10)
        assert json.loads(curl.stdout)["path"] == "/by-curl"
    finally:
        assert server.stop() == 0
    assert not os.path.exists(path), "the socket file is left behind"


def test_two_binds_both_answer(tmp_path):
    path = str(tmp_path / "both.sock")
    server = start_updraft("cli_app:app", binds=("127.0.0.1:0", "127.0.0.1:0", f"unix:{path}"))
    try:
        a, b = server.ports
        assert a != b
        for port in (a, b):
            assert requests.get(f"http://127.0.0.1:{port}/p{port}", timeout=5).json()["path"] == f"/p{port}"
        assert json.loads(unix_get(path, "/u").body)["path"] == "/u"
    finally:
        assert server.stop() == 0


def test_busy_port_is_a_clear_error():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        r = run("-b", f"127.0.0.1:{port}", "--pythonpath", APPS_DIR, "cli_app:app")
    assert r.returncode != 0
    assert str(port) in r.stderr


# --- logs ---

def test_access_log_to_stdout(updraft):
    server = updraft("cli_app:app", "--access-logfile", "-")
    for path in ["/one", "/two?x=1", "/three"]:
        requests.get(server.url + path, timeout=5)
    lines = server.wait_stdout(lambda ls: sum('"GET /' in l for l in ls) >= 3)
    access = [l for l in lines if '"GET /' in l]
    assert len(access) == 3
    for line, request in zip(access, ["GET /one HTTP/1.1", "GET /two?x=1 HTTP/1.1", "GET /three HTTP/1.1"]):
        assert line.startswith("127.0.0.1 - - [")
        assert f'"{request}" 200 ' in line


def test_access_log_format(updraft):
    server = updraft("cli_app:app", "--access-logfile", "-", "--access-logformat", "%(m)s %(U)s %(q)s %(s)s")
    requests.get(server.url + "/fmt?a=b", timeout=5)
    lines = server.wait_stdout(lambda ls: any(l.startswith("GET ") for l in ls))
    assert "GET /fmt a=b 200" in lines


def test_no_access_log_by_default(updraft):
    server = updraft("cli_app:app")
    requests.get(server.url + "/quiet", timeout=5)
    time.sleep(0.3)
    assert "/quiet" not in server.stdout_text()
    assert "/quiet" not in server.error_log()


def test_error_logfile(updraft, tmp_path):
    log = tmp_path / "error.log"
    server = updraft("cli_app:app", "--error-logfile", str(log))
    requests.get(server.url + "/", timeout=5)
    assert server.stop() == 0
    text = log.read_text()
    assert "received signal 15" in text and "shut down" in text
    assert server.error_log() == ""


# --- signals ---

def test_sigterm_right_after_startup_is_graceful(tmp_path):
    """A supervisor may stop the server as soon as it says it listens: that must be a clean exit too."""
    for i in range(5):
        path = str(tmp_path / f"early{i}.sock")
        server = start_updraft("cli_app:app", binds=("127.0.0.1:0", f"unix:{path}"))
        assert server.stop() == 0, f"run {i}: exit code {server.proc.returncode}"
        assert not os.path.exists(path)


# --- thread scheduling ---

SCHED_OTHER, SCHED_BATCH = 0, 3


def thread_policies(pid, workers=2):
    """[(thread name, is the main thread, scheduling policy)] from /proc/PID/task/*/{comm,stat}, once `workers` WSGI
    worker threads have started and named themselves (on a busy machine the last may still be starting)."""
    deadline = time.monotonic() + 10
    while True:
        threads = read_thread_policies(pid)
        if sum(name == "wsgi-worker" for name, _, _ in threads) >= workers or time.monotonic() > deadline:
            return threads
        time.sleep(0.05)


def read_thread_policies(pid):
    threads = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            name = f.read().strip()
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            after_name = f.read().rsplit(")", 1)[1].split()  # starts at field 3 (state); policy is field 41
        threads.append((name, int(tid) == pid, int(after_name[38])))
    return threads


def test_loop_and_worker_threads_run_sched_batch(updraft):
    server = updraft("cli_app:app", "--threads", "2")
    assert requests.get(server.url + "/", timeout=5).status_code == 200  # the loops are running
    threads = thread_policies(server.proc.pid)
    assert [policy for _, main, policy in threads if main] == [SCHED_BATCH]  # the loop runs on the main thread
    assert [policy for name, _, policy in threads if name == "wsgi-worker"] == [SCHED_BATCH] * 2
    assert [policy for name, _, policy in threads if name == "wsgi-watchdog"] == [SCHED_OTHER]


def test_loop_scheduling_normal_keeps_loops_preempting(updraft):
    server = updraft("cli_app:app", "--threads", "2", "--loops", "2", "--loop-scheduling", "normal")
    assert requests.get(server.url + "/", timeout=5).status_code == 200  # the loops are running
    threads = thread_policies(server.proc.pid)
    loops = [policy for name, main, policy in threads if main or name == "updraft-loop"]
    assert loops == [SCHED_OTHER] * 2
    assert [policy for name, _, policy in threads if name == "wsgi-worker"] == [SCHED_BATCH] * 2


def test_unknown_loop_scheduling_is_an_error():
    result = run("--loop-scheduling", "fifo", "cli_app:app")
    assert result.returncode != 0 and "--loop-scheduling" in result.stderr


# --- gunicorn's head limits ---

def test_limit_request_line_zero_means_unlimited(updraft):
    long_target = "/?" + "a" * 10_000
    limited = updraft("cli_app:app")
    assert requests.get(limited.url + long_target, timeout=5).status_code == 414
    unlimited = updraft("cli_app:app", "--limit-request-line", "0", "--limit-request-field_size", "0")
    assert requests.get(unlimited.url + long_target, headers={"X-Long": "b" * 10_000}, timeout=5).status_code == 200


def test_head_lines_are_counted_as_gunicorn_counts_them(updraft):
    # gunicorn: a request line may be --limit-request-line bytes without its CRLF, a field line
    # --limit-request-field_size bytes with it.
    server = updraft("cli_app:app", "--limit-request-line", "50", "--limit-request-field_size", "100")

    def status(head):
        with server.connect() as s:
            s.sendall(head + b"\r\n\r\n")
            return int(s.recv(100).split(b" ")[1])

    request_line = b"GET /" + b"a" * (50 - len(b"GET / HTTP/1.1")) + b" HTTP/1.1"
    assert len(request_line) == 50
    assert status(request_line + b"\r\nHost: t") == 200
    assert status(request_line.replace(b"/", b"/a", 1) + b"\r\nHost: t") == 414
    field = b"X: " + b"b" * (98 - 3)
    assert status(b"GET / HTTP/1.1\r\nHost: t\r\n" + field) == 200
    assert status(b"GET / HTTP/1.1\r\nHost: t\r\n" + field + b"b") == 431


@pytest.mark.parametrize("workers", ["1", "2"])
def test_objects_made_while_loading_are_frozen(workers):
    server = start_updraft("gc_app:app", "-w", workers)
    try:
        for _ in range(2):
            seen = get_json(server)
            assert seen["frozen"] >= 10_000, seen  # gc.freeze() ran after the app loaded, in the worker that serves
            assert seen["collected"] >= 100, seen  # and the collector still frees what requests leave in cycles
    finally:
        assert server.stop() == 0


def test_no_gc_freeze_leaves_everything_to_the_collector():
    server = start_updraft("gc_app:app", "--no-gc-freeze")
    try:
        assert get_json(server)["frozen"] == 0
    finally:
        assert server.stop() == 0
