"""Benchmark: check and import 30,000 and 100,000 trainee rows against openpyxl reading the same file.

Usage:  python benchmarks/import_speed.py [--rows 30000 100000] [--database-url URL]

Each measurement runs in its own process, so that the peak memory printed is
that of one import, and the floor and the import alternate. The floor is
openpyxl alone iterating the file's values in read-only mode. The import is
the application's check (normalisation, ID checks, duplicates), encryption
and hashing of every ID number, and the inserts in one transaction. It uses
a temporary SQLite database unless a PostgreSQL URL is given, whose public
schema is dropped.
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


def unique_rows(rows: int):
    """Rows with distinct valid ID numbers: the birth date and sequence digits both follow the row index."""
    import datetime

    from services.idnumbers import with_check_digit

    start = datetime.date(1960, 1, 1)
    for n in range(rows):
        birth = start + datetime.timedelta(days=n % 14600)
        sequence = n // 14600
        yield (f"学员{n}", 40, with_check_digit(f"110105{birth:%Y%m%d}{sequence:03d}"), f"138{n:08d}")


def write_file(path: Path, rows: int):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("学员名单")
    sheet.append(["姓名", "完成学时", "身份证号", "联系电话"])
    for row in unique_rows(rows):
        sheet.append(row)
    workbook.save(path)


def _best(runs: list[dict]) -> dict:
    """Pick the run with the least wall time, because other processes load the machine unevenly."""
    return min(runs, key=lambda run: run["seconds"])


def _timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def measure_floor(path: Path, repeat: int) -> dict:
    from openpyxl import load_workbook

    data = path.read_bytes()

    def read():
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
        workbook.close()
        return count - 1

    runs = []
    for _ in range(repeat):
        with common.RssSampler() as memory:
            count, wall, cpu = _timed(read)
        runs.append({"seconds": wall, "cpu_seconds": cpu, "rows": count, "peak_mb": memory.peak_mb})
    return _best(runs)


def measure_import(path: Path, database_url: str | None, repeat: int) -> dict:
    app = common.make_app(database_url)
    tree = common.seed_tree()
    workshop_ids = common.make_workshops(tree["unit"], repeat)
    from services import trainee_import, trainees

    data = path.read_bytes()
    limits = {"max_rows": app.config["IMPORT_MAX_ROWS"], "max_bytes": app.config["IMPORT_MAX_BYTES"]}
    runs = []
    for workshop_id in workshop_ids:
        with common.RssSampler() as memory:
            check, check_wall, check_cpu = _timed(lambda: trainee_import.check_workbook(data, **limits))
            assert check.accept, check.errors[:3]
            added, insert_wall, insert_cpu = _timed(
                lambda workshop_id=workshop_id, check=check: trainees.import_rows(tree["manager"], workshop_id, check)
            )
            del check
        runs.append(
            {
                "seconds": check_wall + insert_wall,
                "cpu_seconds": check_cpu + insert_cpu,
                "check_seconds": check_wall,
                "insert_seconds": insert_wall,
                "rows": added,
                "peak_mb": memory.peak_mb,
                "before_mb": memory.before_mb,
            }
        )
    return _best(runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[30000, 100000])
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL; default a temporary SQLite file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest is printed")
    parser.add_argument("--measure", choices=["floor", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure == "floor":
        print(json.dumps(measure_floor(args.file, args.repeat)))
        return
    if args.measure == "import":
        print(json.dumps(measure_import(args.file, args.database_url, args.repeat)))
        return

    folder = Path(tempfile.mkdtemp(prefix="zhigeng-import-bench-"))
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"import benchmark on {database}: fastest of {args.repeat} alternating runs, each in a new process")
    print("times are wall clock with CPU time in brackets; MB is the peak resident memory of the process while it runs")
    print(
        f"{'rows':>8} {'openpyxl read':>16} {'import':>16} {'ratio':>6} {'check':>7} {'insert':>7} {'floor MB':>9} {'import MB':>10}"
    )
    extra = ["--database-url", args.database_url] if args.database_url else []
    for rows in args.rows:
        path = folder / f"trainees-{rows}.xlsx"
        write_file(path, rows)
        floors, imports = [], []
        # Alternating the two measurements spreads the load of other processes on this machine over both.
        for _ in range(args.repeat):
            floors.append(common.run_child(__file__, "--measure", "floor", "--file", path, "--repeat", 1))
            imports.append(common.run_child(__file__, "--measure", "import", "--file", path, "--repeat", 1, *extra))
        floor, full = _best(floors), _best(imports)
        assert full["rows"] == rows == floor["rows"], (full, floor)
        print(
            f"{rows:>8} {floor['seconds']:>7.2f}s ({floor['cpu_seconds']:5.2f}s)"
            f" {full['seconds']:>7.2f}s ({full['cpu_seconds']:5.2f}s) {full['seconds'] / floor['seconds']:>6.2f}"
            f" {full['check_seconds']:>6.2f}s {full['insert_seconds']:>6.2f}s"
            f" {max(f['peak_mb'] for f in floors):>9.0f} {max(i['peak_mb'] for i in imports):>10.0f}"
        )


if __name__ == "__main__":
    main()
