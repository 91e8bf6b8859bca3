"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

Skipped, with the reason shown, when Chromium is not installed; CI installs it and sets
E2E_REQUIRED=1, so that there a missing browser fails instead of skipping."""

import io
import os
import shutil

import pytest
from django.core.management import call_command

CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)

# Playwright's sync API runs an event loop in the test's thread; the ORM calls made by the
# tests themselves (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        message = "Chromium absent : apt-get install chromium (voir .ci/run)"
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db, settings):
    settings.DEBUG = True  # charger_demo refuses to run otherwise
    call_command("charger_demo", stdout=io.StringIO())
    settings.DEBUG = False


@pytest.fixture
def connecter(browser, live_server):
    """connecter("agent") -> a logged-in page of a new browser context (a fresh session)."""
    contexts = []

    def connecter(username: str):
        # bypass_csp lets the accessibility audit inject axe-core; the app's own pages never
        # need it (tests/test_views.py checks the policy header).
        context = browser.new_context(base_url=live_server.url, locale="fr-FR", bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.goto("/connexion/")
        page.get_by_label("Identifiant").fill(username)
        page.get_by_label("Mot de passe").fill("demo-gouesnou")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield connecter
    for context in contexts:
        context.close()
