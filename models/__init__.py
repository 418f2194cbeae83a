"""Peewee models. ``ALL_MODELS`` lists them in dependency order."""

from .attachments import Attachment
from .audit import AuditRecord, AuditRecordImmutable
from .db import BaseModel, db, init_database, is_sqlite
from .materials import (
    CompletionMaterial,
    DocumentKind,
    MaterialKind,
    PlanChange,
    PlanChangeStatus,
    WorkshopDocument,
)
from .organisations import MINISTRY, PROVINCE, UNIT, Organisation
from .reference import DeclarationYear, ProfessionalField
from .trainees import DocumentType, Trainee
from .users import User
from .workshops import (
    CertificateStatus,
    DeclarationStatus,
    ReviewStatus,
    TraineeListStatus,
    Workshop,
)

ALL_MODELS = [
    Organisation,
    User,
    ProfessionalField,
    DeclarationYear,
    Attachment,
    Workshop,
    Trainee,
    AuditRecord,
    WorkshopDocument,
    PlanChange,
    CompletionMaterial,
]

__all__ = [
    "ALL_MODELS",
    "Attachment",
    "AuditRecord",
    "AuditRecordImmutable",
    "BaseModel",
    "CertificateStatus",
    "CompletionMaterial",
    "DeclarationStatus",
    "DeclarationYear",
    "DocumentKind",
    "DocumentType",
    "MINISTRY",
    "MaterialKind",
    "Organisation",
    "PROVINCE",
    "PlanChange",
    "PlanChangeStatus",
    "ProfessionalField",
    "ReviewStatus",
    "Trainee",
    "TraineeListStatus",
    "UNIT",
    "User",
    "Workshop",
    "WorkshopDocument",
    "db",
    "init_database",
    "is_sqlite",
]
