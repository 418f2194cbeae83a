"""Organisations: the ministry, provinces and departments, and units, as a tree."""

import datetime

import peewee
from flask_babel import lazy_gettext as _l

from .db import BaseModel

MINISTRY, PROVINCE, UNIT = 1, 2, 3

LEVEL_LABELS = {
    MINISTRY: _l("Ministry"),
    PROVINCE: _l("Province or department"),
    UNIT: _l("Unit"),
}


class Organisation(BaseModel):
    """One node of the organisation tree.

    ``path`` lists the ids from the root down to this node, such as ``/1/4/9/``,
    so that a subtree is every row whose path starts with the node's path.
    """

    name = peewee.CharField(max_length=50)
    code = peewee.CharField(max_length=32, unique=True)
    region = peewee.CharField(max_length=50, default="")
    contact_person = peewee.CharField(max_length=50, default="")
    phone = peewee.CharField(max_length=32, default="")
    parent = peewee.ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    level = peewee.SmallIntegerField(index=True)
    path = peewee.CharField(max_length=255, default="", index=True)
    is_active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=datetime.datetime.now)

    def __str__(self):
        return self.name

    @property
    def level_label(self):
        return LEVEL_LABELS.get(self.level, "")

    def is_in_subtree_of(self, other: "Organisation") -> bool:
        return bool(other and self.path.startswith(other.path))

    def subtree_ids(self):
        """Select the ids of this organisation and all its descendants."""
        return Organisation.select(Organisation.id).where(Organisation.path.startswith(self.path))

    def refresh_path(self):
        """Store the path after the row has an id (the path includes it)."""
        prefix = self.parent.path if self.parent_id else "/"
        self.path = f"{prefix}{self.id}/"
        Organisation.update(path=self.path).where(Organisation.id == self.id).execute()
