"""Advanced training workshops (高研班) and their declaration fields."""

import datetime

import peewee
from flask_babel import lazy_gettext as _l

from .attachments import Attachment
from .db import BaseModel
from .organisations import Organisation
from .reference import ProfessionalField
from .users import User


class DeclarationStatus:
    DRAFT = "draft"
    INITIAL_SUBMITTED = "initial_submitted"
    INITIAL_REJECTED = "initial_rejected"
    INITIAL_APPROVED = "initial_approved"
    MINISTRY_SUBMITTED = "ministry_submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SELF_HOSTED = "self_hosted"

    LABELS = {
        DRAFT: _l("New declaration"),
        INITIAL_SUBMITTED: _l("Submitted for initial review"),
        INITIAL_REJECTED: _l("Initial review rejected"),
        INITIAL_APPROVED: _l("Initial review passed"),
        MINISTRY_SUBMITTED: _l("Submitted to the ministry"),
        APPROVED: _l("Approved"),
        REJECTED: _l("Declaration rejected"),
        SELF_HOSTED: _l("Hosted independently"),
    }


class ReviewStatus:
    """Status of a reviewed submission after approval (plan, materials)."""

    NOT_REPORTED = "not_reported"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    LABELS = {
        NOT_REPORTED: _l("Not reported"),
        PENDING: _l("Awaiting review"),
        APPROVED: _l("Approved"),
        REJECTED: _l("Rejected"),
    }


class TraineeListStatus:
    OPEN = "open"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"

    LABELS = {
        OPEN: _l("Not submitted"),
        SUBMITTED: _l("Submitted, awaiting review"),
        APPROVED: _l("Approved"),
        REJECTED: _l("Rejected"),
    }
    LOCKED = (SUBMITTED, APPROVED)


class CertificateStatus:
    NOT_GENERATED = "not_generated"
    GENERATED = "generated"

    LABELS = {
        NOT_GENERATED: _l("Not generated"),
        GENERATED: _l("Generated"),
    }


class Workshop(BaseModel):
    year = peewee.IntegerField(index=True)
    name = peewee.CharField(max_length=50, index=True)
    # The declaring organisation (申报单位); row-level scoping follows it.
    organisation = peewee.ForeignKeyField(Organisation, backref="workshops", on_delete="RESTRICT")
    declared_on = peewee.DateField(default=datetime.date.today)
    host_unit = peewee.CharField(max_length=100, default="")
    field = peewee.ForeignKeyField(ProfessionalField, null=True, backref="workshops", on_delete="RESTRICT")
    is_featured = peewee.BooleanField(default=False)
    featured_years = peewee.SmallIntegerField(null=True)
    self_funded = peewee.BooleanField(default=False)
    amount = peewee.DecimalField(max_digits=12, decimal_places=2, null=True)
    purpose = peewee.TextField(default="")
    start_date = peewee.DateField(null=True)
    end_date = peewee.DateField(null=True)
    place = peewee.CharField(max_length=100, default="")
    contact_person = peewee.CharField(max_length=50, default="")
    contact_phone = peewee.CharField(max_length=32, default="")
    planned_trainees = peewee.IntegerField(null=True)
    attachment = peewee.ForeignKeyField(Attachment, null=True, on_delete="RESTRICT")

    status = peewee.CharField(max_length=24, default=DeclarationStatus.DRAFT, index=True)
    last_reason = peewee.TextField(default="")
    plan_status = peewee.CharField(max_length=16, default=ReviewStatus.NOT_REPORTED, index=True)
    trainee_list_status = peewee.CharField(max_length=16, default=TraineeListStatus.OPEN, index=True)
    certificate_status = peewee.CharField(max_length=16, default=CertificateStatus.NOT_GENERATED)
    # Print the full ID number on this workshop's certificates instead of the masked one.
    certificate_full_id = peewee.BooleanField(default=False)
    # Set while the trainee list is submitted or approved; database triggers read it.
    trainee_list_locked = peewee.BooleanField(default=False)
    # Optimistic lock: every edit must name the version it started from.
    version = peewee.IntegerField(default=1)

    created_by = peewee.ForeignKeyField(User, null=True, backref="workshops", on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=datetime.datetime.now)
    updated_at = peewee.DateTimeField(default=datetime.datetime.now)

    class Meta:
        indexes = (
            (("organisation", "year"), False),
            (("status", "year"), False),
        )

    def __str__(self):
        return self.name

    @property
    def status_label(self):
        return DeclarationStatus.LABELS.get(self.status, self.status)

    @property
    def funding_label(self):
        return _l("Self-funded workshop") if self.self_funded else _l("Fiscal workshop")
