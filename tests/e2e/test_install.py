"""updraft as a library other projects build against: `cmake --install` into a scratch prefix, samples/hello,
samples/plugin and out_of_tree/wsgi_site copied out of the tree and built there with find_package(updraft CONFIG), the
copy of hello serving a page, the copy of the plugin loaded by the installed `updraft`, wsgi_site serving a WSGI app;
and `cpack -G DEB`'s packages installed and removed with dpkg."""
import json
import os
import shutil
import subprocess

import pytest

from support import APPS_DIR, BIN_DIR, ROOT, SANITIZED, UPDRAFT, ServerProcess, get

# Installing and building against the install check packaging, not memory or threads: the sanitizer passes skip the
# minutes of out-of-tree builds (and a sanitized build is not packaged: its binaries need the sanitizers' runtime).
pytestmark = pytest.mark.skipif(SANITIZED, reason="packaging and out-of-tree builds: the main pass covers them")

BUILD_DIR = os.path.dirname(os.path.abspath(BIN_DIR))  # the tree the other tests run from (build/, build-asan/)
# kVersion, what `updraft --version` prints: configuring fails unless it is project(updraft VERSION ...)'s.
VERSION = subprocess.run([UPDRAFT, "--version"], capture_output=True, text=True).stdout.strip().removeprefix("updraft ")
PACKAGES = ("updraft", "libupdraft-dev")


def run(*args, env=None, timeout=600):
    """Runs args (env: variables laid over this process's environment); fails with its output unless it exits 0."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **env} if env else None)
    assert done.returncode == 0, f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


def build_out_of_tree(project, workdir, *cmake_args):
    """Copies the directory project (samples/hello, ...) to workdir and configures and builds it there as a project
    of its own (its CMakeLists.txt calls find_package(updraft CONFIG) when it is the top level); returns the build
    directory."""
    name = os.path.basename(project)
    source = os.path.join(workdir, name)
    shutil.copytree(os.path.join(ROOT, project), source)
    build = os.path.join(workdir, f"build-{name}")
    launcher = ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"] if shutil.which("ccache") else []
    # No build type: no optimisation and no debug information, the quickest to compile; and ccache, if there, sees the
    # paths under pytest's directory for this run as relative ones, so the next run finds what this one compiled.
    run("cmake", "-S", source, "-B", build, *launcher, *cmake_args)
    run("nice", "cmake", "--build", build, "-j2", env={"CCACHE_BASEDIR": os.path.dirname(workdir)})
    return build


def cached(build, name):
    """The value of NAME in BUILD's CMakeCache.txt."""
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split("=", 1)[1].strip()
    raise AssertionError(f"no {name} in {build}/CMakeCache.txt")


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("prefix"))
    run("cmake", "--install", BUILD_DIR, "--prefix", path)
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("out_of_tree"))


def test_the_prefix_holds_the_command_samples_headers_libraries_and_package(prefix):
    for path in ("bin/updraft", "libexec/updraft/hello", "libexec/updraft/mixed", "libexec/updraft/chat",
                 "libexec/updraft/kv"):
        assert os.access(os.path.join(prefix, path), os.X_OK), path
    assert os.path.isfile(os.path.join(prefix, "lib", "updraft", "plugins", "libhello_plugin.so"))
    # The headers keep their paths, so `#include "native/application.hpp"` works as in this tree; llhttp.h is the one
    # libupdraft_llhttp.a was built from.
    for path in ("core/net/loop.hpp", "core/http/http_server.hpp", "native/application.hpp", "native/plugin.hpp",
                 "wsgi/wsgi_container.hpp", "cli/server_flags.hpp", "llhttp.h"):
        assert os.path.isfile(os.path.join(prefix, "include", "updraft", path)), path
    # The command's own wiring is not a library users get.
    assert not os.path.exists(os.path.join(prefix, "include", "updraft", "cli", "wsgi_service.hpp"))
    for lib in ("core", "native", "wsgi", "cli", "llhttp"):
        assert os.path.isfile(os.path.join(prefix, "lib", f"libupdraft_{lib}.a")), lib
    for name in ("updraftConfig.cmake", "updraftConfigVersion.cmake", "updraftTargets.cmake"):
        assert os.path.isfile(os.path.join(prefix, "lib", "cmake", "updraft", name)), name
    version = run(os.path.join(prefix, "bin", "updraft"), "--version")
    assert version.strip() == f"updraft {VERSION}"


def test_the_example_units_start_the_installed_updraft(prefix):
    with open(os.path.join(prefix, "share", "updraft", "systemd", "updraft.service")) as f:
        unit = f.read()
    assert f"ExecStart={prefix}/bin/updraft " in unit
    assert os.path.isfile(os.path.join(prefix, "share", "updraft", "systemd", "updraft.socket"))


def test_hello_built_out_of_the_tree_serves_a_page(prefix, workdir):
    build = build_out_of_tree("samples/hello", workdir, f"-DCMAKE_PREFIX_PATH={prefix}")
    assert cached(build, "updraft_DIR") == os.path.join(prefix, "lib", "cmake", "updraft")
    server = ServerProcess([os.path.join(build, "hello"), "--port", "0", "--address", "127.0.0.1"])
    try:
        reply = get(server, "/")
        assert (reply.status, reply.body) == (200, b"Hello, World!")
        assert get(server, "/sleep?ms=x").status == 400
    finally:
        assert server.stop() == 0, server.error_log()


def test_a_plugin_built_out_of_the_tree_is_loaded_by_the_installed_updraft(prefix, workdir):
    build = build_out_of_tree("samples/plugin", workdir, f"-DCMAKE_PREFIX_PATH={prefix}")
    assert cached(build, "updraft_DIR") == os.path.join(prefix, "lib", "cmake", "updraft")
    assert_plugin_served(os.path.join(prefix, "bin", "updraft"), os.path.join(build, "libhello_plugin.so"))


def assert_plugin_served(updraft, plugin):
    """updraft --native plugin serves the sample plugin's routes beside a WSGI app."""
    server = ServerProcess([updraft, "-b", "127.0.0.1:0", "--pythonpath", APPS_DIR, "--native", plugin, "cli_app:app"])
    try:
        reply = get(server, "/native/plugin-hello")
        assert (reply.status, reply.body) == (200, b"Hello from a native plugin!")
        assert get(server, "/native/plugin-sleep?ms=1").body == b"slept"
        assert get(server, "/any/other/path").headers["content-type"] == "application/json"  # the WSGI app
    finally:
        assert server.stop() == 0, server.error_log()


def test_a_site_of_its_own_links_the_wsgi_gateway_from_the_prefix(prefix, workdir):
    build = build_out_of_tree("tests/e2e/out_of_tree/wsgi_site", workdir, f"-DCMAKE_PREFIX_PATH={prefix}")
    assert cached(build, "updraft_DIR") == os.path.join(prefix, "lib", "cmake", "updraft")
    server = ServerProcess([os.path.join(build, "wsgi_site"), APPS_DIR, "cli_app:app"])
    try:
        assert get(server, "/native").body == b"native"
        reply = get(server, "/from/python")
        assert reply.status == 200 and json.loads(reply.body)["path"] == "/from/python"
    finally:
        assert server.stop() == 0, server.error_log()


# --- the .deb packages ---

def status(package):
    """dpkg's state of package: 'installed', 'config-files' (removed, not purged), 'not-installed'..."""
    done = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Status}", package], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else "not-installed"


@pytest.fixture(scope="module")
def debs(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("debs"))
    run("cpack", "-G", "DEB", "--config", os.path.join(BUILD_DIR, "CPackConfig.cmake"), "-B", out)
    return {package: os.path.join(out, f"{package}_{VERSION}_amd64.deb") for package in PACKAGES}


def test_the_packages_say_what_they_are_and_need(debs):
    def field(package, name):
        return run("dpkg-deb", "-f", debs[package], name).strip()

    assert field("updraft", "Version") == VERSION
    depends = field("updraft", "Depends")  # from dpkg-shlibdeps: the shared libraries the executables load
    for library in ("libpython3.11-stdlib", "libssl3", "libboost-json1.81.0", "libre2-9", "libhiredis0.14", "libsystemd0"):
        assert library in depends
    dev_depends = field("libupdraft-dev", "Depends")
    assert f"updraft (= {VERSION})" in dev_depends
    for package in ("libboost1.81-dev", "python3-dev", "libssl-dev", "libcli11-dev"):
        assert package in dev_depends
    assert field("updraft", "Maintainer")
    for package in PACKAGES:  # nothing runs on install or removal (so removal leaves nothing to purge)
        info = run("dpkg-deb", "-I", debs[package])
        assert not [script for script in ("preinst", "postinst", "prerm", "postrm") if script in info], info


def package_files(package):
    """The regular files and links dpkg installed for package (not the directories it shares with others)."""
    listed = run("dpkg-query", "-L", package).split("\n")
    return [path for path in listed if path and (os.path.islink(path) or os.path.isfile(path))]


def test_the_packages_install_and_remove_cleanly(debs, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("dpkg -i needs root")
    already = [f"{package} ({status(package)})" for package in PACKAGES if status(package) != "not-installed"]
    if already:
        pytest.skip(f"{', '.join(already)} already on this machine: not replacing it")
    try:
        run("dpkg", "-i", debs["updraft"], debs["libupdraft-dev"])
        files = package_files("updraft") + package_files("libupdraft-dev")
        for path in ("/usr/bin/updraft", "/usr/libexec/updraft/hello", "/usr/lib/updraft/plugins/libhello_plugin.so",
                     "/usr/share/updraft/systemd/updraft.service", "/usr/share/updraft/systemd/updraft.socket",
                     "/usr/include/updraft/native/application.hpp", "/usr/lib/libupdraft_core.a",
                     "/usr/lib/cmake/updraft/updraftConfig.cmake"):
            assert path in files and os.path.exists(path), path
        assert run("/usr/bin/updraft", "--version").strip() == f"updraft {VERSION}"
        with open("/usr/share/updraft/systemd/updraft.service") as f:
            assert "ExecStart=/usr/bin/updraft " in f.read()
        # The CMake package is found where CMake looks by default, with what libupdraft-dev depends on; the packaged
        # updraft (stripped) still gives a plugin the framework's symbols.
        build = build_out_of_tree("samples/plugin", str(tmp_path))
        assert cached(build, "updraft_DIR") == "/usr/lib/cmake/updraft"
        assert_plugin_served("/usr/bin/updraft", os.path.join(build, "libhello_plugin.so"))
    finally:
        removed = subprocess.run(["dpkg", "-r", *reversed(PACKAGES)], capture_output=True, text=True, timeout=300)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert "warning" not in (removed.stdout + removed.stderr).lower(), removed.stdout + removed.stderr
    assert [status(package) for package in PACKAGES] == ["not-installed"] * len(PACKAGES)  # nothing left to purge
    assert not [path for path in files if os.path.lexists(path)]
    for directory in ("/usr/include/updraft", "/usr/lib/cmake/updraft", "/usr/libexec/updraft", "/usr/lib/updraft",
                      "/usr/share/updraft"):
        assert not os.path.exists(directory), directory
