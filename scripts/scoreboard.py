"""Print the security and reliability scoreboard saved by the last test runs.

Usage: python scripts/scoreboard.py  (reads test-artifacts/scoreboard-*.json)

A check passes when every attempt was refused and every other counter (rows
lost, inputs wrongly accepted, bytes left behind, files overwritten) is zero. The script exits with status 1 when any check fails.
"""

import json
import sys
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
COLUMNS = ("attempts", "refused", "rows_lost", "wrongly_accepted")


def main() -> int:
    files = sorted(ARTIFACTS.glob("scoreboard-*.json"))
    if not files:
        print("no scoreboard found; run the tests first")
        return 1
    failed = 0
    for path in files:
        rows = json.loads(path.read_text())
        backend = path.stem.removeprefix("scoreboard-")
        width = max([len(name) for name in rows] + [5])
        print(f"\nScoreboard ({backend})")
        print("check".ljust(width), *(column.rjust(16) for column in COLUMNS), "result".rjust(8))
        totals = dict.fromkeys(COLUMNS, 0)
        for name in sorted(rows):
            row = rows[name]
            # Every counter besides attempts and refused (rows lost, inputs wrongly
            # accepted, bytes left behind, files overwritten) must be zero.
            passed = row["refused"] == row["attempts"] and not any(v for k, v in row.items() if k not in ("attempts", "refused"))
            failed += not passed
            print(name.ljust(width), *(str(row[column]).rjust(16) for column in COLUMNS), ("pass" if passed else "FAIL").rjust(8))
            for column in COLUMNS:
                totals[column] += rows[name][column]
        print("TOTAL".ljust(width), *(str(totals[column]).rjust(16) for column in COLUMNS))
    if failed:
        print(f"\n{failed} checks missed their pass figure")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
