"""The site sample in headless Chromium through Selenium: log in through the form, see the styled greeting (the
versioned CSS applied, the script run), upload a file through the form, log out. Skipped under the sanitizer passes
(UPDRAFT_SANITIZED is set): test_site_sample.py drives the same server without a browser."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from tornado.web import decode_signed_value

from browser import WAIT, headless_chromium
from support import SANITIZED

pytestmark = pytest.mark.skipif(SANITIZED, reason="a browser test: the sanitizer passes skip it")

SECRET = "the site sample's secret for the browser"


@pytest.fixture
def site(server_factory):
    return server_factory("site", "--threads", "2", "--cookie-secret", SECRET)


@pytest.fixture
def browser(site):
    driver = headless_chromium()
    yield driver
    driver.quit()  # before the site stops


def wait_for(driver, css):
    return WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.CSS_SELECTOR, css))


def log_in(driver, site, name):
    driver.get(site.url + "/")  # not logged in: redirected to the form
    wait_for(driver, "#login")
    assert driver.current_url == site.url + "/login"
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.CSS_SELECTOR, "#login button").click()
    return wait_for(driver, "#greeting")


def test_log_in_and_see_the_styled_page(browser, site):
    greeting = log_in(browser, site, "Ada <admin>")
    assert browser.current_url == site.url + "/"
    assert greeting.text == "Hello, Ada <admin>"  # shown as text: the template escaped it
    assert decode_signed_value(SECRET, "user", browser.get_cookie("user")["value"]) == b"Ada <admin>"
    body = browser.find_element(By.TAG_NAME, "body")
    assert body.value_of_css_property("background-color") == "rgba(240, 248, 255, 1)"  # site.css applied
    assert greeting.value_of_css_property("color") == "rgba(32, 64, 96, 1)"
    WebDriverWait(browser, WAIT).until(lambda d: "js-ready" in body.get_attribute("class"))  # site.js ran


def test_upload_a_file_through_the_form(browser, site, tmp_path):
    log_in(browser, site, "Grace")
    upload = tmp_path / "report.txt"
    upload.write_bytes(b"x" * 5000)
    browser.find_element(By.ID, "file").send_keys(str(upload))
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.ID, "chosen").text == "report.txt (5000 bytes)")
    browser.find_element(By.CSS_SELECTOR, "#upload button").click()
    row = wait_for(browser, "#files tr.file")
    assert [td.text for td in row.find_elements(By.TAG_NAME, "td")] == ["report.txt", "text/plain", "5000"]
    assert browser.find_element(By.TAG_NAME, "h1").text == "Uploaded, Grace"


def test_log_out(browser, site):
    log_in(browser, site, "Linus")
    browser.find_element(By.CSS_SELECTOR, "#logout button").click()
    wait_for(browser, "#login")
    assert browser.get_cookie("user") is None
    browser.get(site.url + "/")
    wait_for(browser, "#login")  # sent back to the form
