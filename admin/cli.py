"""Commands for admins who script: `flask --app app orgs import FILE` (all or
nothing) and `flask --app app admins add NAME` (a named API token)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint

from runtime.services import services
from verification.importer import OrganisationFileError, read_organisations

bp = Blueprint("orgs_cli", __name__, cli_group="orgs")


@bp.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_organisations(path: Path) -> None:
    """Create or replace every organisation in PATH (.yaml, .yml or .csv)."""
    try:
        organisations = read_organisations(path)
    except OrganisationFileError as error:
        raise click.ClickException(f"nothing imported; {len(error.problems)} problem(s):\n" + str(error)) from error
    created = services().directory.put_many(organisations)
    click.echo(f"imported {len(organisations)} organisations ({sum(created)} new, {len(created) - sum(created)} replaced)")


@bp.cli.command("list")
def list_organisations() -> None:
    """Show the directory."""
    for organisation in services().directory.all():
        click.echo(f"{organisation.account_number}  {organisation.name}  ({organisation.purchased_via}, {organisation.plan})")


admins = Blueprint("admins_cli", __name__, cli_group="admins")


@admins.cli.command("add")
@click.argument("name")
def add_admin(name: str) -> None:
    """Make a token for NAME; it is shown once, and the history names NAME for its changes."""
    click.echo(services().admin_tokens.create(name))


@admins.cli.command("revoke")
@click.argument("name")
def revoke_admin(name: str) -> None:
    """Revoke every token of NAME."""
    click.echo(f"revoked {services().admin_tokens.revoke(name)} token(s) of {name}")


@admins.cli.command("list")
def list_admins() -> None:
    for name in services().admin_tokens.names():
        click.echo(name)
