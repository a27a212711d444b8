"""The `flask --app app` commands operators script against: output and exit codes are stable."""
from sqlalchemy import select

from flashcall import accounts
from flashcall.db import db
from flashcall.models import Service, User


def run(runner, *args):
    return runner.invoke(args=list(args))


def test_admin_create_makes_an_operator_who_can_sign_in(runner, client, make):
    result = run(runner, "admin", "create", "--email", "Boss@Example.com", "--password", "long-enough-1")
    assert result.exit_code == 0 and "boss@example.com" in result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.com"))
    assert user.is_operator and user.role == "owner"
    assert client.post("/auth/login", data={"email": "boss@example.com",
                                            "password": "long-enough-1"}).status_code == 302


def test_admin_create_twice_fails_with_a_message(runner):
    run(runner, "admin", "create", "--email", "a@example.com", "--password", "long-enough-1")
    result = run(runner, "admin", "create", "--email", "a@example.com", "--password", "long-enough-1")
    assert result.exit_code != 0 and "already exists" in result.output


def test_admin_create_refuses_a_short_password(runner):
    result = run(runner, "admin", "create", "--email", "a@example.com", "--password", "short")
    assert result.exit_code != 0 and "8 characters" in result.output


def test_service_create_prints_the_id(runner, make):
    owner = make.account()
    result = run(runner, "service", "create", "--account-email", owner.email, "--name", "Shop",
                 "--code-length", "5", "--countries", "ir,af", "--any-line")
    assert result.exit_code == 0
    service = db.session.get(Service, int(result.output.strip()))
    assert (service.name, service.code_length, service.allowed_countries, service.mobile_only) == \
        ("Shop", 5, "IR,AF", False)
    assert service.account_id == owner.account_id


def test_service_create_uses_the_dashboards_limits(runner, make):
    owner = make.account()
    result = run(runner, "service", "create", "--account-email", owner.email, "--name", "S", "--code-length", "7")
    assert result.exit_code != 0 and "code_length must be between 3 and 6" in result.output
    result = run(runner, "service", "create", "--account-email", owner.email, "--name", "S", "--countries", "ZZ")
    assert result.exit_code != 0 and "ZZ" in result.output
    assert db.session.scalar(select(Service)) is None


def test_service_create_for_unknown_email_fails(runner):
    result = run(runner, "service", "create", "--account-email", "ghost@example.com", "--name", "S")
    assert result.exit_code != 0 and "no user" in result.output


def test_key_create_prints_a_working_key(runner, make):
    service = make.service()
    result = run(runner, "key", "create", "--service", str(service.id), "--label", "ci")
    assert result.exit_code == 0
    token = result.output.strip()
    assert token.count(".") == 1 and accounts.authenticate_token(token).label == "ci"


def test_key_create_for_unknown_service_fails(runner):
    result = run(runner, "key", "create", "--service", "999", "--label", "ci")
    assert result.exit_code != 0 and "no service" in result.output


def test_account_list(runner, make):
    owner = make.account(name="Acme")
    make.service(owner.account)
    result = run(runner, "account", "list")
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if "Acme" in line)
    assert line.split("\t") == [str(owner.account_id), "Acme", "users=1", "services=1", owner.email]


def test_account_create_makes_a_customer_not_an_operator(runner, client, make):
    """The audit: `admin create` was the only way to a second account, and made an operator who
    saw every account's calls in the simulator inbox."""
    result = run(runner, "account", "create", "--name", "Shop Co", "--owner-email", "Owner@Shop.example",
                 "--password", "long-enough-1")
    assert result.exit_code == 0 and "owner@shop.example" in result.output
    user = db.session.scalar(select(User).where(User.email == "owner@shop.example"))
    assert (user.role, user.is_operator, user.account.name) == ("owner", False, "Shop Co")
    assert client.post("/auth/login", data={"email": "owner@shop.example",
                                            "password": "long-enough-1"}).status_code == 302
    assert client.get("/operator/inbox").status_code == 404
    assert client.get("/operator/").status_code == 404


def test_account_create_refuses_a_taken_email(runner, make):
    owner = make.account()
    result = run(runner, "account", "create", "--name", "X", "--owner-email", owner.email, "--password", "long-enough-1")
    assert result.exit_code != 0 and "already exists" in result.output


def test_a_customers_virtual_phone_shows_only_its_own_calls(runner, client, make, login):
    from flashcall.verification import start_call
    from tests.worker import run_once
    operator = make.account(operator=True)
    start_call(make.service(operator.account, min_interval_seconds=0), "09121234567")
    run_once()
    run(runner, "account", "create", "--name", "B", "--owner-email", "b@example.com", "--password", "long-enough-1")
    customer = db.session.scalar(select(User).where(User.email == "b@example.com"))
    mine = start_call(make.service(customer.account, min_interval_seconds=0), "09121234567")
    run_once()
    db.session.refresh(mine)
    login(customer, "long-enough-1")
    page = client.get("/test/phone?phone=%2B989121234567").get_data(as_text=True)
    from flashcall.digits import to_persian
    assert page.count('sim-call"') == 1 and to_persian(mine.caller_number) in page


def test_user_reset_link_prints_a_link_that_works_once(runner, app, client, make):
    app.config["BASE_URL"] = "https://flashcall.example"
    user = make.account()
    result = run(runner, "user", "reset-link", "--email", user.email)
    link = result.output.strip()
    assert result.exit_code == 0 and link.startswith("https://flashcall.example/auth/reset/")
    path = link[len("https://flashcall.example"):]
    form = {"new_password": "brand-new-pass", "confirm": "brand-new-pass"}
    assert client.post(path, data=form).status_code == 302
    assert client.post(path, data=form).status_code == 404
    assert client.post("/auth/login", data={"email": user.email, "password": "brand-new-pass"}).status_code == 302


def test_backup_on_postgresql_prints_pg_dump_instructions(runner, app, tmp_path):
    result = run(runner, "backup", str(tmp_path / "copy.db"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert result.exit_code != 0 and "pg_dump --format=custom" in result.output
    else:
        assert result.exit_code != 0 and "not a Flashcall database" in result.output  # made by create_all, unstamped
        assert not (tmp_path / "copy.db").exists()
