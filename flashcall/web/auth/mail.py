"""Password-reset links by email, sent from a background thread so the answer's timing does not
tell whether the address has an account."""
import logging
import smtplib
import threading
from email.message import EmailMessage

from flask_babel import gettext as _

log = logging.getLogger("flashcall.mail")
TIMEOUT_SECONDS = 10


def configured(config):
    """Mail is sent only with a server and the dashboard's public address (for the link)."""
    return bool(config.get("SMTP_HOST") and config.get("BASE_URL"))


def _message(config, to, link, hours):
    message = EmailMessage()
    message["Subject"] = _("Flashcall: set a new password")
    message["From"] = config["SMTP_FROM"]
    message["To"] = to
    message.set_content(_("Someone asked to set a new password for %(email)s on Flashcall.\n\n"
                          "Open this link within %(hours)s hours to choose one:\n%(link)s\n\n"
                          "If it was not you, ignore this email; your password stays as it is.",
                          email=to, link=link, hours=hours))
    return message


def _send(config, message):
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=TIMEOUT_SECONDS) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send a password-reset email")


def send_reset_link(config, to, link, hours):
    """Compose now (in the request's language), send in the background."""
    message = _message(config, to, link, hours)
    threading.Thread(target=_send, args=(dict(config), message), daemon=True, name="reset-mail").start()
