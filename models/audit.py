"""Append-only audit records of status changes, locks, certificates and password resets."""

import datetime

import peewee

from .db import BaseModel
from .organisations import Organisation
from .users import User


class AuditRecordImmutable(Exception):
    """Raised when code tries to change or remove an audit record."""


class AuditRecord(BaseModel):
    created_at = peewee.DateTimeField(default=datetime.datetime.now, index=True)
    actor = peewee.ForeignKeyField(User, null=True, backref="audit_records", on_delete="RESTRICT")
    actor_name = peewee.CharField(max_length=128, default="")
    organisation = peewee.ForeignKeyField(Organisation, null=True, on_delete="RESTRICT")
    action = peewee.CharField(max_length=48)
    object_type = peewee.CharField(max_length=32)
    object_id = peewee.IntegerField()
    object_label = peewee.CharField(max_length=255, default="")
    # The workshop a record belongs to, kept as a plain id so that the trail
    # outlives a deleted draft.
    workshop_id = peewee.IntegerField(null=True, index=True)
    old_status = peewee.CharField(max_length=24, default="")
    new_status = peewee.CharField(max_length=24, default="")
    reason = peewee.TextField(default="")
    detail = peewee.TextField(default="")

    class Meta:
        indexes = (
            (("object_type", "object_id"), False),
            (("workshop_id", "created_at"), False),
        )

    def save(self, *args, **kwargs):
        if self.id is not None:
            raise AuditRecordImmutable("audit records cannot be changed")
        return super().save(*args, **kwargs)

    def delete_instance(self, *args, **kwargs):
        raise AuditRecordImmutable("audit records cannot be deleted")

    @classmethod
    def update(cls, *args, **kwargs):
        raise AuditRecordImmutable("audit records cannot be changed")

    @classmethod
    def delete(cls):
        raise AuditRecordImmutable("audit records cannot be deleted")
