"""Counters for the security and reliability scoreboard, written to test-artifacts/ after a run."""

import json
import os
from collections import defaultdict
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
FIELDS = ("attempts", "refused", "rows_lost", "wrongly_accepted")


class Scoreboard:
    """Totals per check: attempts made, attempts refused, rows lost and inputs wrongly accepted."""

    def __init__(self):
        self.rows = defaultdict(lambda: dict.fromkeys(FIELDS, 0))

    def attempt(self, check: str, refused: bool) -> bool:
        row = self.rows[check]
        row["attempts"] += 1
        row["refused"] += int(refused)
        return refused

    def add(self, check: str, **counts) -> None:
        """Add to the check's counters; counters beyond FIELDS, such as files overwritten, start at zero."""
        row = self.rows[check]
        for name, value in counts.items():
            row[name] = row.get(name, 0) + value

    def row(self, check: str) -> dict:
        return dict(self.rows[check])

    def save(self) -> Path:
        backend = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"scoreboard-{backend}.json"
        path.write_text(json.dumps(self.rows, ensure_ascii=False, indent=2, sort_keys=True))
        return path


SCOREBOARD = Scoreboard()
