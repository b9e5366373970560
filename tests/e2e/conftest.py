"""Shared pytest fixtures: servers started on free ports (support.py) and stopped when the test ends."""
import pytest

from support import start_server, start_updraft


def stopping_at_teardown(start):
    """A fixture body: yields start() as a factory whose servers are stopped when the test ends."""
    started = []

    def factory(*args, **kwargs):
        s = start(*args, **kwargs)
        started.append(s)
        return s

    yield factory
    for s in started:
        s.stop()


@pytest.fixture
def server_factory():
    """start_server as a fixture: the servers it starts are stopped when the test ends."""
    yield from stopping_at_teardown(start_server)


@pytest.fixture
def updraft():
    """start_updraft as a fixture: the servers it starts are stopped when the test ends."""
    yield from stopping_at_teardown(start_updraft)


@pytest.fixture
def hello(server_factory):
    return server_factory("hello")


@pytest.fixture
def native_app(server_factory):
    """tests/native/native_test_app.cpp on one loop thread."""
    return server_factory("native_test_app", "--threads", "1")
