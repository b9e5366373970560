"""The chat sample's pages in headless Chromium through Selenium: two browsers on the WebSocket page, two on the
long-polling page, and one on each, see each other's messages typed into the form (as text, however they look like
HTML), and a refused message shows its error. Skipped under the sanitizer passes (UPDRAFT_SANITIZED is set): they
check the server, which test_chat.py drives without a browser, and Chromium would only make them slower."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser import WAIT, headless_chromium
from support import SANITIZED

pytestmark = pytest.mark.skipif(SANITIZED, reason="a browser test: the sanitizer passes skip it")


@pytest.fixture
def chat(server_factory):
    return server_factory("chat", "--threads", "2")


@pytest.fixture
def browser(chat):
    """A factory of headless Chromium sessions on a page of the chat, quit (before the chat stops) at teardown."""
    drivers = []

    def open_page(path):
        driver = headless_chromium()
        drivers.append(driver)
        driver.get(chat.url + path)
        if path == "/":  # what is sent before the socket is open would not reach this page
            WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute(
                "data-state") == "open")
        return driver

    yield open_page
    for driver in drivers:
        driver.quit()


def type_message(driver, text):
    field = driver.find_element(By.ID, "message")
    field.send_keys(text)
    driver.find_element(By.CSS_SELECTOR, "#messageform button").click()


def shown(driver):
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#inbox .message")]


def wait_shown(driver, texts):
    """Waits until the page shows exactly texts, in this order."""
    WebDriverWait(driver, WAIT).until(lambda d: shown(d) == texts, f"the page never showed {texts}")


@pytest.mark.parametrize("first, second", [("/", "/"), ("/poll", "/poll"), ("/", "/poll")],
                         ids=["websocket-websocket", "polling-polling", "websocket-polling"])
def test_two_browsers_see_each_others_messages(browser, first, second):
    a, b = browser(first), browser(second)
    markup = '<script>document.title = "run"</script><b>not bold</b>'
    type_message(a, f"from A {markup}")
    for driver in (a, b):
        wait_shown(driver, [f"from A {markup}"])
    type_message(b, "from B")
    for driver in (a, b):
        wait_shown(driver, [f"from A {markup}", "from B"])
        assert driver.title == "updraft chat"
        assert not driver.find_elements(By.CSS_SELECTOR, "#inbox b")
    c = browser(first)
    wait_shown(c, [f"from A {markup}", "from B"])  # the cache, in the page as served


@pytest.mark.parametrize("path", ["/", "/poll"], ids=["websocket", "polling"])
def test_a_refused_message_shows_its_error(browser, path):
    driver = browser(path)
    field = driver.find_element(By.ID, "message")
    driver.execute_script("arguments[0].value = 'x'.repeat(10241)", field)
    driver.find_element(By.CSS_SELECTOR, "#messageform button").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_element(By.ID, "error").text == "message too long: 10241 bytes, the limit is 10240")
    type_message(driver, "short enough")
    wait_shown(driver, ["short enough"])
    assert driver.find_element(By.ID, "error").text == ""
