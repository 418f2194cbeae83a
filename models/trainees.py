"""Trainees who passed a workshop, and their certificates.

A submitted or approved trainee list is locked. ``Trainee`` raises Locked for
every insert, update and delete that would touch a locked list, for every
user, and the triggers of migration m0003 reject the same in the database. Only the
certificate columns (``CERTIFICATE_COLUMNS``) may still change on a locked list.
"""

import datetime
import itertools

import peewee
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from services.errors import Locked

from .db import BaseModel, is_sqlite
from .workshops import Workshop

# NOTE: the lock triggers of migration m0003 list the same columns; change them together.
CERTIFICATE_COLUMNS = frozenset({"certificate_number", "certificate_issued_on", "verify_token", "print_count", "revoked"})

# Text of the database error raised by the lock triggers.
LOCK_TRIGGER_MESSAGE = "trainee list is locked"


class DocumentType:
    RESIDENT_ID = "resident_id"
    PASSPORT = "passport"
    HK_MACAO = "hk_macao"
    TAIWAN = "taiwan"

    LABELS = {
        RESIDENT_ID: _l("Resident ID card"),
        PASSPORT: _l("Passport"),
        HK_MACAO: _l("Mainland travel permit for Hong Kong and Macao residents"),
        TAIWAN: _l("Mainland travel permit for Taiwan residents"),
    }


def locked_error(workshop_ids) -> Locked:
    """Build a Locked error that names the first locked workshop among ``workshop_ids``."""
    row = (
        Workshop.select(Workshop.name)
        .where(Workshop.id.in_(list(workshop_ids)), Workshop.trainee_list_locked == True)  # noqa: E712
        .first()
    )
    name = row.name if row else ""
    return Locked(
        _(
            "The trainee list of “%(name)s” is submitted and locked: nobody can add, change or delete its trainees.",
            name=name,
        )
    )


def _locked_among(workshop_ids) -> bool:
    ids = [i for i in workshop_ids if i is not None]
    if not ids:
        return False
    query = Workshop.select(Workshop.id).where(Workshop.id.in_(ids), Workshop.trainee_list_locked == True)  # noqa: E712
    return query.exists()


def _run(query_execute, database, workshop_ids=()):
    """Execute a write and turn the lock triggers' error into a Locked error."""
    try:
        return query_execute(database)
    except (peewee.IntegrityError, peewee.InternalError) as error:
        if LOCK_TRIGGER_MESSAGE in str(error):
            raise Locked(_("The trainee list is submitted and locked: nobody can add, change or delete its trainees.")) from error
        raise


def _is_workshop_key(key) -> bool:
    name = key if isinstance(key, str) else getattr(key, "name", None)
    return name in ("workshop", "workshop_id")


def _workshop_of(row, columns):
    """Return the workshop id of one INSERT row, whether peewee got it as a model, a dict or a tuple."""
    if isinstance(row, Trainee):
        return row.workshop_id
    if isinstance(row, dict):
        pairs = row.items()
    elif columns:
        pairs = zip(columns, row, strict=False)
    else:
        return None
    for key, value in pairs:
        if _is_workshop_key(key):
            return getattr(value, "id", value)
    return None


class _GuardedInsert(peewee.ModelInsert):
    """INSERT that refuses rows for locked lists before it reaches the database."""

    def _execute(self, database):
        if isinstance(self._insert, dict):
            workshop_ids = {_workshop_of(self._insert, None)}
        elif isinstance(self._insert, peewee.Node):
            # INSERT ... SELECT: the rows are unknown here, so the triggers decide.
            workshop_ids = set()
        else:
            self._insert = list(self._insert)
            workshop_ids = {_workshop_of(row, self._columns) for row in self._insert}
        if _locked_among(workshop_ids):
            raise locked_error(workshop_ids)
        return _run(super()._execute, database)


def _locked_rows(where):
    query = Trainee.select(Trainee.workshop).join(Workshop).where(Workshop.trainee_list_locked == True)  # noqa: E712
    if where is not None:
        query = query.where(where)
    return query.first()


class _GuardedUpdate(peewee.ModelUpdate):
    """UPDATE that refuses to change anything but certificate columns on a locked list."""

    def _execute(self, database):
        changed = {getattr(key, "name", key) for key in self._update}
        if not changed <= CERTIFICATE_COLUMNS and not self._from:
            hit = _locked_rows(self._where)
            if hit is not None:
                raise locked_error([hit.workshop_id])
            targets = [getattr(v, "id", v) for k, v in self._update.items() if _is_workshop_key(k)]
            if _locked_among(targets):
                raise locked_error(targets)
        return _run(super()._execute, database)


class _GuardedDelete(peewee.ModelDelete):
    """DELETE that refuses to remove trainees of a locked list."""

    def _execute(self, database):
        hit = _locked_rows(self._where)
        if hit is not None:
            raise locked_error([hit.workshop_id])
        return _run(super()._execute, database)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    """Write one value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\\\x" + bytes(value).hex()
    if isinstance(value, datetime.datetime):
        return value.isoformat(" ")
    return str(value).translate(_COPY_ESCAPES)


class _CopyStream:
    """A file-like object that writes rows in COPY text format as psycopg2 reads them.

    psycopg2 sends each piece as soon as ``read`` returns it, so PostgreSQL
    parses and indexes one piece while this process makes the next rows.
    """

    def __init__(self, rows):
        self._rows = iter(rows)
        self._pending = ""

    def read(self, size=-1):
        parts = [self._pending]
        length = len(self._pending)
        while size < 0 or length < size:
            row = next(self._rows, None)
            if row is None:
                break
            line = "\t".join(map(_copy_value, row)) + "\n"
            parts.append(line)
            length += len(line)
        text = "".join(parts)
        if size < 0 or len(text) <= size:
            self._pending = ""
            return text
        self._pending = text[size:]
        return text[:size]


def _copy_rows(database, table, columns, rows):
    """Load rows with COPY, which PostgreSQL parses far faster than multi-row INSERTs. The triggers still run.

    ``rows`` may be a generator: it is consumed while the data is sent.
    """
    column_list = ", ".join(f'"{column}"' for column in columns)

    def copy(db):
        with peewee.__exception_wrapper__:
            db.cursor().copy_expert(f'COPY "{table}" ({column_list}) FROM STDIN', _CopyStream(rows), size=1 << 16)

    _run(copy, database)


def _comparable(value):
    # PostgreSQL returns bytea as memoryview, which never equals bytes.
    return bytes(value) if isinstance(value, (memoryview, bytearray)) else value


class Trainee(BaseModel):
    """One trainee on a workshop's list of trainees who passed.

    The document number is stored encrypted (``id_number_encrypted``) with a keyed
    hash beside it (``id_number_hash``) for exact look-ups, and a masked copy for
    display. The plain number never reaches the database.
    """

    workshop = peewee.ForeignKeyField(Workshop, backref="trainees", on_delete="RESTRICT")
    name = peewee.CharField(max_length=50, index=True)
    document_type = peewee.CharField(max_length=16, default=DocumentType.RESIDENT_ID)
    id_number_encrypted = peewee.BlobField()
    id_number_hash = peewee.CharField(max_length=64, index=True)
    id_number_masked = peewee.CharField(max_length=32)
    hours = peewee.DecimalField(max_digits=6, decimal_places=1)
    phone = peewee.CharField(max_length=32, default="")
    # Passports and Hong Kong, Macao and Taiwan permits wait for a platform administrator.
    needs_verification = peewee.BooleanField(default=False)
    certificate_number = peewee.CharField(max_length=32, null=True, unique=True)
    certificate_issued_on = peewee.DateField(null=True)
    verify_token = peewee.CharField(max_length=64, null=True, unique=True)
    print_count = peewee.IntegerField(default=0)
    revoked = peewee.BooleanField(default=False)
    created_at = peewee.DateTimeField(default=datetime.datetime.now)

    class Meta:
        indexes = (
            (("workshop", "id_number_hash"), True),
            # The trainee list pages of one workshop, newest first.
            (("workshop", "id"), False),
            # The platform administrators' list of documents to verify.
            (("needs_verification", "id"), False),
        )

    def __str__(self):
        return f"{self.name}（{self.id_number_masked}）"

    @property
    def document_type_label(self):
        return DocumentType.LABELS.get(self.document_type, self.document_type)

    # Write paths, guarded against locked lists.

    @classmethod
    def insert(cls, __data=None, **insert):
        return _GuardedInsert(cls, cls._normalize_data(__data, insert))

    @classmethod
    def insert_many(cls, rows, fields=None):
        return _GuardedInsert(cls, insert=rows, columns=fields)

    @classmethod
    def insert_from(cls, query, fields):
        columns = [getattr(cls, field) if isinstance(field, str) else field for field in fields]
        return _GuardedInsert(cls, insert=query, columns=columns)

    @classmethod
    def insert_prepared(cls, field_names, rows, batch_size=1000) -> int:
        """INSERT many rows given as tuples in the order of ``field_names``; return the number inserted.

        The values must already have their database types (no field conversion
        runs). It checks the lock like ``insert_many`` but binds them into one
        prepared multi-row statement per batch, because peewee's query builder
        spends about 0.3 ms on each row of 12 columns.
        """
        rows = list(rows)
        workshop_index = field_names.index("workshop")
        return cls.insert_rows(field_names, rows, {row[workshop_index] for row in rows}, batch_size)

    @classmethod
    def insert_rows(cls, field_names, rows, workshop_ids, batch_size=1000) -> int:
        """Insert rows of the workshops in ``workshop_ids``, as ``insert_prepared`` does; return the number inserted.

        ``rows`` may be a generator that makes each row as it is needed:
        PostgreSQL receives them in one COPY streamed while they are made,
        so the server indexes rows while this process encrypts the next ones.
        SQLite gets prepared statements of ``batch_size`` rows.
        """
        if _locked_among(workshop_ids):
            raise locked_error(workshop_ids)
        fields = [cls._meta.fields[name] for name in field_names]
        # Defaults live in Python, not in the schema, so the statement must name them.
        defaults = [f for f in cls._meta.sorted_fields if f.name not in field_names and f.name != "id" and f.default is not None]
        extra = tuple(f.default() if callable(f.default) else f.default for f in defaults)
        fields += defaults
        database = cls._meta.database
        columns = [field.column_name for field in fields]
        counted = [0]

        def completed():
            for row in rows:
                counted[0] += 1
                yield tuple(row) + extra

        if not is_sqlite():
            _copy_rows(database, cls._meta.table_name, columns, completed())
            return counted[0]
        quote = '"{}"'.format
        column_list = ", ".join(quote(column) for column in columns)
        placeholders = "(" + ", ".join([database.param] * len(fields)) + ")"
        stream = completed()
        while batch := list(itertools.islice(stream, batch_size)):
            sql = f"INSERT INTO {quote(cls._meta.table_name)} ({column_list}) VALUES " + ", ".join([placeholders] * len(batch))
            # The values are bound as they are: str, int, bool, Decimal, bytes and
            # datetime need no field conversion with sqlite3 (peewee registers
            # Decimal) or psycopg2.
            params = [value for row in batch for value in row]
            _run(lambda db, sql=sql, params=params: db.execute_sql(sql, params), database)
        return counted[0]

    @classmethod
    def update(cls, __data=None, **update):
        return _GuardedUpdate(cls, cls._normalize_data(__data, update))

    @classmethod
    def delete(cls):
        return _GuardedDelete(cls)

    def save(self, force_insert=False, only=None):
        """Save the row; on a locked list only certificate columns may differ from the stored row."""
        if force_insert or self.id is None:
            return super().save(force_insert=force_insert, only=only)
        stored = Trainee.select().where(Trainee.id == self.id).first()
        if stored is None or not _locked_among({stored.workshop_id, self.workshop_id}):
            return super().save(only=only)
        fields = [Trainee._meta.fields[getattr(f, "name", f)] for f in only] if only else Trainee._meta.sorted_fields
        changed = [
            f
            for f in fields
            if f.name != "id" and _comparable(self.__data__.get(f.name)) != _comparable(stored.__data__.get(f.name))
        ]
        if any(f.name not in CERTIFICATE_COLUMNS for f in changed):
            raise locked_error({stored.workshop_id, self.workshop_id})
        if not changed:
            return 0
        return super().save(only=changed)
