"""The floor of the public search benchmark: a Flask endpoint that only returns "ok"."""

from flask import Flask


def create_app():
    app = Flask(__name__)

    @app.get("/")
    def index():
        return "ok"

    return app
