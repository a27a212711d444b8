"""Report fixtures: an account with two services and their keys, and a writer of calls."""
import pytest

from .data import Calls


@pytest.fixture
def calls(app):
    return Calls()


@pytest.fixture
def shop(make):
    """Account A: an owner, two services ('فروشگاه' with two keys, 'Blog' with one)."""
    owner = make.account()
    store = make.service(owner.account, name="فروشگاه")
    blog = make.service(owner.account, name="Blog")
    store_key, _ = make.key(store, label="اپ اندروید")
    web_key, _ = make.key(store, label="وب")
    blog_key, _ = make.key(blog, label="blog key")
    return type("Shop", (), {"owner": owner, "account": owner.account, "store": store, "blog": blog,
                             "store_key": store_key, "web_key": web_key, "blog_key": blog_key})
