"""The in-process rate-limit counters: counting, expiry without a timer thread, and the sweep."""

import threading
import time

from limits import parse
from limits.strategies import FixedWindowRateLimiter

from services import counters
from services.counters import ProcessCounters


def test_limit_refuses_past_its_amount():
    strategy = FixedWindowRateLimiter(ProcessCounters())
    limit = parse("3 per minute")
    assert [strategy.hit(limit, "search", "127.0.0.1") for _ in range(4)] == [True, True, True, False]
    assert strategy.hit(limit, "search", "127.0.0.2")


def test_counter_expires_when_read():
    storage = ProcessCounters()
    assert storage.incr("k", 0.05) == 1
    assert storage.incr("k", 0.05) == 2
    time.sleep(0.06)
    assert storage.get("k") == 0
    assert storage.incr("k", 0.05) == 1


def test_counting_starts_no_thread():
    storage = ProcessCounters()
    before = threading.active_count()
    for n in range(100):
        storage.incr(f"key-{n}", 60)
    assert threading.active_count() == before


def test_sweep_drops_expired_counters(monkeypatch):
    monkeypatch.setattr(counters, "SWEEP_EVERY", 10)
    storage = ProcessCounters()
    for n in range(5):
        storage.incr(f"old-{n}", 0.01)
    time.sleep(0.02)
    for n in range(5):
        storage.incr(f"new-{n}", 60)
    assert sorted(storage._counters) == [f"new-{n}" for n in range(5)]


def test_clear_and_reset():
    storage = ProcessCounters()
    storage.incr("a", 60)
    storage.incr("b", 60)
    storage.clear("a")
    assert storage.get("a") == 0
    assert storage.reset() == 1
    assert storage.get("b") == 0
