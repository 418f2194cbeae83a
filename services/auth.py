"""Passwords, login throttling and session invalidation."""

import datetime
import logging
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from limits import parse

from extensions import limiter
from models import Organisation, User

from . import audit
from .errors import ValidationFailed

logger = logging.getLogger(__name__)

# Argon2id with 64 MiB and 3 passes (argon2-cffi's defaults, above the OWASP
# minimum of 19 MiB and 2 passes). Tests lower the cost through configuration.
_default_hasher = PasswordHasher()
_DUMMY_HASH = _default_hasher.hash(secrets.token_hex(16))


def _hasher() -> PasswordHasher:
    return current_app.extensions.get("zhigeng_hasher", _default_hasher)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < 8:
        raise ValidationFailed(_("The password must have at least 8 characters."))
    kinds = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if kinds < 3:
        raise ValidationFailed(
            _("The password must mix at least three of: lower-case letters, upper-case letters, digits, symbols.")
        )


def _limits():
    config = current_app.config
    window = config["LOGIN_LOCKOUT_MINUTES"]
    account = parse(f"{config['LOGIN_ACCOUNT_MAX_FAILURES']} per {window} minutes")
    address = parse(f"{config['LOGIN_ADDRESS_MAX_FAILURES']} per {window} minutes")
    return account, address


class LoginRefused(Exception):
    """Login failed; ``message`` is the translated text to show."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def authenticate(username: str, password: str, client_address: str) -> User:
    """Check a login attempt and return the user, or raise ``LoginRefused``.

    A wrong password and an unknown user get the same message and take the same
    time (a dummy hash is verified for unknown users). Failures count against
    the account name and the client address; past the limit every attempt is
    refused until the window passes.
    """
    username = (username or "").strip()
    account_limit, address_limit = _limits()
    strategy = limiter.strategy
    account_key = username.lower()
    if not strategy.test(account_limit, "login-account", account_key) or not strategy.test(
        address_limit, "login-address", client_address
    ):
        logger.warning("Login throttled for an account or address")
        raise LoginRefused(
            _(
                "Too many failed attempts. Wait %(minutes)d minutes and try again.",
                minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"],
            )
        )

    user = User.select(User, Organisation).join(Organisation).where(User.username == username).first()
    ok = False
    try:
        if user is not None:
            ok = _hasher().verify(user.password_hash, password or "")
        else:
            _hasher().verify(_DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        ok = False

    if not ok or not user.is_active or not user.organisation.is_active:
        strategy.hit(account_limit, "login-account", account_key)
        strategy.hit(address_limit, "login-address", client_address)
        logger.warning("Failed login (user id %s)", user.id if user else "unknown")
        raise LoginRefused(_("Wrong username or password."))

    strategy.clear(account_limit, "login-account", account_key)
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = datetime.datetime.now()
    User.update(last_login_at=user.last_login_at, password_hash=user.password_hash).where(User.id == user.id).execute()
    logger.info("User %s logged in", user.id)
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session of ``user`` by raising its session version."""
    User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
    user.session_version = User.get_by_id(user.id).session_version


def change_password(user: User, old_password: str, new_password: str) -> None:
    try:
        _hasher().verify(user.password_hash, old_password or "")
    except (VerificationError, InvalidHashError):
        raise ValidationFailed(_("The current password is wrong.")) from None
    check_password_strength(new_password)
    set_password(user, new_password, actor=user)


def set_password(user: User, new_password: str, actor: User) -> None:
    """Store a new password, end the user's sessions and audit the change."""
    user.password_hash = hash_password(new_password)
    User.update(password_hash=user.password_hash, password_changed_at=datetime.datetime.now()).where(User.id == user.id).execute()
    end_sessions(user)
    action = "password_change" if actor.id == user.id else "password_reset"
    audit.record(actor, action, user)
    logger.info("Password of user %s set by user %s", user.id, actor.id)


def generate_password() -> str:
    """Generate a random password that passes ``check_password_strength``."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    body = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{body}#{secrets.randbelow(90) + 10}Aa"
