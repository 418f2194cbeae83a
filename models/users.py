"""Back-office accounts."""

import datetime

import peewee

from .db import BaseModel
from .organisations import Organisation


class User(BaseModel):
    username = peewee.CharField(max_length=64, unique=True)
    password_hash = peewee.CharField(max_length=255)
    display_name = peewee.CharField(max_length=50)
    organisation = peewee.ForeignKeyField(Organisation, backref="users", on_delete="RESTRICT")
    is_platform_admin = peewee.BooleanField(default=False)
    is_active = peewee.BooleanField(default=True)
    phone = peewee.CharField(max_length=32, default="")
    last_login_at = peewee.DateTimeField(null=True)
    # Part of the login session id: raising it ends every session of the user.
    session_version = peewee.IntegerField(default=1)
    password_changed_at = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField(default=datetime.datetime.now)

    class Meta:
        # "user" is a reserved word in PostgreSQL.
        table_name = "app_user"

    def __str__(self):
        return f"{self.display_name}（{self.username}）"

    # Flask-Login protocol
    @property
    def is_authenticated(self):
        return True

    @property
    def is_anonymous(self):
        return False

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    @property
    def level(self):
        return self.organisation.level
