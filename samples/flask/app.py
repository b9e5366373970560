"""The Flask sample for updraft: templated pages, a guestbook form, a JSON API, uploads and a streamed response."""
import threading

from flask import Flask, Response, abort, redirect, render_template, request, stream_with_context, url_for

import api
import uploads

app = Flask(__name__)
app.register_blueprint(api.bp)
app.register_blueprint(uploads.bp)

# Guestbook entries live in this process (each -w worker has its own book).
_entries = []
_entries_lock = threading.Lock()


@app.get("/")
def index():
    return render_template("index.html")


@app.get("/guestbook")
def guestbook():
    with _entries_lock:
        entries = list(_entries)
    return render_template("guestbook.html", entries=entries, error=None)


@app.post("/guestbook")
def sign_guestbook():
    name = request.form.get("name", "").strip()
    message = request.form.get("message", "").strip()
    if not name or not message:
        with _entries_lock:
            entries = list(_entries)
        return render_template("guestbook.html", entries=entries, error="Name and message are required."), 400
    with _entries_lock:
        _entries.append({"name": name, "message": message})
    return redirect(url_for("guestbook"), code=303)


@app.get("/stream")
def stream():
    """Streams `n` lines (default 5, at most 10000), each produced only when the previous one was sent."""
    n = request.args.get("n", 5, type=int)
    if n < 0 or n > 10000:
        abort(400)

    def lines():
        for i in range(n):
            yield f"line {i + 1} of {n} from {request.path}\n"

    return Response(stream_with_context(lines()), mimetype="text/plain")
