"""`flask --app app …` commands for operators' scripts: stable, non-interactive, exit 1 on error."""
from . import accounts, backup, billing, retention, telephony


def register(app):
    for command in accounts.GROUPS + billing.COMMANDS + retention.COMMANDS + telephony.COMMANDS + backup.COMMANDS:
        app.cli.add_command(command)
