"""--timeout at the edge: a request that ends right at its deadline races the interrupt, and a late TimeoutError
must never be raised in the next request the thread runs."""
import http.client

from support import APPS_DIR, get


def test_an_interrupt_never_lands_in_the_next_request(server_factory):
    site = server_factory("mixed", "--threads", "1", "--timeout", "0.2", "--chdir", APPS_DIR, "mixed_app:app")
    outcomes = {}
    for i in range(60):
        try:
            outcome = get(site, f"/spin?s={0.196 + (i % 9) * 0.001:.3f}").status
        except http.client.HTTPException:  # the deadline fell after the head was sent: the connection is cut
            outcome = "cut"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        r = get(site, "/hello")
        assert (r.status, r.text) == (200, "wsgi hello\n"), f"after {outcomes}: {site.error_log()[-3000:]}"
    assert set(outcomes) <= {200, 504, "cut"}, outcomes
