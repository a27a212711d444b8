"""`flask --app app …` commands for operators' scripts: stable, non-interactive, exit 1 on error."""
from . import accounts, telephony


def register(app):
    for command in accounts.GROUPS + telephony.COMMANDS:
        app.cli.add_command(command)
