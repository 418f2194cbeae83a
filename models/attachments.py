"""Uploaded files: metadata here, bytes on disk under random names."""

import datetime

import peewee

from .db import BaseModel
from .organisations import Organisation
from .users import User


class Attachment(BaseModel):
    """A stored upload. The bytes live in the upload folder as ``stored_name``."""

    original_name = peewee.CharField(max_length=255)
    stored_name = peewee.CharField(max_length=64, unique=True)
    size = peewee.BigIntegerField()
    content_type = peewee.CharField(max_length=128)
    sha256 = peewee.CharField(max_length=64)
    kind = peewee.CharField(max_length=32, index=True)
    # The organisation whose subtree may download the file.
    organisation = peewee.ForeignKeyField(Organisation, backref="attachments", on_delete="RESTRICT")
    uploaded_by = peewee.ForeignKeyField(User, null=True, backref="uploads", on_delete="RESTRICT")
    uploaded_at = peewee.DateTimeField(default=datetime.datetime.now)

    def __str__(self):
        return self.original_name
