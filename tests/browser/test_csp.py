"""In Chromium with the Content-Security-Policy on: every page and htmx fragment works without
inline script or style (the page fixture fails the test on any violation), and the policy really
blocks what it must."""
from .conftest import ADMIN
from .test_testpage_flow import create_service_and_key, sign_in


def test_the_policy_is_on_and_blocks_inline_script(page, live_server, csp_violations):
    response = page.goto(live_server("/auth/login"))
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.ran = true';
                             document.body.appendChild(s); }""")
    assert page.evaluate("() => window.ran === undefined")
    page.wait_for_timeout(200)  # let the violation report reach the console
    assert any("script-src" in v for v in csp_violations)
    csp_violations.clear()  # expected: this test put it there


def test_pages_and_their_scripts_work_under_the_policy(page, live_server, screenshot):
    sign_in(page, live_server)
    create_service_and_key(page, live_server)
    page.click("#copy-key")  # static/js/app.js, not an onclick attribute
    page.click("main a.btn-primary[href*='/services/']")  # back to the service
    page.wait_for_selector("section[id^=webhooks-]")  # the htmx fragment
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#keys form[data-confirm] button")  # confirm() from app.js, then the post
    page.wait_for_selector("#keys .status-chip.status-secondary")  # the key shows as revoked
    for path in ("/", "/services/", "/test/", "/guide/", "/users/", "/audit/", "/auth/account", "/auth/two-factor",
                 "/operator/"):
        page.goto(live_server(path))
        page.wait_for_load_state("networkidle")
    page.goto(live_server("/auth/two-factor"))
    assert page.locator("#totp-qr svg").count() == 1
    screenshot("two-factor-setup")
    assert ADMIN[0] in page.content()
