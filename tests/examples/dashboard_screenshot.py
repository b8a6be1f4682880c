import os

from playwright.sync_api import sync_playwright

url = os.environ.get("VOD_EMULATOR_URL", "http://127.0.0.1:4600")
with sync_playwright() as playwright:
    # Debian's chromium; leave executable_path out to use Playwright's own browser.
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url + "/_emulator/ui/")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.screenshot(path="dashboard.png", full_page=True)
    browser.close()
