"""Certificates: the per-workshop choice to print full ID numbers."""

import peewee
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate


def upgrade(database):
    migrator = SqliteMigrator(database) if isinstance(database, peewee.SqliteDatabase) else PostgresqlMigrator(database)
    migrate(migrator.add_column("workshop", "certificate_full_id", peewee.BooleanField(default=False)))
