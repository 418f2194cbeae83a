"""Trainees who passed a workshop, and their certificates."""

import datetime

import peewee
from flask_babel import lazy_gettext as _l

from .db import BaseModel
from .workshops import Workshop


class DocumentType:
    RESIDENT_ID = "resident_id"
    PASSPORT = "passport"
    HK_MACAO = "hk_macao"
    TAIWAN = "taiwan"

    LABELS = {
        RESIDENT_ID: _l("Resident ID card"),
        PASSPORT: _l("Passport"),
        HK_MACAO: _l("Mainland travel permit for Hong Kong and Macao residents"),
        TAIWAN: _l("Mainland travel permit for Taiwan residents"),
    }


class Trainee(BaseModel):
    """One trainee on a workshop's list of trainees who passed.

    The document number is stored encrypted (``id_number_encrypted``) with a keyed
    hash beside it (``id_number_hash``) for exact look-ups, and a masked copy for
    display. The plain number never reaches the database.
    """

    workshop = peewee.ForeignKeyField(Workshop, backref="trainees", on_delete="RESTRICT")
    name = peewee.CharField(max_length=50)
    document_type = peewee.CharField(max_length=16, default=DocumentType.RESIDENT_ID)
    id_number_encrypted = peewee.BlobField()
    id_number_hash = peewee.CharField(max_length=64, index=True)
    id_number_masked = peewee.CharField(max_length=32)
    hours = peewee.DecimalField(max_digits=6, decimal_places=1)
    phone = peewee.CharField(max_length=32, default="")
    # Passports and Hong Kong, Macao and Taiwan permits wait for a platform administrator.
    needs_verification = peewee.BooleanField(default=False)
    certificate_number = peewee.CharField(max_length=32, null=True, unique=True)
    certificate_issued_on = peewee.DateField(null=True)
    verify_token = peewee.CharField(max_length=64, null=True, unique=True)
    print_count = peewee.IntegerField(default=0)
    revoked = peewee.BooleanField(default=False)
    created_at = peewee.DateTimeField(default=datetime.datetime.now)

    class Meta:
        indexes = ((("workshop", "id_number_hash"), True),)

    def __str__(self):
        return f"{self.name}（{self.id_number_masked}）"

    @property
    def document_type_label(self):
        return DocumentType.LABELS.get(self.document_type, self.document_type)
