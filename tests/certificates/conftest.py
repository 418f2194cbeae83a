"""Fixtures for certificate tests: workshops whose certificates are issued."""

import datetime
import itertools
import secrets

import pytest

from models import CertificateStatus, DeclarationStatus, Trainee, TraineeListStatus, Workshop
from services.idnumbers import with_check_digit

_serial = itertools.count(1)


def resident_id(region="320102", birth="19800101", order=None) -> str:
    """A valid resident ID number; ``order`` picks the three sequence digits."""
    order = next(_serial) % 1000 if order is None else order
    return with_check_digit(f"{region}{birth}{order:03d}")


@pytest.fixture
def issue_certificate():
    """Factory: ``issue_certificate(trainee, number=None)`` sets the certificate columns as an approval would."""

    def factory(trainee, number=None, issued_on=datetime.date(2026, 9, 30)):
        number = number or f"ZJ2026{next(_serial):06d}"
        Trainee.update(certificate_number=number, certificate_issued_on=issued_on, verify_token=secrets.token_urlsafe(16)).where(
            Trainee.id == trainee.id
        ).execute()
        return Trainee.get_by_id(trainee.id)

    return factory


@pytest.fixture
def make_issued_workshop(make_workshop, make_trainee, issue_certificate):
    """Factory: ``make_issued_workshop(org, people)`` with ``people`` a list of (name, id number).

    The workshop is approved, its trainee list approved and its certificates
    generated; returns the workshop and its trainees in list order.
    """

    def factory(organisation, people, **fields):
        workshop = make_workshop(organisation, status=DeclarationStatus.APPROVED, **fields)
        trainees = [issue_certificate(make_trainee(workshop, id_number, name=name)) for name, id_number in people]
        Workshop.update(
            certificate_status=CertificateStatus.GENERATED,
            trainee_list_status=TraineeListStatus.APPROVED,
            trainee_list_locked=True,
        ).where(Workshop.id == workshop.id).execute()
        return Workshop.get_by_id(workshop.id), trainees

    return factory
