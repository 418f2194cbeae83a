"""Tables for the work after approval: versioned workshop documents, plan changes, completion materials.

The model classes below are frozen copies of the tables as this migration
created them. The referenced tables appear only with their primary keys.
"""

import datetime

import peewee

from models.db import db


class _Frozen(peewee.Model):
    class Meta:
        database = db
        legacy_table_names = False


class Attachment(_Frozen):
    pass


class Workshop(_Frozen):
    pass


class User(_Frozen):
    class Meta:
        table_name = "app_user"


class WorkshopDocument(_Frozen):
    workshop = peewee.ForeignKeyField(Workshop, on_delete="RESTRICT")
    kind = peewee.CharField(max_length=32)
    version = peewee.IntegerField()
    attachment = peewee.ForeignKeyField(Attachment, unique=True, on_delete="RESTRICT")
    uploaded_by = peewee.ForeignKeyField(User, null=True, on_delete="RESTRICT")
    uploaded_at = peewee.DateTimeField(default=datetime.datetime.now)

    class Meta:
        indexes = ((("workshop", "kind", "version"), True),)


class PlanChange(_Frozen):
    workshop = peewee.ForeignKeyField(Workshop, on_delete="RESTRICT")
    new_start_date = peewee.DateField(null=True)
    new_end_date = peewee.DateField(null=True)
    new_place = peewee.CharField(max_length=100, default="")
    new_host_unit = peewee.CharField(max_length=100, default="")
    other_changes = peewee.TextField(default="")
    old_start_date = peewee.DateField(null=True)
    old_end_date = peewee.DateField(null=True)
    old_place = peewee.CharField(max_length=100, default="")
    old_host_unit = peewee.CharField(max_length=100, default="")
    reason = peewee.TextField()
    application = peewee.ForeignKeyField(Attachment, on_delete="RESTRICT")
    status = peewee.CharField(max_length=16, default="new", index=True)
    review_reason = peewee.TextField(default="")
    version = peewee.IntegerField(default=1)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=datetime.datetime.now)
    updated_at = peewee.DateTimeField(default=datetime.datetime.now)


class CompletionMaterial(_Frozen):
    workshop = peewee.ForeignKeyField(Workshop, on_delete="RESTRICT")
    kind = peewee.CharField(max_length=32)
    status = peewee.CharField(max_length=16, default="not_reported", index=True)
    document = peewee.ForeignKeyField(WorkshopDocument, null=True, on_delete="RESTRICT")
    review_reason = peewee.TextField(default="")
    version = peewee.IntegerField(default=0)
    updated_at = peewee.DateTimeField(default=datetime.datetime.now)

    class Meta:
        indexes = ((("workshop", "kind"), True),)


def upgrade(database):
    database.create_tables([WorkshopDocument, PlanChange, CompletionMaterial])
