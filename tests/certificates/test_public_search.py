"""Public certificate search: normalised input, the three misses, links that expire."""

import pytest

from tests.certificates.conftest import resident_id
from tests.conftest import csrf_token_from


@pytest.fixture
def holder(org_tree, make_issued_workshop):
    number = resident_id(birth="19850312", order=21)
    workshop, trainees = make_issued_workshop(org_tree["unit_a1"], [("王小明", number)], name="人工智能高级研修班")
    return {"id_number": number, "workshop": workshop, "trainee": trainees[0]}


def search(client, name, id_number, **extra):
    page = client.get("/")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/", data={"name": name, "id_number": id_number, "csrf_token": token, **extra})


def test_search_smoke(client, holder):
    response = search(client, "王小明", holder["id_number"])
    html = response.get_data(as_text=True)
    print(html)
    assert "人工智能高级研修班" in html
