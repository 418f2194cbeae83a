"""Flask extensions, created here and bound to the app in ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, strategy="fixed-window")


@limiter.request_filter
def _views_apply_their_own_limits() -> bool:
    """Skip Flask-Limiter's per-request pass; services.rate_limits applies the limits in the views."""
    return True
