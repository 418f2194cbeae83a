"""Schema migrations: numbered modules applied in order, recorded in ``schema_migration``.

Each module ``mNNNN_<name>.py`` defines ``upgrade(database)``. A fresh database
runs every migration from the first, so the first one creates the tables as they
were when it was written; later ones alter them with ``playhouse.migrate``.
"""

import datetime
import importlib
import logging
import pkgutil

import peewee

from models.db import BaseModel, db

logger = logging.getLogger(__name__)


class SchemaMigration(BaseModel):
    name = peewee.CharField(max_length=100, primary_key=True)
    applied_at = peewee.DateTimeField(default=datetime.datetime.now)

    class Meta:
        table_name = "schema_migration"


def available_migrations() -> list[str]:
    names = [m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("m")]
    return sorted(names)


def applied_migrations() -> set[str]:
    db.create_tables([SchemaMigration], safe=True)
    return {row.name for row in SchemaMigration.select()}


def migrate(target: str | None = None) -> list[str]:
    """Apply pending migrations up to and including ``target`` (all when None)."""
    done = applied_migrations()
    applied = []
    for name in available_migrations():
        if name not in done:
            module = importlib.import_module(f"{__name__}.{name}")
            with db.atomic():
                module.upgrade(db.obj)
                SchemaMigration.create(name=name)
            logger.info("Applied migration %s", name)
            applied.append(name)
        if name == target:
            break
    return applied
