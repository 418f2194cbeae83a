"""Command-line tasks: ``flask --app app db upgrade``, ``create-admin``, ``load-demo``."""

import logging

import click
from flask.cli import AppGroup

from migrations import migrate
from models import Organisation, db

logger = logging.getLogger(__name__)

db_cli = AppGroup("db", help="Database schema commands.")


def prepare_database(demo: bool = False) -> None:
    """Bring the schema up to date; with ``demo``, load the demo data into an empty database."""
    with db.connection_context():
        applied = migrate()
        if applied:
            logger.info("Schema migrations applied: %s", ", ".join(applied))
        if demo:
            if Organisation.select().exists():
                logger.info("The database already contains data; demo data not loaded again")
            else:
                from services.demo import load_demo

                load_demo()
                logger.info("Demo data loaded")


@db_cli.command("upgrade")
def upgrade_command():
    """Create the schema or apply pending migrations."""
    with db.connection_context():
        applied = migrate()
    click.echo("applied: " + (", ".join(applied) if applied else "nothing, schema is current"))


@click.command("create-admin")
@click.option("--username", required=True, help="login name of the new platform administrator")
@click.option("--name", "display_name", default="平台管理员", help="display name")
@click.password_option(help="initial password")
def create_admin_command(username, display_name, password):
    """Create a platform administrator in the ministry organisation."""
    from services.accounts import create_platform_admin

    with db.connection_context():
        migrate()
        user = create_platform_admin(username, display_name, password)
    click.echo(f"created platform administrator {user.username}")


@click.command("load-demo")
def load_demo_command():
    """Load the demo organisation tree, accounts and workshops into an empty database."""
    prepare_database(demo=True)
    click.echo("demo data ready; accounts use the password Demo#2026")


backup_cli = AppGroup("backup", help="Online backups of the database.")


@backup_cli.command("create")
@click.argument("target", type=click.Path(dir_okay=False))
def backup_create_command(target):
    """Write a consistent copy of the live database to TARGET."""
    from flask import current_app

    from services.backup import backup_database, check_backup

    url = current_app.config["DATABASE_URL"]
    backup_database(url, target)
    click.echo(f"backup written to {target}; integrity {'ok' if check_backup(url, target) else 'FAILED'}")


@backup_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.confirmation_option(prompt="Replace the current database with the backup?")
def backup_restore_command(source):
    """Replace the database with SOURCE. Stop every application process first."""
    from flask import current_app

    from services.backup import restore_database

    restore_database(source, current_app.config["DATABASE_URL"])
    click.echo(f"database restored from {source}")


trainees_cli = AppGroup("trainees", help="Trainee list tools.")


@trainees_cli.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON instead of lines of text")
def check_trainees_command(path, as_json):
    """Check a trainee list workbook as the import would, without touching the database.

    Exits with status 0 when the import would accept the file and 1 when it would refuse it.
    """
    import json
    from pathlib import Path

    from flask import current_app

    from services.trainee_import import check_workbook

    config = current_app.config
    data = Path(path).read_bytes()
    answer = check_workbook(data, max_rows=config["IMPORT_MAX_ROWS"], max_bytes=config["IMPORT_MAX_BYTES"]).to_json()
    if as_json:
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        click.echo(f"accept: {answer['accept']}, rows: {answer['rows']}, errors: {len(answer['errors'])}")
        for error in answer["errors"]:
            click.echo(error["message"])
        for flag in answer["flags"]:
            click.echo(f"row {flag['row']}: {flag['document_type']} to verify")
    raise SystemExit(0 if answer["accept"] else 1)


def register_commands(app):
    app.cli.add_command(db_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(trainees_cli)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(load_demo_command)
