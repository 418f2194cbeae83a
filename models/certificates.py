"""Expiring links from a public certificate search to one certificate."""

import datetime

import peewee

from .db import BaseModel
from .trainees import Trainee


class CertificateLink(BaseModel):
    """A random token that opens one certificate page until ``expires_at``.

    The token carries no personal data; it is handed out only to someone who
    searched with the holder's name and ID number.
    """

    token = peewee.CharField(max_length=64, unique=True)
    trainee = peewee.ForeignKeyField(Trainee, backref="certificate_links", on_delete="CASCADE")
    created_at = peewee.DateTimeField(default=datetime.datetime.now)
    expires_at = peewee.DateTimeField(index=True)
