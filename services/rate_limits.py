"""Rate limits applied by the views themselves, through Flask-Limiter's storage and strategy.

Flask-Limiter's own per-request pass evaluates every request against its
registered limits. With only a few limited endpoints, that pass cost more than
a quarter of a public search request. It is therefore switched off (see
``extensions.py``), and the limited views call ``limited`` instead. Counts live
in the configured storage: memory, or Redis shared by several processes.
"""

import functools
import logging

from flask import abort, current_app, request
from limits import parse

from extensions import limiter

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=64)
def _parsed(limit: str):
    return parse(limit)


def allow(limit: str, scope: str, key: str) -> bool:
    """Count one request of ``key`` against ``limit`` in ``scope``; return whether it is within the limit."""
    if not limiter.enabled:
        return True
    return limiter.limiter.hit(_parsed(limit), scope, key)


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
