def test_login_page_is_persian_rtl(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'dir="rtl"' in page and 'lang="fa"' in page


def test_sign_in_reaches_overview(client, make, login):
    user = make.account()
    login(user)
    assert client.get("/").status_code == 200
