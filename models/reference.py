"""Reference data managed by platform administrators: fields and declaration years."""

import peewee

from .db import BaseModel


class ProfessionalField(BaseModel):
    """A field (所属领域) that a workshop belongs to."""

    name = peewee.CharField(max_length=50, unique=True)
    sort_order = peewee.IntegerField(default=0)
    is_active = peewee.BooleanField(default=True)

    def __str__(self):
        return self.name

    @classmethod
    def in_use(cls):
        """Fields offered in forms, in their sort order."""
        return cls.select().where(cls.is_active).order_by(cls.sort_order, cls.id)


class DeclarationYear(BaseModel):
    """A programme year (年度); only open years can receive new declarations."""

    year = peewee.IntegerField(unique=True)
    is_open = peewee.BooleanField(default=True)

    def __str__(self):
        return str(self.year)

    @classmethod
    def open_years(cls) -> list[int]:
        return [row.year for row in cls.select().where(cls.is_open).order_by(cls.year)]
