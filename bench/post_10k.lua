-- wrk script for wsgi_vs_peers.sh: every request is POST / with a 10 KiB application/octet-stream body.
wrk.method = "POST"
wrk.body = string.rep("x", 10240)
wrk.headers["Content-Type"] = "application/octet-stream"
