"""Application settings read from environment variables, with safe defaults."""

import base64
import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent


def _env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _read_or_create_secret(path: Path, size: int) -> bytes:
    """Read a random secret from ``path``, creating it with mode 0600 on first use."""
    if path.exists():
        return base64.b64decode(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_bytes(size)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(value).decode())
    return value


def build_config(overrides=None) -> dict:
    """Collect the configuration: environment first, then ``overrides`` (tests use these)."""
    overrides = dict(overrides or {})
    instance = Path(overrides.get("INSTANCE_PATH") or os.environ.get("ZHIGENG_INSTANCE") or PROJECT_ROOT / "instance").resolve()
    instance.mkdir(parents=True, exist_ok=True)

    secret_key = os.environ.get("ZHIGENG_SECRET_KEY")
    id_key = os.environ.get("ZHIGENG_ID_KEY")
    config = {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secret_key or _read_or_create_secret(instance / "secret_key", 32),
        # Master key for trainee document numbers: 32 bytes, base64 in the environment.
        "ID_KEY": base64.b64decode(id_key) if id_key else _read_or_create_secret(instance / "id_key", 32),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'zhigeng.db'}",
        "UPLOAD_FOLDER": os.environ.get("ZHIGENG_UPLOAD_FOLDER") or str(instance / "uploads"),
        # Largest request body; single uploads have their own, lower limits.
        "MAX_CONTENT_LENGTH": _env_int("ZHIGENG_MAX_REQUEST_MB", 60) * 1024 * 1024,
        "ATTACHMENT_MAX_BYTES": _env_int("ZHIGENG_ATTACHMENT_MAX_MB", 20) * 1024 * 1024,
        # Days after a workshop's end before the dashboard reminds of missing completion materials.
        "COMPLETION_REMINDER_DAYS": _env_int("ZHIGENG_COMPLETION_REMINDER_DAYS", 30),
        "IMPORT_MAX_BYTES": _env_int("ZHIGENG_IMPORT_MAX_MB", 30) * 1024 * 1024,
        # Most trainees one import accepts; a longer list is refused, never cut short.
        "IMPORT_MAX_ROWS": _env_int("ZHIGENG_IMPORT_MAX_ROWS", 100_000),
        # Imports still running after this many seconds answer with a progress page.
        "IMPORT_PROGRESS_AFTER_SECONDS": 1.0,
        "RATELIMIT_STORAGE_URI": os.environ.get("ZHIGENG_REDIS_URL") or "memory://",
        "RATELIMIT_ENABLED": _env_bool("ZHIGENG_RATELIMIT_ENABLED", True),
        # Certificates: a TrueType CJK font file (.ttf or .ttc, "path#index" picks a
        # face of a collection); unset searches the usual system font folders.
        "CERTIFICATE_FONT": os.environ.get("ZHIGENG_CERTIFICATE_FONT", ""),
        # Address the QR codes on certificates lead to, such as https://zhigeng.example.cn;
        # unset uses the address of the request that prints.
        "PUBLIC_URL": os.environ.get("ZHIGENG_PUBLIC_URL", "").rstrip("/"),
        "CERTIFICATE_PRINT_WORKERS": _env_int("ZHIGENG_PRINT_WORKERS", 2),
        "CERTIFICATE_BATCH_MAX": _env_int("ZHIGENG_PRINT_BATCH_MAX", 2000),
        "CERTIFICATE_LINK_MINUTES": _env_int("ZHIGENG_CERTIFICATE_LINK_MINUTES", 30),
        # Limits per client address on the public pages, in the notation of the limits library.
        "SEARCH_RATE_LIMIT": os.environ.get("ZHIGENG_SEARCH_RATE_LIMIT", "10 per minute;60 per hour"),
        "VERIFY_RATE_LIMIT": os.environ.get("ZHIGENG_VERIFY_RATE_LIMIT", "30 per minute;300 per hour"),
        # Misses (nothing found) per client address within 15 minutes before a captcha is asked.
        "CAPTCHA_AFTER_MISSES": _env_int("ZHIGENG_CAPTCHA_AFTER_MISSES", 3),
        "LOGIN_ACCOUNT_MAX_FAILURES": _env_int("ZHIGENG_LOGIN_ACCOUNT_FAILURES", 5),
        "LOGIN_ADDRESS_MAX_FAILURES": _env_int("ZHIGENG_LOGIN_ADDRESS_FAILURES", 20),
        "LOGIN_LOCKOUT_MINUTES": _env_int("ZHIGENG_LOGIN_LOCKOUT_MINUTES", 15),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=_env_int("ZHIGENG_SESSION_IDLE_MINUTES", 30)),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # The cookie also gets Secure on every request that arrived over HTTPS.
        "SESSION_COOKIE_SECURE": _env_bool("ZHIGENG_COOKIE_SECURE", False),
        "SESSION_COOKIE_NAME": "zhigeng_session",
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "TRUSTED_HOSTS": [h for h in os.environ.get("ZHIGENG_TRUSTED_HOSTS", "").split(",") if h] or None,
        # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        "PROXY_COUNT": _env_int("ZHIGENG_PROXY_COUNT", 0),
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "LOG_LEVEL": os.environ.get("ZHIGENG_LOG_LEVEL", "INFO"),
        "TESTING": False,
    }
    config.update(overrides)
    return config
