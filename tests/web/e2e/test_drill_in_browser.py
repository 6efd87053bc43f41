"""A full drill in a real browser: a facilitator and two participants in separate contexts."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.web.e2e.conftest import Server

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'


def _invite(console: Page, role: str) -> str:
    console.select_option("select[name=role]", role)
    console.get_by_role("button", name="Create invite link").click()
    # The list is swapped in by htmx: wait for this role's link, not the previous one.
    label = role.replace("_", " ")
    link = console.locator("#invite-links li", has_text=f"({label})").locator("input.link")
    expect(link).to_be_visible()
    return link.input_value()


def _join(browser: Browser, url: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(url)
    page.get_by_role("button", name="Join now").click()
    expect(page.locator("#live")).to_have_text("live", timeout=10_000)
    return page


def test_a_full_drill_with_live_updates(browser: Browser, server: Server) -> None:
    dialogs: list[str] = []
    console = browser.new_context().new_page()
    console.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    console.goto(f"{server.url}/login")
    console.fill("input[name=username]", "facilitator")
    console.fill("input[name=password]", server.password)
    console.keyboard.press("Enter")  # keyboard only
    console.get_by_role("button", name="Start exercise").click()
    expect(console.get_by_role("heading", name="Control")).to_be_visible()

    engineer = _join(browser, _invite(console, "platform_engineer"))
    lead = _join(browser, _invite(console, "incident_lead"))
    for page in (engineer, lead):
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    expect(lead.get_by_role("heading", name="Your role: incident lead")).to_be_visible()

    # The engineer posts; the lead sees it arrive without reloading, as text, not markup.
    engineer.fill("textarea[name=text]", f"checking the credential {XSS}")
    engineer.get_by_role("button", name="Post", exact=True).click()
    feed = lead.locator("#feed")
    expect(feed).to_contain_text("checking the credential <img src=x", timeout=5_000)
    assert lead.evaluate("window.__xss") is None and not dialogs

    # A decision that needs the engineer's approval shows up on the engineer's page.
    lead.fill("input[name=what]", "Rotate the shared credential")
    lead.fill("textarea[name=rationale]", f"tokens are rejected {XSS}")
    lead.select_option("select[name=approver]", "platform_engineer")
    lead.get_by_role("button", name="Record decision").click()
    expect(lead.locator("#flash")).to_contain_text("Record a decision: done")
    approvals = engineer.locator("#panel-approvals")
    expect(approvals).to_contain_text("Rotate the shared credential", timeout=5_000)
    approvals.get_by_role("button", name="Approve").click()
    expect(lead.locator("#panel-decisions")).to_contain_text("approved by", timeout=5_000)

    # The engineer looks through a flow's execution log; the filter swaps it in place.
    runs = engineer.locator("#panel-runs")
    expect(runs).to_contain_text("with runs")
    choice = engineer.locator("#runs-filter select[name=flow] option").nth(1).get_attribute("value")
    engineer.select_option("#runs-filter select[name=flow]", choice)
    expect(runs).to_contain_text(f"({choice})")

    # The facilitator fires a scripted inject now; both participants get it live.
    console.locator("#panel-injects").get_by_role("button", name="Fire now").first.click()
    for page in (engineer, lead):
        expect(page.locator("#feed")).to_contain_text("INJECT", timeout=5_000)

    console.get_by_role("button", name="End exercise").click()
    expect(lead.locator("#panel-board")).to_contain_text("has ended", timeout=5_000)
    console.reload()
    console.get_by_role("link", name="Open the after-action report").first.click()
    expect(console.locator("body")).to_contain_text("Rotate the shared credential")
    assert "<script>window.__xss" not in console.content()
    assert not dialogs and engineer.evaluate("window.__xss") is None
