"""Benchmark: export 100,000 trainees to .xlsx from the admin list, with the peak memory of the process.

Usage:  python benchmarks/export_memory.py [--trainees 100000] [--database-url URL]

The export runs in a new process after the database is filled. A thread
samples the resident memory during the request. The figures printed are the
memory before the request, the peak during it, and their difference.
"""

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def measure(folder, database_url):
    app = common.make_app(database_url, folder=folder)
    client = app.test_client()
    common.login(client, "bench-ministry")
    with common.RssSampler() as memory:
        started = time.perf_counter()
        response = client.get("/admin/trainees/export/xlsx/")
        data = response.get_data()
        seconds = time.perf_counter() - started
    baseline, peak = memory.before_mb, memory.peak_mb
    assert response.status_code == 200, response.status_code
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    rows = sum(1 for _ in sheet.iter_rows(values_only=True)) - 1
    return {"seconds": seconds, "baseline_mb": baseline, "peak_mb": peak, "rows": rows, "bytes": len(data)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL; default a temporary SQLite file")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.database_url)))
        return

    folder = Path(tempfile.mkdtemp(prefix="zhigeng-export-bench-"))
    common.make_app(args.database_url, folder=folder)
    tree = common.seed_tree()
    from seed_trainees import seed

    seed(common.make_workshops(tree["unit"], 100), args.trainees)
    from models import db

    db.close()
    extra = ["--database-url", args.database_url] if args.database_url else []
    result = common.run_child(__file__, "--measure", folder, *extra)
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"export of {result['rows']} trainees on {database}: {result['seconds']:.1f}s, {result['bytes'] / 2**20:.1f} MB file")
    print(
        f"  resident memory: {result['baseline_mb']:.0f} MB before the request, {result['peak_mb']:.0f} MB at its peak,"
        f" {result['peak_mb'] - result['baseline_mb']:.0f} MB for the export"
    )


if __name__ == "__main__":
    main()
