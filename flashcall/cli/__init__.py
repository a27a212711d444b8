"""`flask --app app …` commands for operators' scripts: stable, non-interactive, exit 1 on error."""
from . import accounts, backup, billing, telephony


def register(app):
    for command in accounts.GROUPS + billing.COMMANDS + telephony.COMMANDS + backup.COMMANDS:
        app.cli.add_command(command)
