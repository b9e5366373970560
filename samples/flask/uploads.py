"""The Flask sample's uploads: a multipart file form and a raw body endpoint that hashes huge uploads block by block."""
import hashlib

from flask import Blueprint, jsonify, render_template, request

bp = Blueprint("uploads", __name__)

BLOCK = 64 * 1024


def _digest(stream):
    """Reads a file-like object to its end in blocks; returns (byte count, sha256 hex)."""
    sha, size = hashlib.sha256(), 0
    while block := stream.read(BLOCK):
        sha.update(block)
        size += len(block)
    return size, sha.hexdigest()


@bp.get("/upload")
def upload_form():
    return render_template("upload.html")


@bp.post("/upload")
def upload():
    f = request.files.get("file")
    if f is None or not f.filename:
        return jsonify(error="no file in the 'file' field"), 400
    size, sha256 = _digest(f.stream)
    return jsonify(filename=f.filename, size=size, sha256=sha256)


@bp.post("/upload-raw")
def upload_raw():
    """Hashes the request body as it arrives (request.stream), so memory stays flat for any size."""
    size, sha256 = _digest(request.stream)
    return jsonify(bytes=size, sha256=sha256)
