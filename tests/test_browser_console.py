"""The browser console in real headless Chromium (Debian's ``chromium``, driven by Playwright).

Opens the console, launches an instance through the form, stops it and sees its state change,
uploads a blob and downloads it back, on a desktop and a phone-sized viewport. Every page visited
is kept as a screenshot under ``tests/artifacts/browser/``.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MOCK_AUTH, LocalServer
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts" / "browser"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def console(server: LocalServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """Chromium with a new, empty profile, signed in to the mock cloud (HTTP Basic)."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup-system (it installs Debian's chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
            headless=True, http_credentials={"username": MOCK_AUTH[0], "password": MOCK_AUTH[1]},
            viewport=DESKTOP, accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        yield context
        context.close()


@pytest.fixture
def tab(console: BrowserContext) -> Iterator[Page]:
    page = console.new_page()
    yield page
    page.close()


def keep(page: Page, name: str) -> None:
    """A full-page screenshot as a test artifact, and the page must not scroll sideways."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the window"


def test_launch_an_instance_and_stop_it(server: LocalServer, tab: Page) -> None:
    tab.goto(f"{server.url}/api")
    expect(tab).to_have_title("Deltacloud API 1.1.3")
    expect(tab.locator(".who")).to_have_text("mock@default")
    keep(tab, "01-entry")

    tab.get_by_role("link", name="Launch an instance").click()
    expect(tab.locator("h1")).to_have_text("Launch an instance")
    tab.get_by_label("Image").select_option("img1")
    tab.get_by_role("link", name="m1-large").click()  # the profile's own inputs, without JavaScript
    expect(tab.get_by_label("Memory (MB)")).to_have_value("10240")
    tab.get_by_label("Name").fill("browser-vm")
    tab.get_by_label("Memory (MB)").fill("12288")
    tab.get_by_label("Realm").select_option("eu")
    keep(tab, "02-launch-form")

    tab.get_by_role("button", name="Launch an instance").click()
    expect(tab.locator("h1")).to_have_text("Instance browser-vm")
    expect(tab.locator(".badge")).to_have_text("RUNNING")
    assert "/api/instances/inst" in tab.url
    expect(tab.get_by_text("12288")).to_be_visible()
    keep(tab, "03-instance-running")

    tab.get_by_role("button", name="Stop").click()
    expect(tab.locator(".badge")).to_have_text("STOPPED")
    expect(tab.get_by_role("button", name="Start")).to_be_visible()
    expect(tab.get_by_role("button", name="Stop")).to_have_count(0)
    keep(tab, "04-instance-stopped")

    tab.reload()  # the stop was answered with a redirect: reloading shows the page, it does not stop again
    expect(tab.locator(".badge")).to_have_text("STOPPED")

    tab.get_by_role("link", name="Instances").first.click()
    expect(tab.get_by_role("link", name="browser-vm")).to_contain_text("STOPPED")
    keep(tab, "05-instances")


def test_upload_a_blob_and_download_it_back(server: LocalServer, tab: Page, tmp_path: Path) -> None:
    upload = tmp_path / "report.txt"
    upload.write_bytes("Quarterly report — ünïcode and all\n".encode() * 2000)

    tab.goto(f"{server.url}/api")
    tab.get_by_role("link", name="Buckets", exact=True).click()
    tab.get_by_role("link", name="Create a bucket").click()
    tab.get_by_label("Name").fill("browser-bucket")
    tab.get_by_role("button", name="Create a bucket").click()
    expect(tab.locator("h1")).to_have_text("Bucket browser-bucket")
    keep(tab, "06-bucket")

    tab.get_by_role("link", name="Upload a blob").click()
    tab.get_by_label("Blob name").fill("report.txt")
    tab.get_by_label("File").set_input_files(str(upload))
    tab.locator("#meta_name1").fill("author")
    tab.locator("#meta_value1").fill("browser")
    keep(tab, "07-upload-form")
    tab.get_by_role("button", name="Upload a blob").click()
    expect(tab.locator("h1")).to_have_text("Blob report.txt")
    expect(tab.get_by_text(str(upload.stat().st_size))).to_be_visible()
    keep(tab, "08-blob")

    with tab.expect_download() as download:
        tab.get_by_role("link", name="Download").click()
    saved = tmp_path / "downloaded.txt"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "report.txt"
    assert saved.read_bytes() == upload.read_bytes()

    tab.locator(".crumbs").get_by_role("link", name="browser-bucket").click()  # back up to the bucket
    expect(tab.get_by_role("link", name="report.txt")).to_be_visible()


def test_pages_are_readable_on_a_phone(server: LocalServer, tab: Page) -> None:
    tab.set_viewport_size(PHONE)
    tab.goto(f"{server.url}/api")
    keep(tab, "phone-01-entry")
    tab.goto(f"{server.url}/api/instances/inst0")
    button = tab.get_by_role("button", name="Reboot").bounding_box()
    assert button is not None and button["height"] >= 40  # big enough to tap
    keep(tab, "phone-02-instance")
    tab.goto(f"{server.url}/api/instances/new?image_id=img1&hwp_id=m1-xlarge")
    field = tab.get_by_label("Name").bounding_box()
    assert field is not None and field["width"] >= PHONE["width"] * 0.7  # inputs use the screen's width
    keep(tab, "phone-03-launch-form")
    tab.goto(f"{server.url}/api/hardware_profiles/m1-large")
    keep(tab, "phone-04-profile")
    tab.goto(f"{server.url}/api/instances/nosuch")
    expect(tab.locator("h1")).to_have_text("404 - Not Found")
    keep(tab, "phone-05-error")
