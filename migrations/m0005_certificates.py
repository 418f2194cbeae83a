"""Certificates: expiring public links, and the per-workshop choice to print full ID numbers."""

import datetime

import peewee
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from models.db import db


class _Frozen(peewee.Model):
    class Meta:
        database = db
        legacy_table_names = False


class Trainee(_Frozen):
    class Meta:
        table_name = "trainee"


class CertificateLink(_Frozen):
    token = peewee.CharField(max_length=64, unique=True)
    trainee = peewee.ForeignKeyField(Trainee, on_delete="CASCADE")
    created_at = peewee.DateTimeField(default=datetime.datetime.now)
    expires_at = peewee.DateTimeField(index=True)


def upgrade(database):
    migrator = SqliteMigrator(database) if isinstance(database, peewee.SqliteDatabase) else PostgresqlMigrator(database)
    migrate(migrator.add_column("workshop", "certificate_full_id", peewee.BooleanField(default=False)))
    database.create_tables([CertificateLink])
