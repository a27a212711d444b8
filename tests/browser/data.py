"""What the browser tests put in the live server's database, and read back from it."""
from sqlalchemy import select

from flashcall import accounts
from flashcall.billing import admin as billing_admin
from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import Call, User
from flashcall.verification.lifecycle import transition

from .conftest import ADMIN

PHONE = "09121234567"
E164 = "+989121234567"


def admin_account(app):
    return db.session.scalar(select(User).where(User.email == ADMIN[0])).account


def make_service(app, name="ورود فروشگاه", **fields):
    """A service of the signed-in admin's account; returns its id."""
    with app.app_context():
        service = accounts.create_service(admin_account(app), name, secrets_key=app.config["SECRETS_KEY"], **fields)
        db.session.commit()
        return service.id


def newest_call(app):
    with app.app_context():
        call = db.session.scalars(select(Call).order_by(Call.created_at.desc())).first()
        db.session.expunge_all()
        return call


def deliver(app, call_id):
    """The ringing phone stops ringing unanswered: what the gateway reports, applied at once."""
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.id == call_id).with_for_update())
        transition(call, "delivered", utcnow())
        db.session.commit()


def wrong_code(code):
    return code[:-1] + str((int(code[-1]) + 1) % 10)


LONG_NAME = "سرویس‌تأییدشمارهٔ‌فروشگاه‌اینترنتی" * 4  # 120+ characters and not one space
LONG_EMAIL = "support.team.for.the.online.shop.verification@customer-care.example.com"


def seed_long_data(app):
    """An account as full as it gets: a service with a 120-character name without spaces, four keys
    (one with a label as long), webhook deliveries with long errors, a team with long emails, and a
    verified and a live call on the virtual phone. Returns the ids the pages need."""
    from datetime import timedelta

    from flashcall.models import CallEvent, SimInboxEntry, WebhookDelivery
    with app.app_context():
        account = admin_account(app)
        service = accounts.create_service(account, LONG_NAME[:120], min_interval_seconds=0,
                                          secrets_key=app.config["SECRETS_KEY"],
                                          webhook_url="http://127.0.0.1:9/" + "hooks/" * 15 + "flashcall")
        billing_admin.set_price(service, 1500)
        billing_admin.adjust(service, 123_456_780, "شارژ آزمایشی")  # a long amount
        keys = [accounts.create_key(service, label)[0] for label in
                ("سرور اصلی", "اپ اندروید", "پنل پشتیبانی", "کلید" + "‌بسیاربلند" * 11)]
        keys[1].revoked_at = utcnow()
        for email, role in ((LONG_EMAIL, "developer"), ("reza@example.com", "viewer")):
            accounts.create_user(account, email, "browser-pass-42", role)
        now = utcnow()
        verified = Call(service=service, key=keys[0], phone=E164, caller_number="+982191012345", code_length=4,
                        status="verified", source="dashboard", created_at=now - timedelta(seconds=9),
                        dialed_at=now - timedelta(seconds=8), ended_at=now - timedelta(seconds=5),
                        verified_at=now, expires_at=now + timedelta(minutes=2), cost=1500)
        live = Call(service=service, phone=E164, caller_number="+982191054321", code_length=4, status="delivered",
                    source="dashboard", created_at=now, expires_at=now + timedelta(minutes=2))
        db.session.add_all([verified, live])
        db.session.flush()
        for offset, kind in enumerate(("queued", "dialing", "ringing", "delivered", "verify_failed", "verified")):
            db.session.add(CallEvent(call_id=verified.id, kind=kind, at=now - timedelta(seconds=9 - offset)))
        for call in (verified, live):
            db.session.add(SimInboxEntry(phone=E164, caller_number=call.caller_number, call_id=call.id, at=call.created_at))
        for event, status in (("delivered", "failed"), ("verified", "delivered"), ("expired", "failed")):
            db.session.add(WebhookDelivery(  # never pending: the worker would try to send them
                service_id=service.id, call_id=verified.id, event=event, payload="{}", status=status, attempts=3,
                last_error="ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded "
                           "with url: /hooks/hooks/hooks/flashcall (Caused by NewConnectionError)"))
        db.session.commit()
        return {"service": service.id, "key": keys[0].id, "verified": verified.id, "live": live.id}
