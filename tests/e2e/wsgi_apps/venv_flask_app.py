"""For the --virtualenv tests: a Flask app (Flask from Debian's dist-packages) that says where its Flask came from."""
import flask

app = flask.Flask(__name__)


@app.route("/")
def where():
    return {"flask": flask.__file__}
