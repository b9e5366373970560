"""Fails a test when a server run under ASan, UBSan or TSan printed a report to its error log."""
import re

REPORT = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|WARNING: ThreadSanitizer|runtime error: ")


def assert_clean(error_log, what="server"):
    """Raises AssertionError quoting the first sanitizer report found in error_log (str or bytes)."""
    if isinstance(error_log, bytes):
        error_log = error_log.decode("utf-8", "replace")
    m = REPORT.search(error_log)
    if m:
        start = max(0, m.start() - 200)
        raise AssertionError(f"{what} printed a sanitizer report:\n{error_log[start:start + 4000]}")
