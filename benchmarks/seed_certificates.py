"""Fill a database with issued certificates for the public search benchmark.

Usage: ZHIGENG_INSTANCE=/tmp/zhigeng-bench python benchmarks/seed_certificates.py --count 1000000

The database is the one the application would use (DATABASE_URL, or SQLite
under the instance folder), migrated first. Trainees get synthetic names and
valid resident ID numbers, encrypted with the instance's key, with a keyed
hash, a masked copy, a certificate number, an issue date and a verification
token, in workshops of 1,000 trainees whose certificates are generated.
``--sample`` writes tab-separated name and ID number pairs of some of them,
which the load script posts.
"""

import argparse
import datetime
import random
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from commands import prepare_database  # noqa: E402
from models import CertificateStatus, DeclarationStatus, Trainee, TraineeListStatus, Workshop, db  # noqa: E402
from services.accounts import create_organisation  # noqa: E402
from services.crypto import cipher  # noqa: E402
from services.demo import synthetic_name  # noqa: E402
from services.idnumbers import mask, with_check_digit  # noqa: E402

PER_WORKSHOP = 1000
REGIONS = ["110105", "120101", "320102", "330106", "370102", "440106", "510104", "610113"]


def id_number(index: int) -> str:
    """Return a distinct valid resident ID number for each index below 112 million."""
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=index % 14000)
    sequence = (index // 14000) % 1000
    region = REGIONS[(index // 14_000_000) % len(REGIONS)]
    return with_check_digit(f"{region}{birth:%Y%m%d}{sequence:03d}")


def make_workshop(organisation, number: int) -> Workshop:
    return Workshop.create(
        year=2026,
        name=f"基准测试高级研修班{number:04d}",
        organisation=organisation,
        start_date=datetime.date(2026, 9, 1),
        end_date=datetime.date(2026, 9, 7),
        status=DeclarationStatus.APPROVED,
        trainee_list_status=TraineeListStatus.APPROVED,
        # Locked after its trainees are inserted: a locked list refuses new rows.
        trainee_list_locked=False,
        certificate_status=CertificateStatus.GENERATED,
    )


def trainee_rows(workshop_id: int, start: int, rng: random.Random, box) -> list[dict]:
    rows = []
    for index in range(start, start + PER_WORKSHOP):
        number = id_number(index)
        rows.append(
            {
                "workshop": workshop_id,
                "name": synthetic_name(rng),
                "document_type": "resident_id",
                "id_number_encrypted": box.encrypt(number),
                "id_number_hash": box.lookup_hash(number),
                "id_number_masked": mask(number),
                "hours": 40,
                "phone": "",
                "needs_verification": False,
                "certificate_number": f"BM2026{index:08d}",
                "certificate_issued_on": datetime.date(2026, 9, 30),
                "verify_token": secrets.token_urlsafe(16),
                "print_count": 0,
                "revoked": False,
                "created_at": datetime.datetime(2026, 9, 30, 9, 0),
            }
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description="Fill the database with issued certificates.")
    parser.add_argument("--count", type=int, default=1_000_000, help="number of certificates (default 1,000,000)")
    parser.add_argument("--sample", default="", help="write this many name/ID pairs to --sample-file")
    parser.add_argument("--sample-file", default="benchmark-people.tsv", help="where the pairs go")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        prepare_database()
        started = time.perf_counter()
        rng = random.Random(2026)
        box = cipher()
        sample_every = max(1, args.count // int(args.sample or 1))
        samples = []
        with db.connection_context():
            organisation = create_organisation("基准测试单位", f"BENCH-{secrets.token_hex(3)}")
            for start in range(0, args.count, PER_WORKSHOP):
                with db.atomic():
                    workshop = make_workshop(organisation, start // PER_WORKSHOP)
                    rows = trainee_rows(workshop.id, start, rng, box)
                    for offset in range(0, len(rows), 250):
                        Trainee.insert_many(rows[offset : offset + 250]).execute()
                    Workshop.update(trainee_list_locked=True).where(Workshop.id == workshop.id).execute()
                samples += [(row["name"], id_number(start + i)) for i, row in enumerate(rows) if (start + i) % sample_every == 0]
                if start % 100_000 == 0:
                    print(f"{start + PER_WORKSHOP} certificates, {time.perf_counter() - started:.0f} s", flush=True)
        if args.sample:
            Path(args.sample_file).write_text("".join(f"{name}\t{number}\n" for name, number in samples), encoding="utf-8")
        print(f"done: {args.count} certificates in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
