"""Print the security and reliability scoreboard saved by the last test runs.

Usage: python scripts/scoreboard.py  (reads test-artifacts/scoreboard-*.json)
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
    for path in files:
        rows = json.loads(path.read_text())
        backend = path.stem.removeprefix("scoreboard-")
        width = max([len(name) for name in rows] + [5])
        print(f"\nScoreboard ({backend})")
        print("check".ljust(width), *(column.rjust(16) for column in COLUMNS))
        totals = dict.fromkeys(COLUMNS, 0)
        for name in sorted(rows):
            print(name.ljust(width), *(str(rows[name][column]).rjust(16) for column in COLUMNS))
            for column in COLUMNS:
                totals[column] += rows[name][column]
        print("TOTAL".ljust(width), *(str(totals[column]).rjust(16) for column in COLUMNS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
