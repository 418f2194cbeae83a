"""Flask extensions, created here and bound to the app in ``create_app``."""

from flask import current_app
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from services.counters import ProcessCounters

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()


class RateLimits:
    """The application's rate-limit counters: a ``limits`` storage and its fixed-window strategy.

    The limited views and the login count their own requests (see
    ``services.rate_limits``), so nothing runs on other requests. The storage
    is this process's memory (``services.counters``), or Redis shared by
    several processes (RATELIMIT_STORAGE_URI); RATELIMIT_ENABLED switches off
    the public limits and the captcha.
    """

    def init_app(self, app):
        uri = app.config["RATELIMIT_STORAGE_URI"]
        storage = ProcessCounters() if uri == "memory://" else storage_from_string(uri)
        app.extensions["zhigeng_rate_limits"] = {
            "storage": storage,
            "strategy": FixedWindowRateLimiter(storage),
            "enabled": bool(app.config.get("RATELIMIT_ENABLED", True)),
        }

    @property
    def storage(self):
        return current_app.extensions["zhigeng_rate_limits"]["storage"]

    @property
    def strategy(self) -> FixedWindowRateLimiter:
        return current_app.extensions["zhigeng_rate_limits"]["strategy"]

    @property
    def enabled(self) -> bool:
        return current_app.extensions["zhigeng_rate_limits"]["enabled"]


limiter = RateLimits()
