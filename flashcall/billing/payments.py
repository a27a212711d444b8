"""Top-ups: online payments (start, callback, verify, reconcile) and manual requests (file, approve,
reject). Exactly one ledger entry per payment, however many callbacks, reloads or tabs: the entry is
written in the transaction that locks the payment row and sees it still unpaid (and the ledger's
payment_id is unique). No transaction is held while a provider is asked."""
import logging
from datetime import timedelta

from sqlalchemy import or_, select

from ..clock import utcnow
from ..db import commit_or_rollback, db
from ..models import Payment
from . import admin, balances
from .amounts import check_bounds
from .errors import BillingError
from .providers import Outcome, ProviderError, configured, provider_for

log = logging.getLogger("flashcall.billing")

# Provider codes that say nothing about the payment itself: reconciliation asks again.
TRANSIENT = ("timeout", "unreachable", "bad_answer", "http_5")
RECONCILE_AFTER = timedelta(minutes=15)  # the provider's payment session lasts about this long
RECONCILE_WITHIN = timedelta(days=1)


def active_provider(settings):
    """The provider the operator chose, else any configured one, else None (no online top-up)."""
    chosen = provider_for(admin.setting("payment_provider"), settings)
    if chosen is not None:
        return chosen
    names = configured(settings)
    return provider_for(names[0], settings) if names else None


def start_online(service, amount, user_id, settings, callback_url, now=None, ip=None):
    """A pending payment and the provider's page to send the payer to: (payment, url).
    `callback_url(payment_id)` gives the address the provider returns the payer to. Commits."""
    provider = active_provider(settings)
    if provider is None:
        raise BillingError("no_provider")
    check_bounds(amount, provider.minimum, admin.topup_max())
    payment = Payment(account_id=service.account_id, service_id=service.id, user_id=user_id, method="online",
                      provider=provider.name, amount=amount, created_at=now or utcnow())
    db.session.add(payment)
    db.session.flush()
    payment_id = payment.id
    db.session.commit()  # and read nothing more: no transaction (no SQLite write lock) while the provider answers
    try:
        reference = provider.request(amount, f"Flashcall top-up #{payment_id}", callback_url(payment_id), payment_id)
    except ProviderError as error:
        log.warning("payment %s: %s did not take the request: %s", payment_id, provider.name, error)
        _finish(payment_id, Outcome(False, error.code), now, ip=ip)
        raise BillingError("provider_unavailable" if _transient(error.code) else "provider_refused",
                           provider_code=error.code) from None

    def work():
        pending = _locked(payment_id)
        pending.reference = reference
        return pending
    payment = commit_or_rollback(work)
    return payment, provider.start_url(reference)


def complete_online(payment_id, args, settings, now=None, ip=None):
    """The provider's callback: verify and credit once. Returns the payment, paid or failed;
    BillingError when the callback names no payment of ours. `ip`: the returning payer's address."""
    payment = db.session.get(Payment, payment_id)
    provider = provider_for(payment.provider, settings) if payment is not None and payment.provider else None
    if provider is None or payment.method != "online":
        raise BillingError("payment_unknown")
    reference, completed = provider.callback(args)
    if not reference or reference != payment.reference:
        raise BillingError("payment_unknown")
    if payment.status == "paid":
        return payment
    if not completed:
        return _finish(payment.id, Outcome(False, "NOK"), now, ip=ip)
    return verify(payment, provider, now, ip=ip)


def verify(payment, provider, now=None, ip=None, via=None):
    """Ask the provider whether `payment` was paid, then record the answer once. Commits."""
    reference, amount, payment_id = payment.reference, payment.amount, payment.id
    db.session.commit()  # hold no transaction (on SQLite: no write lock) while the provider answers
    try:
        outcome = provider.verify(reference, amount)
    except ProviderError as error:
        log.warning("payment %s: %s could not be asked whether it was paid: %s", payment_id, provider.name, error)
        outcome = Outcome(False, error.code)
    return _finish(payment_id, outcome, now, ip=ip, via=via)


def _locked(payment_id):
    return db.session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update()
                             .execution_options(populate_existing=True))


def _finish(payment_id, outcome, now, ip=None, via=None):
    """Record the provider's answer once; the audit log gets the payment's move to paid or to failed
    (on the payer's account, as the payer), not a reconciliation's repeated failure."""
    def work():
        at = now or utcnow()
        payment = _locked(payment_id)
        if payment.status == "paid":
            return payment  # another callback or tab got there first
        was = payment.status
        payment.updated_at = at
        if not outcome.paid:
            payment.status, payment.failure_code = "failed", outcome.code[:16]
            payment.failure_message = outcome.message
            if was != "failed":
                _audited("billing.topup_failed", payment, payment.user_id, ip, via, code=payment.failure_code)
            return payment
        payment.status, payment.paid_at, payment.failure_code = "paid", at, None
        payment.ref_id, payment.card_pan = outcome.ref_id, outcome.card_pan
        balances.credit(payment.service, payment.amount, "topup", at, user_id=payment.user_id,
                        payment_id=payment.id, note=f"{payment.provider} {payment.ref_id or ''}".strip())
        _audited("billing.topup_paid", payment, payment.user_id, ip, via, ref_id=payment.ref_id)
        return payment
    return commit_or_rollback(work)


def _audited(action, payment, user_id, ip, via=None, **detail):
    """A top-up's step, by `user_id`, in the audit log of the payment's account."""
    admin.audited(action, account_id=payment.account_id, target=payment.service.name, user_id=user_id, ip=ip,
                  via=via, payment_id=payment.id, service_id=payment.service_id, amount=payment.amount,
                  method=payment.method, provider=payment.provider, **detail)


def _transient(code):
    return (code or "").startswith(TRANSIENT)


def reconcile(settings, now=None, limit=50):
    """Verify again the online payments whose callback never came (or met a provider outage) in the
    last day, so a paid top-up is never lost. Returns how many became paid."""
    now = now or utcnow()
    transient = or_(*(Payment.failure_code.startswith(code) for code in TRANSIENT))
    candidates = db.session.scalars(select(Payment).where(
        Payment.method == "online", Payment.reference.is_not(None),
        Payment.created_at <= now - RECONCILE_AFTER, Payment.created_at >= now - RECONCILE_WITHIN,
        or_(Payment.status == "pending", (Payment.status == "failed") & transient))
        .order_by(Payment.id).limit(limit)).all()
    paid = 0
    for payment in candidates:
        provider = provider_for(payment.provider, settings)
        if provider is not None and verify(payment, provider, now, via="reconcile").status == "paid":
            paid += 1
    db.session.commit()
    return paid


def request_manual(service, amount, bank_reference, transfer_date, note, user_id, now=None):
    """A manual top-up request an operator will approve or reject. Does not commit."""
    bank_reference = (bank_reference or "").strip()
    if not bank_reference:
        raise BillingError("bank_reference_required")
    check_bounds(amount, 1, admin.topup_max())
    payment = Payment(account_id=service.account_id, service_id=service.id, user_id=user_id, method="manual",
                      amount=amount, bank_reference=bank_reference[:100], transfer_date=transfer_date,
                      note=(note or "").strip()[:1000] or None, created_at=now or utcnow())
    db.session.add(payment)
    db.session.flush()
    return payment


def approve(payment_id, operator_id, now=None, ip=None):
    """Credit a pending manual request at once. Commits; BillingError if it was already decided."""
    def work():
        at = now or utcnow()
        payment = _decidable(payment_id)
        payment.status, payment.paid_at, payment.updated_at, payment.reviewed_by = "paid", at, at, operator_id
        balances.credit(payment.service, payment.amount, "topup", at, user_id=operator_id, payment_id=payment.id,
                        note=f"manual {payment.bank_reference}")
        _audited("billing.topup_approved", payment, operator_id, ip, bank_reference=payment.bank_reference)
        return payment
    return commit_or_rollback(work)


def reject(payment_id, operator_id, reason, now=None, ip=None):
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("reject_reason_required")

    def work():
        payment = _decidable(payment_id)
        payment.status, payment.reject_reason = "rejected", reason[:300]
        payment.updated_at, payment.reviewed_by = now or utcnow(), operator_id
        _audited("billing.topup_rejected", payment, operator_id, ip, bank_reference=payment.bank_reference,
                 reason=payment.reject_reason)
        return payment
    return commit_or_rollback(work)


def _decidable(payment_id):
    payment = _locked(payment_id)
    if payment is None or payment.method != "manual":
        raise BillingError("payment_unknown")
    if payment.status != "pending":
        raise BillingError("not_pending")
    return payment
