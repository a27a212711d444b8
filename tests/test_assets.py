"""No request leaves the machine when a page loads: every asset is local and exists."""
import re

PAGES = ["/auth/login", "/", "/services/", "/test/", "/guide/", "/users/", "/operator/", "/reports/"]


def test_pages_load_only_local_assets_that_exist(client, make, login):
    login(make.account(operator=True))
    seen = set()
    for path in PAGES:
        html = client.get(path).get_data(as_text=True)
        for attribute, url in re.findall(r'\b(src|href)="([^"]+)"', html):
            assert not re.match(r"^(https?:)?//", url), f"{path} loads {url} from outside the machine"
            if attribute == "src" or url.endswith(".css"):
                seen.add(url)
    assert any("vendor/htmx" in url for url in seen) and any("bootstrap" in url for url in seen)
    for url in seen:
        assert client.get(url).status_code == 200, url


def test_font_is_vendored(client):
    css = client.get("/static/vendor/vazirmatn/vazirmatn.css").get_data(as_text=True)
    font = re.search(r'url\("?([^")]+)"?\)', css).group(1)
    assert not font.startswith(("http", "//"))
    assert client.get("/static/vendor/vazirmatn/" + font).status_code == 200
