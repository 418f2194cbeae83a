"""Public pages that need no login."""

from flask import Blueprint, current_app, render_template, send_from_directory

bp = Blueprint("public", __name__)


@bp.route("/")
def index():
    return render_template("public/index.html")


@bp.route("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=86400)
