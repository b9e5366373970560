"""Access log: one line per request (remote address, request line, status, bytes, and the duration when the format
asks for it), on stdout or to a file; the default line is gunicorn's, exactly."""
import re
import time

from support import SLACK, ResponseReader, read_until_closed

LINE = re.compile(
    r'^(?P<host>\S+) - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "(?P<request>[^"]*)" '
    r'(?P<status>\d{3}) (?P<bytes>\d+|-) "(?P<referer>[^"]*)" "(?P<agent>[^"]*)"( (?P<micros>\d+))?$')
GUNICORN_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'


class LineReader:
    """Takes the server's stdout lines after its 'listening on' line, waiting for them with a timeout."""

    def __init__(self, server):
        self.server = server
        self.taken = server.start_lines

    def take(self, n, timeout=3):
        """Up to n more lines: fewer if they do not come within timeout seconds."""
        want = self.taken + n
        try:
            lines = self.server.wait_stdout(lambda ls: len(ls) >= want, timeout)
        except AssertionError:  # fewer came
            lines = self.server.stdout_lines()
        out = lines[self.taken:want]
        self.taken += len(out)
        return out


def parse(line):
    m = LINE.match(line)
    assert m, f"not an access log line: {line!r}"
    return m.groupdict()


def close_request(server, raw):
    s = server.connect()
    s.sendall(raw)
    data = read_until_closed(s)
    s.close()
    return data


def test_one_line_per_request_on_stdout(server_factory):
    server = server_factory("hello", "--access-log", "-", "--access-logformat", GUNICORN_FORMAT + " %(D)s")
    log = LineReader(server)
    s = server.connect()
    r = ResponseReader(s)
    s.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nUser-Agent: e2e/1.0\r\nReferer: http://example.com/\r\n\r\n")
    assert r.read()[0] == 200
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello")
    assert r.read()[0] == 200
    s.sendall(b"GET /sleep?ms=200 HTTP/1.1\r\nHost: test\r\n\r\n")
    assert r.read()[0] == 200
    s.sendall(b"HEAD / HTTP/1.1\r\nHost: test\r\n\r\n")
    assert r.read("HEAD")[0] == 200
    lines = [parse(line) for line in log.take(4)]
    assert len(lines) == 4
    assert all(line["host"] == "127.0.0.1" for line in lines)
    get, echo, sleep, head = lines
    assert (get["request"], get["status"], get["bytes"]) == ("GET / HTTP/1.1", "200", "13")
    assert (get["referer"], get["agent"]) == ("http://example.com/", "e2e/1.0")
    assert (echo["request"], echo["status"], echo["bytes"]) == ("POST /echo HTTP/1.1", "200", "5")
    assert (sleep["request"], sleep["status"], sleep["bytes"]) == ("GET /sleep?ms=200 HTTP/1.1", "200", "12")
    assert 200_000 <= int(sleep["micros"]) < 2_000_000
    assert int(get["micros"]) < 200_000 * SLACK
    assert (head["request"], head["status"]) == ("HEAD / HTTP/1.1", "200")
    assert head["bytes"] in ("0", "-")
    assert log.take(1, timeout=0.5) == []


def test_rejected_requests_are_logged(server_factory):
    server = server_factory("hello", "--access-log", "-", "--max-body-size", "10")
    log = LineReader(server)
    close_request(server, b"GET / HTTP/1.1\r\n\r\n")
    close_request(server, b"POST /echo HTTP/1.0\r\nContent-Length: 11\r\n\r\n")
    close_request(server, b"GET / HTTP/1.0\r\n\r\n")
    lines = [parse(line) for line in log.take(3)]
    assert [(line["request"], line["status"]) for line in lines] == [
        ("GET / HTTP/1.1", "400"), ("POST /echo HTTP/1.0", "413"), ("GET / HTTP/1.0", "200")]


def test_lines_still_buffered_at_shutdown_are_written(server_factory):
    server = server_factory("hello", "--access-log", "-")
    for _ in range(3):
        close_request(server, b"GET / HTTP/1.0\r\n\r\n")
    code = server.stop(timeout=5)  # SIGTERM; stdout_lines() then holds all it wrote
    lines = [parse(line) for line in server.stdout_lines()[server.start_lines:]]
    assert [line["request"] for line in lines] == ["GET / HTTP/1.0"] * 3
    assert code == 0


def test_access_log_to_a_file(server_factory, tmp_path):
    path = tmp_path / "access.log"
    server = server_factory("hello", "--access-log", str(path))
    close_request(server, b"GET / HTTP/1.0\r\n\r\n")
    close_request(server, b"POST /echo HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi")
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and len(path.read_text().splitlines()) < 2:
        time.sleep(0.05)
    lines = [parse(line) for line in path.read_text().splitlines()]
    assert [(line["request"], line["status"], line["bytes"]) for line in lines] == [
        ("GET / HTTP/1.0", "200", "13"), ("POST /echo HTTP/1.0", "200", "2")]


def test_no_access_log_by_default(server_factory):
    server = server_factory("hello")
    log = LineReader(server)
    close_request(server, b"GET / HTTP/1.0\r\n\r\n")
    assert log.take(1, timeout=1) == []


def test_the_default_line_is_gunicorns(server_factory):
    server = server_factory("hello", "--access-log", "-")
    log = LineReader(server)
    s = server.connect()
    s.sendall(b"GET /?x=1 HTTP/1.1\r\nHost: test\r\nUser-Agent: e2e/1.0\r\n\r\n")
    assert ResponseReader(s).read()[0] == 200
    line = log.take(1)[0]
    assert re.fullmatch(r'127\.0\.0\.1 - - \[[^]]+\] "GET /\?x=1 HTTP/1\.1" 200 \d+ "-" "e2e/1\.0"', line), line
