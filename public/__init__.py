"""Public pages that need no login: certificate search, certificate pages and verification."""

from flask import Blueprint, current_app, send_from_directory

bp = Blueprint("public", __name__)


@bp.route("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=86400)


from . import certificates  # noqa: E402,F401  (registers the certificate routes on bp)
