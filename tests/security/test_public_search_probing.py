"""Probing the public search: the misses look alike, wildcards match nothing, and the rate limit engages."""

import statistics
import time

import pytest

from tests.certificates.conftest import resident_id
from tests.certificates.test_public_search import result_page, search
from tests.conftest import csrf_token_from

ROUNDS = 60
TIMING_SPREAD_MS = 5.0


@pytest.fixture
def people(app, org_tree, make_issued_workshop, make_workshop, make_trainee):
    """A certificate holder and a trainee whose certificate is not issued yet; limits raised for probing."""
    app.config["CAPTCHA_AFTER_MISSES"] = 100_000
    app.config["SEARCH_RATE_LIMIT"] = "100000 per minute"
    holder_id = resident_id(birth="19850312", order=41)
    _, trainees = make_issued_workshop(org_tree["unit_a1"], [("王小明", holder_id)], name="数字经济高级研修班")
    pending_id = resident_id(birth="19850312", order=42)
    make_trainee(make_workshop(org_tree["unit_a2"]), pending_id, name="陈未发")
    return {"holder_id": holder_id, "number": trainees[0].certificate_number, "pending_id": pending_id}


def misses(people):
    """The three kinds of miss: an unknown ID, a right ID under another name, a certificate not issued yet."""
    return {
        "unknown ID": ("王小明", resident_id(birth="19850312", order=43)),
        "other name": ("王小红", people["holder_id"]),
        "not issued": ("陈未发", people["pending_id"]),
    }


def timed_search(client, name, id_number):
    """POST one search and return (response, milliseconds); the GET for the form token is not timed."""
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    started = time.perf_counter()
    response = client.post("/", data={"name": name, "id_number": id_number, "csrf_token": token})
    return response, (time.perf_counter() - started) * 1000


def test_misses_identical_pages(client, people, scoreboard):
    pages = {kind: result_page(search(client, *query)) for kind, query in misses(people).items()}
    reference = pages["unknown ID"]
    for kind, page in pages.items():
        scoreboard.attempt("public search: misses alike", page == reference)
        assert page == reference, kind
    assert people["number"] not in reference
    assert "未查询到证书" in reference


def test_miss_timings_within_five_ms(client, people, scoreboard):
    queries = misses(people)
    timings = {kind: [] for kind in queries}
    for _ in range(ROUNDS):
        for kind, query in queries.items():
            response, elapsed = timed_search(client, *query)
            assert response.status_code == 200
            timings[kind].append(elapsed)
    medians = {kind: statistics.median(values) for kind, values in timings.items()}
    spread = max(medians.values()) - min(medians.values())
    scoreboard.attempt("public search: miss timing", spread < TIMING_SPREAD_MS)
    print("median milliseconds per kind of miss:", {kind: round(value, 2) for kind, value in medians.items()})
    assert spread < TIMING_SPREAD_MS, medians


WILDCARD_NAMES = ["%", "*", "_", "王%", "王*", "王", "王小", "_小明", "王小明%", "王小明*", ".*", "王小明' OR '1'='1", "王?明"]


def wildcard_ids(holder_id):
    return [
        "%",
        "*",
        holder_id[:17] + "%",
        holder_id[:17] + "_",
        holder_id[:16] + "*",
        holder_id[:14],
        holder_id[:17],
        holder_id[6:],
        "%" + holder_id[6:],
        holder_id + "%",
    ]


def test_wildcards_and_partial_input_match_nothing(client, people, scoreboard):
    queries = [(name, people["holder_id"]) for name in WILDCARD_NAMES]
    queries += [("王小明", number) for number in wildcard_ids(people["holder_id"])]
    queries += [("%", "%"), ("*", "*")]
    found = []
    for name, number in queries:
        html = search(client, name, number).get_data(as_text=True)
        matched = people["number"] in html or "数字经济高级研修班" in html
        scoreboard.attempt("public search: wildcards and partial input", not matched)
        if matched:
            found.append((name, number[:4]))
    assert found == []
    assert people["number"] in search(client, "王小明", people["holder_id"]).get_data(as_text=True)


def test_search_rate_limit_engages(app, client, people, scoreboard):
    app.config["SEARCH_RATE_LIMIT"] = "5 per minute"
    statuses = [search(client, "王小明", people["holder_id"]).status_code for _ in range(8)]
    for status in statuses[5:]:
        scoreboard.attempt("public search: rate limit", status == 429)
    assert statuses == [200] * 5 + [429] * 3
    assert "请求过于频繁" in search(client, "王小明", people["holder_id"]).get_data(as_text=True)
