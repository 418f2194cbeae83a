"""Rate limits and the captcha with counters in Redis, as production with several processes runs them.

The tests use database 14 of the Redis server on 127.0.0.1:6379 and empty it
before and after. They are skipped when no Redis server responds there.
"""

import pytest
import redis

from app import create_app
from tests.certificates.conftest import resident_id
from tests.certificates.test_public_search import search

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_app(tmp_path, database_url, org_tree):
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    connection.flushdb()
    application = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "redis"),
            "DATABASE_URL": database_url,
            "TESTING": True,
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "TRUSTED_HOSTS": ["localhost"],
        }
    )
    yield application
    connection.flushdb()
    connection.close()


def test_redis_search_limit_engages(redis_app):
    redis_app.config["SEARCH_RATE_LIMIT"] = "3 per minute;10 per hour"
    redis_app.config["CAPTCHA_AFTER_MISSES"] = 100
    client = redis_app.test_client()
    statuses = [search(client, "无此人", resident_id(order=97)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_redis_captcha_after_misses(redis_app):
    redis_app.config["CAPTCHA_AFTER_MISSES"] = 2
    client = redis_app.test_client()
    for _ in range(2):
        search(client, "无此人", resident_id(order=96))
    html = search(client, "无此人", resident_id(order=96)).get_data(as_text=True)
    assert "验证码" in html
    assert client.get("/captcha.png").status_code == 200
