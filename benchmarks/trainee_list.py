"""Benchmark: the trainee admin list page (page size 20, default sort) over 1,000,000 trainees.

Usage:  python benchmarks/trainee_list.py [--trainees 1000000] [--requests 20] [--database-url URL]

It renders /admin/trainees/ as the ministry reviewer, whose scope is every
row. It prints the median time of three variants measured in the same run:
the page as shipped (count bounded at COUNT_LIMIT + 1 rows), the same page
without any pagination count (the floor), and the page with a full COUNT(*)
as Flask-Admin counts by default.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def timed_page(client, url, requests):
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=1_000_000)
    parser.add_argument("--workshops", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL; default a temporary SQLite file")
    args = parser.parse_args()

    app = common.make_app(args.database_url)
    tree = common.seed_tree()
    workshop_ids = common.make_workshops(tree["unit"], args.workshops)
    from seed_trainees import seed

    started = time.perf_counter()
    seed(workshop_ids, args.trainees)
    print(f"seeded {args.trainees} trainees in {time.perf_counter() - started:.0f}s")
    from models import db

    if common.is_sqlite_url(args.database_url):
        db.execute_sql("ANALYZE")
    else:
        db.execute_sql("ANALYZE trainee")

    import admin_views.base as base

    client = app.test_client()
    common.login(client, "bench-ministry")
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "trainees")
    url = "/admin/trainees/"
    client.get(url)

    shipped = timed_page(client, url, args.requests)
    view.simple_list_pager = True
    floor = timed_page(client, url, args.requests)
    view.simple_list_pager = False
    limit = base.COUNT_LIMIT
    base.COUNT_LIMIT = 10**12
    full_count = timed_page(client, url, args.requests)
    base.COUNT_LIMIT = limit
    workshop_page = timed_page(client, f"{url}?flt0_0={workshop_ids[len(workshop_ids) // 2]}", args.requests)

    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"trainee list over {args.trainees} trainees on {database}, median of {args.requests} requests")
    print(f"  page without a count (floor):      {floor * 1000:7.1f} ms")
    print(f"  page as shipped (bounded count):   {shipped * 1000:7.1f} ms  ratio {shipped / floor:.2f}")
    print(f"  page with a full COUNT(*):         {full_count * 1000:7.1f} ms  ratio {full_count / floor:.2f}")
    print(f"  one workshop's list (filtered):    {workshop_page * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
