"""Initial schema: organisations, users, reference data, attachments, workshops, trainees, audit.

The model classes below are frozen copies of the schema as this migration
created it; later migrations change it with ``playhouse.migrate``.
"""

import datetime

import peewee

from models.db import db


class _Frozen(peewee.Model):
    class Meta:
        database = db
        legacy_table_names = False


class Organisation(_Frozen):
    name = peewee.CharField(max_length=50)
    code = peewee.CharField(max_length=32, unique=True)
    region = peewee.CharField(max_length=50, default="")
    contact_person = peewee.CharField(max_length=50, default="")
    phone = peewee.CharField(max_length=32, default="")
    parent = peewee.ForeignKeyField("self", null=True, on_delete="RESTRICT")
    level = peewee.SmallIntegerField(index=True)
    path = peewee.CharField(max_length=255, default="", index=True)
    is_active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=datetime.datetime.now)


class User(_Frozen):
    username = peewee.CharField(max_length=64, unique=True)
    password_hash = peewee.CharField(max_length=255)
    display_name = peewee.CharField(max_length=50)
    organisation = peewee.ForeignKeyField(Organisation, on_delete="RESTRICT")
    is_platform_admin = peewee.BooleanField(default=False)
    is_active = peewee.BooleanField(default=True)
    phone = peewee.CharField(max_length=32, default="")
    last_login_at = peewee.DateTimeField(null=True)
    session_version = peewee.IntegerField(default=1)
    password_changed_at = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField(default=datetime.datetime.now)

    class Meta:
        table_name = "app_user"


class ProfessionalField(_Frozen):
    name = peewee.CharField(max_length=50, unique=True)
    sort_order = peewee.IntegerField(default=0)
    is_active = peewee.BooleanField(default=True)


class DeclarationYear(_Frozen):
    year = peewee.IntegerField(unique=True)
    is_open = peewee.BooleanField(default=True)


class Attachment(_Frozen):
    original_name = peewee.CharField(max_length=255)
    stored_name = peewee.CharField(max_length=64, unique=True)
    size = peewee.BigIntegerField()
    content_type = peewee.CharField(max_length=128)
    sha256 = peewee.CharField(max_length=64)
    kind = peewee.CharField(max_length=32, index=True)
    organisation = peewee.ForeignKeyField(Organisation, on_delete="RESTRICT")
    uploaded_by = peewee.ForeignKeyField(User, null=True, on_delete="RESTRICT")
    uploaded_at = peewee.DateTimeField(default=datetime.datetime.now)


class Workshop(_Frozen):
    year = peewee.IntegerField(index=True)
    name = peewee.CharField(max_length=50, index=True)
    organisation = peewee.ForeignKeyField(Organisation, on_delete="RESTRICT")
    declared_on = peewee.DateField(default=datetime.date.today)
    host_unit = peewee.CharField(max_length=100, default="")
    field = peewee.ForeignKeyField(ProfessionalField, null=True, on_delete="RESTRICT")
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
    status = peewee.CharField(max_length=24, default="draft", index=True)
    last_reason = peewee.TextField(default="")
    plan_status = peewee.CharField(max_length=16, default="not_reported", index=True)
    trainee_list_status = peewee.CharField(max_length=16, default="open", index=True)
    certificate_status = peewee.CharField(max_length=16, default="not_generated")
    trainee_list_locked = peewee.BooleanField(default=False)
    version = peewee.IntegerField(default=1)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=datetime.datetime.now)
    updated_at = peewee.DateTimeField(default=datetime.datetime.now)

    class Meta:
        indexes = ((("organisation", "year"), False),)


class Trainee(_Frozen):
    workshop = peewee.ForeignKeyField(Workshop, on_delete="RESTRICT")
    name = peewee.CharField(max_length=50)
    document_type = peewee.CharField(max_length=16, default="resident_id")
    id_number_encrypted = peewee.BlobField()
    id_number_hash = peewee.CharField(max_length=64, index=True)
    id_number_masked = peewee.CharField(max_length=32)
    hours = peewee.DecimalField(max_digits=6, decimal_places=1)
    phone = peewee.CharField(max_length=32, default="")
    needs_verification = peewee.BooleanField(default=False)
    certificate_number = peewee.CharField(max_length=32, null=True, unique=True)
    certificate_issued_on = peewee.DateField(null=True)
    verify_token = peewee.CharField(max_length=64, null=True, unique=True)
    print_count = peewee.IntegerField(default=0)
    revoked = peewee.BooleanField(default=False)
    created_at = peewee.DateTimeField(default=datetime.datetime.now)

    class Meta:
        indexes = ((("workshop", "id_number_hash"), True),)


class AuditRecord(_Frozen):
    created_at = peewee.DateTimeField(default=datetime.datetime.now, index=True)
    actor = peewee.ForeignKeyField(User, null=True, on_delete="RESTRICT")
    actor_name = peewee.CharField(max_length=128, default="")
    organisation = peewee.ForeignKeyField(Organisation, null=True, on_delete="RESTRICT")
    action = peewee.CharField(max_length=48)
    object_type = peewee.CharField(max_length=32)
    object_id = peewee.IntegerField()
    object_label = peewee.CharField(max_length=255, default="")
    workshop_id = peewee.IntegerField(null=True, index=True)
    old_status = peewee.CharField(max_length=24, default="")
    new_status = peewee.CharField(max_length=24, default="")
    reason = peewee.TextField(default="")
    detail = peewee.TextField(default="")

    class Meta:
        indexes = ((("object_type", "object_id"), False),)


TABLES = [Organisation, User, ProfessionalField, DeclarationYear, Attachment, Workshop, Trainee, AuditRecord]

_SQLITE_AUDIT_TRIGGERS = [
    "CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_record "
    "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END",
    "CREATE TRIGGER audit_record_no_delete BEFORE DELETE ON audit_record "
    "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END",
]

_POSTGRES_AUDIT_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION audit_record_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit records are append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_record_no_change BEFORE UPDATE OR DELETE ON audit_record "
    "FOR EACH ROW EXECUTE FUNCTION audit_record_append_only()",
]


def upgrade(database):
    database.create_tables(TABLES)
    triggers = _SQLITE_AUDIT_TRIGGERS if isinstance(database, peewee.SqliteDatabase) else _POSTGRES_AUDIT_TRIGGERS
    for statement in triggers:
        database.execute_sql(statement)
