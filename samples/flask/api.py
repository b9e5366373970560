"""The Flask sample's JSON API: list and create items, with validation errors as 400 JSON bodies."""
import threading

from flask import Blueprint, jsonify, request, url_for

bp = Blueprint("api", __name__, url_prefix="/api")

_items = []
_lock = threading.Lock()


def _error(status, message):
    return jsonify(error=message), status


@bp.get("/items")
def list_items():
    with _lock:
        return jsonify(items=list(_items))


@bp.get("/items/<int:item_id>")
def get_item(item_id):
    with _lock:
        found = next((item for item in _items if item["id"] == item_id), None)
    return jsonify(found) if found else _error(404, "no such item")


@bp.post("/items")
def create_item():
    if not request.is_json:
        return _error(415, "expected Content-Type: application/json")
    data = request.get_json(silent=True)
    if data is None:
        return _error(400, "invalid JSON")
    if not isinstance(data, dict):
        return _error(400, "expected a JSON object")
    name, qty = data.get("name"), data.get("qty", 1)
    if not isinstance(name, str) or not name.strip():
        return _error(400, "name must be a non-empty string")
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < 0:
        return _error(400, "qty must be a non-negative integer")
    with _lock:
        item = {"id": len(_items) + 1, "name": name.strip(), "qty": qty}
        _items.append(item)
    return jsonify(item), 201, {"Location": url_for("api.get_item", item_id=item["id"])}
