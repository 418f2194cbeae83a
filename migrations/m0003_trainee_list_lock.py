"""Lock of submitted trainee lists in the database, and indexes of the trainee list pages.

Triggers refuse INSERT and DELETE of trainees whose workshop has
``trainee_list_locked`` set, and UPDATE of such trainees unless only the
certificate columns change. They hold for every client of the database, so a
script or a raw SQL statement cannot change a locked list either.
"""

import peewee
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

# NOTE: models.trainees.CERTIFICATE_COLUMNS names the same columns; change them together.
CERTIFICATE_COLUMNS = ("certificate_number", "certificate_issued_on", "verify_token", "print_count", "revoked")

# Every other column of the trainee table when this migration was written. A
# later migration that adds a column must recreate the SQLite update trigger.
GUARDED_COLUMNS = (
    "id",
    "workshop_id",
    "name",
    "document_type",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
    "hours",
    "phone",
    "needs_verification",
    "created_at",
)

MESSAGE = "trainee list is locked"

_LOCKED_SQLITE = "(SELECT trainee_list_locked FROM workshop WHERE id = {row}.workshop_id) = 1"


def _sqlite_triggers():
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in GUARDED_COLUMNS)
    refuse = f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    return [
        f"CREATE TRIGGER trainee_locked_insert BEFORE INSERT ON trainee WHEN {_LOCKED_SQLITE.format(row='NEW')} {refuse}",
        f"CREATE TRIGGER trainee_locked_delete BEFORE DELETE ON trainee WHEN {_LOCKED_SQLITE.format(row='OLD')} {refuse}",
        f"CREATE TRIGGER trainee_locked_update BEFORE UPDATE ON trainee WHEN ({changed}) "
        f"AND ({_LOCKED_SQLITE.format(row='OLD')} OR {_LOCKED_SQLITE.format(row='NEW')}) {refuse}",
    ]


_RAISE_PG = f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'"

# Each check first takes a share lock on the workshops involved, so that a
# concurrent submission (an UPDATE of the workshop row) waits for this
# transaction, and then reads the lock flag as committed at that moment.
_CHECK_PG = """
    PERFORM 1 FROM workshop WHERE id IN (SELECT workshop_id FROM {rows}) FOR SHARE;
    IF EXISTS (SELECT 1 FROM workshop WHERE id IN (SELECT workshop_id FROM {rows}) AND trainee_list_locked) THEN
        {raise_};
    END IF;
"""


def _postgres_triggers():
    certificate = "ARRAY[" + ", ".join(f"'{c}'" for c in CERTIFICATE_COLUMNS) + "]"
    return [
        "CREATE OR REPLACE FUNCTION trainee_lock_check_inserted() RETURNS trigger AS $$ BEGIN"
        + _CHECK_PG.format(rows="inserted_rows", raise_=_RAISE_PG)
        + " RETURN NULL; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER trainee_locked_insert AFTER INSERT ON trainee REFERENCING NEW TABLE AS inserted_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION trainee_lock_check_inserted()",
        "CREATE OR REPLACE FUNCTION trainee_lock_check_deleted() RETURNS trigger AS $$ BEGIN"
        + _CHECK_PG.format(rows="deleted_rows", raise_=_RAISE_PG)
        + " RETURN NULL; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER trainee_locked_delete AFTER DELETE ON trainee REFERENCING OLD TABLE AS deleted_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION trainee_lock_check_deleted()",
        # Every column but the certificate ones is compared, so columns added
        # later are guarded without changing this function.
        "CREATE OR REPLACE FUNCTION trainee_lock_check_updated() RETURNS trigger AS $$ BEGIN "
        f"IF (to_jsonb(NEW) - {certificate}::text[]) = (to_jsonb(OLD) - {certificate}::text[]) THEN RETURN NEW; END IF; "
        "PERFORM 1 FROM workshop WHERE id IN (OLD.workshop_id, NEW.workshop_id) FOR SHARE; "
        "IF EXISTS (SELECT 1 FROM workshop WHERE id IN (OLD.workshop_id, NEW.workshop_id) AND trainee_list_locked) "
        f"THEN {_RAISE_PG}; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER trainee_locked_update BEFORE UPDATE ON trainee "
        "FOR EACH ROW EXECUTE FUNCTION trainee_lock_check_updated()",
        "CREATE OR REPLACE FUNCTION trainee_lock_check_truncate() RETURNS trigger AS $$ BEGIN "
        "IF EXISTS (SELECT 1 FROM trainee JOIN workshop ON workshop.id = trainee.workshop_id "
        f"WHERE workshop.trainee_list_locked) THEN {_RAISE_PG}; END IF; RETURN NULL; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER trainee_locked_truncate BEFORE TRUNCATE ON trainee "
        "FOR EACH STATEMENT EXECUTE FUNCTION trainee_lock_check_truncate()",
    ]


def upgrade(database):
    sqlite = isinstance(database, peewee.SqliteDatabase)
    migrator = SqliteMigrator(database) if sqlite else PostgresqlMigrator(database)
    migrate(
        migrator.add_index("trainee", ("name",), False),
        migrator.add_index("trainee", ("workshop_id", "id"), False),
        migrator.add_index("trainee", ("needs_verification", "id"), False),
    )
    for statement in _sqlite_triggers() if sqlite else _postgres_triggers():
        database.execute_sql(statement)
