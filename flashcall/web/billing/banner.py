"""The low-credit banner on every signed-in page: close to the limit, or new calls refused."""
from flask_login import current_user

from ...billing.balances import account_money
from . import bp


@bp.app_context_processor
def credit_banner():
    def money_warning():
        if not current_user.is_authenticated:
            return None
        money = account_money(current_user.account_id)
        return money if money["refusing"] or money["near_limit"] else None
    return {"money_warning": money_warning}
