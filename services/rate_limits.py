"""Rate limits applied by the views themselves, counted in the storage of ``extensions.limiter``.

Only a few views are limited, so each counts its own requests. Flask-Limiter's
hook, which evaluated every request, cost more than a quarter of a public
search. Counts live in the configured
storage: memory, or Redis shared by several processes.
"""

import functools
import logging

from flask import abort, current_app, request
from limits import parse_many

from extensions import limiter

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=64)
def _parsed(limit: str) -> tuple:
    """Parse a limits string; several limits are separated by semicolons, as in "10 per minute;60 per hour"."""
    return tuple(parse_many(limit))


def allow(limit: str, scope: str, key: str) -> bool:
    """Count one request of ``key`` against every limit in ``limit`` and return whether it is within them all.

    Each limit costs one counter update (one round trip with Redis), so a
    refused request still counts against the other limits of the setting.
    """
    if not limiter.enabled:
        return True
    strategy = limiter.strategy
    return all([strategy.hit(item, scope, key) for item in _parsed(limit)])


def limited(limit: str, scope: str):
    """Decorate a view so that requests over ``limit`` per client address get 429.

    ``limit`` is a limits string such as "30 per minute", or the name of a
    setting that contains one.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            value = current_app.config.get(limit, limit)
            if not allow(value, scope, request.remote_addr or ""):
                logger.warning("Rate limit %s reached for scope %s", value, scope)
                abort(429)
            return view(*args, **kwargs)

        return wrapper

    return decorator
