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
