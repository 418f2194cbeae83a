"""Zhigeng back office: the application factory and the ``python app.py`` entry point."""

import argparse
import logging

from argon2 import PasswordHasher
from flask import Flask, render_template, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from config import build_config
from extensions import babel, csrf, limiter, login_manager
from logging_setup import configure_logging
from models import Organisation, User, db, init_database

logger = logging.getLogger(__name__)


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        from flask import has_request_context

        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))


def _load_user(session_id):
    user_id, _, version = (session_id or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = User.select(User, Organisation).join(Organisation).where(User.id == int(user_id)).first()
    if user is None or user.session_version != int(version):
        return None
    if not user.is_active or not user.organisation.is_active:
        return None
    return user


def _can_build_urls() -> bool:
    from flask import globals as flask_globals

    context = flask_globals._cv_request.get(None)
    return context is not None and context.url_adapter is not None


def _configure_security(app):
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.session_interface = HttpsAwareSessionInterface()

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith(("/admin", "/login", "/account")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _configure_database(app):
    init_database(app.config["DATABASE_URL"])

    @app.before_request
    def open_connection():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def close_connection(exc):
        if not db.is_closed():
            db.close()


def _configure_errors(app):
    def page(code, title, message):
        if not _can_build_urls():
            # An untrusted Host header leaves the request without a URL adapter,
            # so the page cannot link anywhere; answer with plain text.
            return f"{code} {title}: {message}", code, {"Content-Type": "text/plain; charset=utf-8"}
        return render_template("error.html", code=code, title=title, message=message), code

    from flask_babel import gettext as _
    from flask_wtf.csrf import CSRFError

    app.register_error_handler(400, lambda e: page(400, _("Bad request"), _("The request could not be understood.")))
    app.register_error_handler(
        CSRFError,
        lambda e: page(
            400, _("Form expired"), _("The form has expired or did not come from this site. Reload the page and try again.")
        ),
    )
    app.register_error_handler(403, lambda e: page(403, _("Access denied"), _("You do not have permission to open this page.")))
    app.register_error_handler(
        404, lambda e: page(404, _("Not found"), _("The page or record does not exist, or you may not see it."))
    )
    app.register_error_handler(
        413, lambda e: page(413, _("File too large"), _("The upload is larger than the site accepts. Upload a smaller file."))
    )
    app.register_error_handler(
        429,
        lambda e: page(429, _("Too many requests"), _("Too many requests from your address. Wait a few minutes and try again.")),
    )

    def server_error(e):
        logger.exception("Unhandled error on %s", request.path)
        return page(500, _("Server error"), _("Something went wrong on our side. Nothing was changed; try again later."))

    app.register_error_handler(500, server_error)


def _install_template_translations(app):
    """Give templates the zh_Hans_CN catalogue directly.

    The locale never changes, and Flask-Babel's per-call lookup of the request's
    translations cost about a tenth of a public search request.
    """
    import flask_babel

    with app.app_context():
        translations = flask_babel.get_translations()
    app.jinja_env.install_gettext_callables(gettext=translations.ugettext, ngettext=translations.ungettext, newstyle=True)


def create_app(config=None):
    """Build the application. ``config`` overrides settings (tests pass a database URL and paths)."""
    settings = build_config(config)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"])
    app.config.update(settings)
    configure_logging(app.config["LOG_LEVEL"])

    _configure_security(app)
    _configure_database(app)

    babel.init_app(app, locale_selector=lambda: "zh_Hans_CN", timezone_selector=lambda: "Asia/Shanghai")
    _install_template_translations(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "auth.login"
    # Sessions end through the per-user session version; Flask-Login's own
    # protection would write "_fresh" into every anonymous visitor's cookie.
    login_manager.session_protection = None
    if app.config.get("PASSWORD_HASH_COST") == "low":
        # Tests create many accounts; the same Argon2id with a small memory cost.
        app.extensions["zhigeng_hasher"] = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

    from admin_views import init_admin
    from admin_views.auth import bp as auth_bp
    from admin_views.files import bp as files_bp
    from public import bp as public_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(files_bp)
    app.register_blueprint(public_bp)
    init_admin(app)

    from services import audit

    app.jinja_env.globals.update(describe_action=audit.describe_action, describe_status=audit.describe_status)

    from commands import register_commands

    register_commands(app)
    _configure_errors(app)
    return app


def main(argv=None):
    """Start the development server; create the database on first start."""
    parser = argparse.ArgumentParser(description="Start the Zhigeng back office.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="port to listen on (default 5000)")
    parser.add_argument(
        "--demo", action="store_true", help="load the demo organisations, accounts and workshops into a new database"
    )
    args = parser.parse_args(argv)

    app = create_app()
    from commands import prepare_database

    with app.app_context():
        prepare_database(demo=args.demo)
    app.run(host=args.host, port=args.port, debug=False, threaded=True)


if __name__ == "__main__":
    main()
