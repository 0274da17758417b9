"""Commands for admins who script: `flask --app app orgs import FILE` (all or
nothing), `flask --app app admins add NAME` (a named API token) and
`flask --app app countries validate|import|export|history|rollback`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint

from admin.tokens import AdminTokens
from countries.export import export_yaml
from countries.store import Conflict, TableStore
from routing.table import TableError, read_document
from routing.what_if import instant, what_if
from runtime.clock import Clock
from runtime.data_marker import DataMarker
from runtime.settings import Settings
from verification.directory import Directory
from verification.importer import OrganisationFileError, read_organisations
from web.registry import lookup
from web.sessions import PageSessions

bp = Blueprint("orgs_cli", __name__, cli_group="orgs")


@bp.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_organisations(path: Path) -> None:
    """Create or replace every organisation in PATH (.yaml, .yml or .csv)."""
    try:
        organisations = read_organisations(path)
    except OrganisationFileError as error:
        raise click.ClickException(f"nothing imported; {len(error.problems)} problem(s):\n" + str(error)) from error
    created = lookup(Directory).put_many(organisations)
    click.echo(f"imported {len(organisations)} organisations ({sum(created)} new, {len(created) - sum(created)} replaced)")


@bp.cli.command("list")
def list_organisations() -> None:
    """Show the directory."""
    for organisation in lookup(Directory).all():
        click.echo(f"{organisation.account_number}  {organisation.name}  ({organisation.purchased_via}, {organisation.plan})")


admins = Blueprint("admins_cli", __name__, cli_group="admins")


@admins.cli.command("add")
@click.argument("name")
def add_admin(name: str) -> None:
    """Make a token for NAME; it is shown once, and the history names NAME for its changes."""
    click.echo(lookup(AdminTokens).create(name))


@admins.cli.command("revoke")
@click.argument("name")
def revoke_admin(name: str) -> None:
    """Revoke every token of NAME and end every admin page session NAME has."""
    tokens = lookup(AdminTokens).revoke(name)
    sessions = lookup(PageSessions).end_all("/admin", name)
    click.echo(f"revoked {tokens} token(s) of {name}; ended {sessions} page session(s)")


@admins.cli.command("list")
def list_admins() -> None:
    for name in lookup(AdminTokens).names():
        click.echo(name)


countries = Blueprint("countries_cli", __name__, cli_group="countries")


@countries.cli.command("validate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate_countries(path: Path) -> None:
    """Check a table file as the API would, without changing anything."""
    try:
        table = lookup(TableStore).validate(read_document(path))
    except TableError as error:
        raise click.ClickException(f"{len(error.errors)} problem(s):\n{error}") from error
    click.echo(f"valid: {len(table.lines)} lines")


@countries.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--author", default="cli", show_default=True, help="the name the history records")
def import_countries(path: Path, author: str) -> None:
    """Make PATH the live table, as a new version (all or nothing)."""
    before, _ = lookup(TableStore).current()
    try:
        document = read_document(path)
        version = lookup(TableStore).write(lambda current: document, author=author, action=f"imported {path.name}", expected=before)
    except TableError as error:
        raise click.ClickException(f"nothing imported; {len(error.errors)} problem(s):\n{error}") from error
    except Conflict as conflict:
        raise click.ClickException(f"nothing imported: the table changed meanwhile (now version {conflict.current}); try again") from conflict
    if version == before:
        click.echo(f"unchanged: the live table is already this file (version {version})")
    else:
        click.echo(f"the table is now version {version}")


@countries.cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
def export_countries(path: Path | None) -> None:
    """Write the live table as YAML (to PATH or stdout), keeping the table file's comments and order."""
    text = export_yaml(lookup(TableStore).document(), Path(lookup(Settings).countries_file))
    if path is None:
        click.echo(text, nl=False)
    else:
        path.write_text(text, encoding="utf-8")


@countries.cli.command("history")
def countries_history() -> None:
    for change in reversed(lookup(TableStore).history()):
        click.echo(f"{change.version:>4}  {change.at}  {change.author:<12} {change.action}  ({', '.join(change.changed) or 'no change'})")


@countries.cli.command("rollback")
@click.argument("version", type=int)
@click.option("--author", default="cli", show_default=True)
def rollback_countries(version: int, author: str) -> None:
    """Make VERSION's table current again, as a new version."""
    try:
        new = lookup(TableStore).rollback(version, author=author, expected=None)
    except LookupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"the table is now version {new} (as version {version})")


@countries.cli.command("what-if")
@click.option("--to", "dialed", required=True, help="the number dialled, E.164")
@click.option("--from", "caller", default="", help="the caller's number")
@click.option("--at", "at", default=None, help="an instant with its UTC offset (default: now)")
def what_if_command(dialed: str, caller: str, at: str | None) -> None:
    """What a caller would get: line, languages, each queue open or closed, next openings, notices."""
    moment = instant(at, lookup(Clock)())
    if moment is None:
        raise click.BadParameter("give a date and time with its UTC offset, e.g. 2026-12-24T10:00:00+01:00", param_hint="--at")
    answer = what_if(lookup(TableStore).current()[1], dialed, caller, moment)
    click.echo(f"{answer['name']} ({answer['line']}), local time {answer['local_time']}, caller country {answer['caller_country']}")
    click.echo(f"languages offered: {', '.join(answer['language_offer'])}")
    for notice in answer["notices"]:
        click.echo(f"notice: {notice.get('en') or next(iter(notice.values()))}")
    for queue in answer["queues"]:
        name = queue["queue"] + (f" {queue['severity']}" if queue["severity"] else "")
        state = (f"open until {queue['open_until']}" if queue["open_until"] else "open all week") if queue["open"] else f"closed ({queue['closed_by'] or 'outside hours'}); opens {queue['next_opening']}"
        click.echo(f"  {name:<12} {state}")


data = Blueprint("data_cli", __name__, cli_group="data")


@data.cli.command("status")
def data_status() -> None:
    """Whether Redis still holds the data this deployment wrote (the marker of the first seeding)."""
    lost = lookup(DataMarker).check()
    if lost:
        raise click.ClickException(lost)
    click.echo("Redis holds the router's data (data marker present)")


@data.cli.command("reseed")
@click.option("--author", default="cli", show_default=True)
@click.confirmation_option(prompt="Seed the table file as the live table and mark this Redis as the router's data?")
def data_reseed(author: str) -> None:
    """After a loss, once restored what could be: start afresh from COUNTRIES_FILE with a new marker."""
    settings = lookup(Settings)
    version = lookup(TableStore).reseed(read_document(settings.countries_file), author=author)
    click.echo(f"the table is now version {version}, from {settings.countries_file}; the data marker is new")
