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


def test_static_urls_carry_a_content_hash_and_are_cached_for_a_year(client, make, login):
    login(make.account())
    html = client.get("/services/").get_data(as_text=True)
    url = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{10})"', html).group(1)
    versioned = client.get(url)
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/static/css/app.css").headers["Cache-Control"] == "no-cache"
    assert client.get("/static/css/app.css?v=0000000000").headers["Cache-Control"] == "no-cache"  # an old version


def test_static_files_and_pages_are_compressed_when_the_browser_accepts_it(client, make, login):
    login(make.account())
    # Static files are streamed: Flask-Compress streams zstd, brotli or deflate (every browser sends br).
    response = client.get("/static/vendor/bootstrap/css/bootstrap.rtl.min.css", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert client.get("/services/", headers={"Accept-Encoding": "br"}).headers["Content-Encoding"] == "br"


def test_a_signed_out_htmx_request_is_sent_to_sign_in_as_a_whole_page(client):
    page = "http://localhost/test/?service_id=1"
    response = client.get("/test/phone?phone=%2B989121234567",
                          headers={"HX-Request": "true", "HX-Current-URL": page})
    assert response.status_code == 401 and response.get_data() == b""
    assert response.headers["HX-Redirect"].startswith("/auth/login?next=") and "%2Ftest%2F" in response.headers["HX-Redirect"]
    plain = client.get("/test/")
    assert plain.status_code == 302 and "/auth/login" in plain.location
