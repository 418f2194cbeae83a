"""Schema migrations: a fresh database matches the models, and older databases upgrade in place."""

import pytest

import migrations
from models import ALL_MODELS, init_database


@pytest.fixture
def bare_database(database_url):
    """A database with no tables, connected through the shared proxy."""
    database = init_database(database_url)
    database.connect(reuse_if_open=True)
    yield database
    database.close()
    database.close_all()


def _index_names(database, table):
    return {index.name for index in database.get_indexes(table)}


def test_migrated_schema_matches_models(bare_database):
    migrations.migrate()
    for model in ALL_MODELS:
        table = model._meta.table_name
        columns = {column.name for column in bare_database.get_columns(table)}
        assert columns == {field.column_name for field in model._meta.sorted_fields}, table
        expected = {index._name for index in model._meta.fields_to_index()}
        assert expected <= _index_names(bare_database, table), table


def test_migrate_twice_applies_nothing(bare_database):
    assert migrations.migrate()
    assert migrations.migrate() == []


def test_upgrade_from_first_schema_keeps_rows(bare_database):
    first = migrations.available_migrations()[0]
    migrations.migrate(target=first)
    assert migrations.applied_migrations() == {first}
    p = bare_database.param
    bare_database.execute_sql(
        "INSERT INTO organisation (name, code, region, contact_person, phone, level, path, is_active, created_at) "
        f"VALUES ({p}, {p}, '', '', '', 1, '/1/', {p}, '2026-01-01 00:00:00')",
        ("旧库单位", "OLD-1", True),
    )
    bare_database.execute_sql(
        "INSERT INTO workshop (year, name, organisation_id, declared_on, host_unit, is_featured, self_funded, purpose, "
        "place, contact_person, contact_phone, status, last_reason, plan_status, trainee_list_status, "
        "certificate_status, trainee_list_locked, version, created_at, updated_at) "
        f"VALUES (2025, {p}, 1, '2025-03-01', '', {p}, {p}, '', '', '', '', 'approved', '', "
        f"'not_reported', 'open', 'not_generated', {p}, 1, '2025-03-01 00:00:00', '2025-03-01 00:00:00')",
        ("旧库研修班", False, False, False),
    )

    applied = migrations.migrate()

    assert applied == migrations.available_migrations()[1:]
    from models import Organisation, Workshop

    assert Organisation.get(Organisation.code == "OLD-1").name == "旧库单位"
    assert Workshop.get(Workshop.name == "旧库研修班").status == "approved"
    assert "workshop_status_year" in _index_names(bare_database, "workshop")
