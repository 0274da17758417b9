"""`flask --app app orgs import FILE`: the directory from a YAML or CSV file, all or nothing."""
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
