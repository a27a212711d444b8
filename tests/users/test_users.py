"""Users of an account: roles, the operator flag, deactivation, and the last-owner rule."""
import pytest
from sqlalchemy import select

from flashcall.db import db
from flashcall.models import User

from ..conftest import PASSWORD


@pytest.fixture
def owner(make, login):
    user = make.account()
    login(user)
    return user


def by_email(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_owner_adds_a_developer_who_can_sign_in(app, client, owner):
    response = client.post("/users/new", data={"email": "Dev@Example.com", "password": PASSWORD, "role": "developer"})
    assert response.status_code == 302
    dev = by_email("dev@example.com")
    assert dev.role == "developer" and dev.account_id == owner.account_id and not dev.is_operator
    other = app.test_client()
    assert other.post("/auth/login", data={"email": "dev@example.com", "password": PASSWORD}).status_code == 302
    assert other.get("/users/").status_code == 403
    assert "dev@example.com" in client.get("/users/").get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"email": "x@example.com", "password": "short", "role": "viewer"}, "at least 8 characters"),
    ({"email": "not-an-email", "password": PASSWORD, "role": "viewer"}, "valid email"),
    ({"email": "x@example.com", "password": PASSWORD, "role": "king"}, "Not a valid choice"),
])
def test_bad_user_input_is_explained(client, owner, data, message):
    client.post("/language/en")
    response = client.post("/users/new", data=data)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert by_email(data["email"]) is None


def test_duplicate_email_is_refused(client, owner):
    client.post("/language/en")
    page = client.post("/users/new", data={"email": owner.email, "password": PASSWORD, "role": "viewer"})
    assert "already exists" in page.get_data(as_text=True)


def test_only_operators_grant_the_operator_flag(client, owner, make, login):
    client.post("/users/new", data={"email": "a@example.com", "password": PASSWORD, "role": "owner",
                                    "is_operator": "y"})
    assert not by_email("a@example.com").is_operator
    assert 'name="is_operator"' not in client.get("/users/new").get_data(as_text=True)
    operator = make.account(operator=True)
    client.post("/auth/logout")
    login(operator)
    assert 'name="is_operator"' in client.get("/users/new").get_data(as_text=True)
    client.post("/users/new", data={"email": "b@example.com", "password": PASSWORD, "role": "owner",
                                    "is_operator": "y"})
    assert by_email("b@example.com").is_operator


def test_change_role(client, owner, make):
    user = make.user(owner.account, role="viewer")
    client.post(f"/users/{user.id}/role", data={"role": "developer"})
    db.session.refresh(user)
    assert user.role == "developer"


def test_last_owner_cannot_demote_or_deactivate_themselves(client, owner, make):
    client.post(f"/users/{owner.id}/role", data={"role": "viewer"})
    client.post(f"/users/{owner.id}/deactivate")
    db.session.refresh(owner)
    assert owner.role == "owner" and owner.active
    page = client.get("/users/").get_data(as_text=True)
    assert "alert-danger" in page


def test_an_owner_can_step_down_when_another_owner_exists(client, owner, make):
    make.user(owner.account, role="owner")
    response = client.post(f"/users/{owner.id}/role", data={"role": "developer"})
    db.session.refresh(owner)
    assert response.status_code == 302 and owner.role == "developer"


def test_deactivated_user_cannot_sign_in_until_reactivated(app, client, owner, make):
    user = make.user(owner.account, role="developer")
    client.post(f"/users/{user.id}/deactivate")
    other = app.test_client()
    assert other.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    client.post(f"/users/{user.id}/activate")
    assert other.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("role", ["developer", "viewer"])
def test_non_owners_cannot_manage_users(client, make, login, role):
    owner = make.account()
    user = make.user(owner.account, role=role)
    login(user)
    assert client.get("/users/").status_code == 403
    assert client.post("/users/new", data={"email": "z@example.com", "password": PASSWORD,
                                           "role": "owner"}).status_code == 403
    assert client.post(f"/users/{user.id}/role", data={"role": "owner"}).status_code == 403
    db.session.refresh(user)
    assert user.role == role
