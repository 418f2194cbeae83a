"""Fill a benchmark database with many synthetic trainees quickly (used by the list and export benchmarks)."""

import datetime
import decimal

from models import Trainee, db
from services.crypto import cipher
from services.idnumbers import mask, with_check_digit
from services.trainees import STORED_FIELDS


def seed(workshop_ids, total: int, batch=1000):
    """Insert ``total`` trainees spread evenly over ``workshop_ids``; ID numbers are valid and unique per workshop."""
    box = cipher()
    now = datetime.datetime.now()
    hours = decimal.Decimal("40.0")
    start = datetime.date(1960, 1, 1)
    per_workshop = -(-total // len(workshop_ids))
    rows = []
    with db.atomic():
        for n in range(total):
            workshop_id = workshop_ids[n // per_workshop]
            local = n % per_workshop
            birth = start + datetime.timedelta(days=local % 14600)
            number = with_check_digit(f"110105{birth:%Y%m%d}{local // 14600:03d}")
            rows.append(
                (
                    workshop_id,
                    f"学员{n}",
                    hours,
                    f"138{n:08d}",
                    "resident_id",
                    False,
                    box.encrypt(number),
                    box.lookup_hash(number),
                    mask(number),
                    now,
                )
            )
            if len(rows) == batch:
                Trainee.insert_prepared(STORED_FIELDS, rows)
                rows = []
        if rows:
            Trainee.insert_prepared(STORED_FIELDS, rows)
