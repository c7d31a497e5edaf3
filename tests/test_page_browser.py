"""The coach's page in a real headless Chromium, against the real ``revhyper serve``.

Chromium is driven over the Chrome DevTools Protocol on a pipe (``--remote-debugging-pipe``: JSON messages ended
by a NUL byte on file descriptors 3 and 4), so no driver package and no downloaded browser are needed: the
system's Chromium (Debian's ``chromium``, which .ci/run installs) is enough.

Set REVHYPER_SCREENSHOTS=DIR to keep the page's screenshots; docs/page-*.png are those, made smaller with
`pngquant --quality 60-90 64`.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the serve extra is not installed")

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "examples" / "profiles"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REVHYPER = Path(sys.executable).with_name("revhyper")
TIMEOUT = 15.0

pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                reason="Chromium is not installed (CI installs Debian's chromium: .ci/run)")


class Browser:
    """A headless Chromium with one tab, spoken to over the DevTools protocol on a pipe."""

    def __init__(self, profile_dir: Path) -> None:
        assert CHROMIUM, "CI must install Debian's chromium (.ci/run does)"
        to_child, self._write = os.pipe()
        self._read, from_child = os.pipe()

        arguments = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
                     f"--user-data-dir={profile_dir}", "about:blank"]
        # the protocol's pipe is the child's descriptors 3 (in) and 4 (out): bash puts them there (dash takes
        # only one-digit descriptors)
        self.process = subprocess.Popen(["bash", "-c", f'exec "$0" "$@" 3<&{to_child} 4>&{from_child}', *arguments],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, pass_fds=(to_child, from_child))
        os.close(to_child)
        os.close(from_child)
        self._buffer, self._next, self.events = b"", 0, []
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.page("Page.enable")
        self.page("Runtime.enable")
        self.page("Emulation.setDeviceMetricsOverride", width=1000, height=1300, deviceScaleFactor=1, mobile=False)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (OSError, AssertionError, TimeoutError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self._write)
        os.close(self._read)

    # -- the protocol --------------------------------------------------------------------------------------------

    def send(self, method: str, session: str | None = None, **params):
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            got = self._receive(deadline)
            if got.get("id") == self._next:
                assert "error" not in got, f"{method}: {got['error']}"
                return got.get("result", {})
            self.events.append(got)

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._read], [], [], left)
            if ready:
                chunk = os.read(self._read, 1 << 20)
                if not chunk:
                    raise OSError("Chromium closed the pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def page(self, method: str, **params):
        return self.send(method, self.session, **params)

    def wait_for_load(self, since: int) -> None:
        """Until the tab fires a load event after ``since`` events had arrived."""
        deadline = time.monotonic() + TIMEOUT
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events[since:]):
            self.events.append(self._receive(deadline))

    # -- what a test does ----------------------------------------------------------------------------------------

    def js(self, expression: str):
        got = self.page("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in got, got["exceptionDetails"]
        return got["result"].get("value")

    def navigating(self, action) -> None:
        """Do ``action`` (which leads to a new page) and wait until that page has loaded."""
        since = len(self.events)
        action()
        self.wait_for_load(since)

    def goto(self, url: str) -> None:
        self.navigating(lambda: self.page("Page.navigate", url=url))

    def type_into(self, element_id: str, text: str) -> None:
        self.js(f"document.getElementById({json.dumps(element_id)}).focus()")
        self.page("Input.insertText", text=text)

    def press_enter(self) -> None:
        for kind in ("rawKeyDown", "char", "keyUp"):
            params = {"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
            if kind == "char":
                params["text"] = "\r"
            self.page("Input.dispatchKeyEvent", **params)

    def press_tab(self) -> str:
        """Press Tab; the id (or tag) of the element that then has the focus."""
        for kind in ("rawKeyDown", "keyUp"):
            self.page("Input.dispatchKeyEvent", type=kind, key="Tab", code="Tab", windowsVirtualKeyCode=9)
        return self.js("document.activeElement.id || document.activeElement.tagName.toLowerCase()")

    def text(self, selector: str) -> str:
        return self.js(f"(document.querySelector({json.dumps(selector)}) || {{innerText: ''}}).innerText")

    def screenshot(self, name: str, height: int = 1300) -> None:
        folder = os.environ.get("REVHYPER_SCREENSHOTS")
        if not folder:
            return
        import base64

        height = min(height, self.js("document.documentElement.scrollHeight"))
        shot = self.page("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": 1000, "height": height, "scale": 1})
        Path(folder, f"page-{name}.png").write_bytes(base64.b64decode(shot["data"]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    import httpx

    port = _free_port()
    process = subprocess.Popen([str(REVHYPER), "serve", "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            assert time.monotonic() < deadline, "revhyper serve did not answer within 30 s"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate(timeout=10)
        assert b"Traceback" not in output, output.decode()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    started = Browser(tmp_path_factory.mktemp("chromium"))
    yield started
    started.close()


def _fill_basics(browser: Browser, age: str = "46") -> None:
    browser.type_into("f-person-age", age)
    browser.js("""(() => {
        const set = (id, value) => { document.getElementById(id).value = value; };
        set('f-pain-current', '3'); set('f-pain-duration_weeks', '40');
        set('f-training-experience', 'novice'); set('f-training-goal', 'rehabilitation');
        set('f-training-days_per_week', '3'); set('f-training-start_date', '2026-12-07');
        for (const word of ['reverse_hyper_machine', 'mat']) {
            document.querySelector(`input[name="training.equipment"][value="${word}"]`).checked = true;
        }
    })()""")


def _submit_with_the_keyboard(browser: Browser) -> None:
    browser.js("document.querySelector('#profile-form button[type=submit]').focus()")
    browser.navigating(browser.press_enter)


def test_a_healthy_client_filled_in_gets_the_block_chart_trace_and_downloads(server, browser):
    browser.goto(server + "/")
    assert browser.js("document.documentElement.lang") == "en"
    assert browser.js("getComputedStyle(document.querySelector('legend')).fontWeight") == "600", \
        "the page's stylesheet did not apply (its Content-Security-Policy hash?)"
    browser.screenshot("form", 1250)
    _fill_basics(browser)
    browser.js("document.getElementById('f-person-id').value = 'maria-46'")
    _submit_with_the_keyboard(browser)
    assert "Generated" in browser.text("#result .status") or "generated" in browser.text("#result .status").lower()
    assert browser.text("#result-title") == "The block for maria-46"
    assert browser.js("document.querySelectorAll('#result .chart svg polyline').length") == 1
    weeks = browser.js("[...document.querySelectorAll('#result table.weeks tr')].slice(1).map(r => r.cells[0].innerText)")
    assert weeks == [str(n) for n in range(1, 13)]  # the week-by-week table: a row a week
    assert "2026-12-07" in browser.text("#result table.weeks")
    assert browser.js("document.querySelector('#result details').open") is False  # the trace is folded away
    assert "rule" in browser.js("document.querySelector('#result details pre').textContent").lower()
    offered = browser.js("[...document.querySelectorAll('.downloads button')].map(b => b.value)")
    assert {"json", "csv", "html", "text", "markdown", "toml"} <= set(offered)
    assert browser.js("document.activeElement.id") == "result"  # the script takes the coach to the result
    # the form keeps what was entered, to change and write again
    assert browser.js("document.getElementById('f-person-age').value") == "46"
    assert browser.js("document.querySelector('input[name=\"training.equipment\"][value=mat]').checked") is True
    browser.screenshot("result", 1750)


def test_a_client_with_a_red_flag_is_refused_and_referred(server, browser):
    browser.goto(server + "/")
    _fill_basics(browser, age="58")
    browser.js("""['f-red_flags-saddle_anesthesia', 'f-red_flags-bladder_or_bowel_dysfunction']
                  .forEach(id => { document.getElementById(id).checked = true; })""")
    _submit_with_the_keyboard(browser)
    status = browser.text("#result .status")
    assert "refused" in status.lower() or "not" in status.lower(), status
    assert re.search(r"Referral \(emergency\)", browser.text("#result")), browser.text("#result")[:500]
    assert browser.js("document.querySelectorAll('#result .chart').length") == 0  # no training for this client
    assert browser.js("document.getElementById('f-red_flags-saddle_anesthesia').checked") is True


def test_a_bad_value_shows_its_error_next_to_its_field(server, browser):
    browser.goto(server + "/")
    _fill_basics(browser, age="12")
    browser.js("document.getElementById('f-training-days_per_week').value = '9'")
    _submit_with_the_keyboard(browser)
    assert browser.text("#f-person-age-error").startswith("expected a whole number from 16 to 110, got 12")
    assert "days_per_week" in browser.text("#problems") or "days per week" in browser.text("#problems")
    described = browser.js("document.getElementById('f-person-age').getAttribute('aria-describedby')").split()
    assert "f-person-age-error" in described and "f-person-age-help" in described
    assert browser.js("document.getElementById('f-person-age').getAttribute('aria-invalid')") == "true"
    # the error sits in the age field's own box, right under its input
    assert browser.js("document.getElementById('f-person-age-error').parentElement"
                      ".contains(document.getElementById('f-person-age'))") is True
    assert browser.text("#f-training-days_per_week-error") != ""
    assert browser.js("document.activeElement.id") == "problems"
    assert browser.js("document.querySelectorAll('#result').length") == 0
    assert browser.js("document.querySelector('#problems a[href=\"#f-person-age\"]') !== null") is True
    browser.screenshot("error", 1000)


def test_a_profile_file_chosen_fills_the_form_and_shows_the_clearance_request(server, browser):
    browser.goto(server + "/")
    root = browser.page("DOM.getDocument")["root"]["nodeId"]
    node = browser.page("DOM.querySelector", nodeId=root, selector="#profile-file")["nodeId"]
    path = PROFILES / "post-microdiscectomy-not-cleared.toml"
    browser.navigating(lambda: browser.page("DOM.setFileInputFiles", files=[str(path)], nodeId=node))
    assert "clearance" in browser.text("#result .status").lower()
    assert "Clearance request" in browser.text("#result") or "clearance" in browser.text("#result .request").lower()
    assert browser.js("document.querySelector('[name=\"history.surgeries[0].procedure\"]').value") == "microdiscectomy"
    assert browser.js("document.getElementById('profile-text').value").startswith("#")


def test_a_profile_file_dropped_on_the_page_writes_its_block(server, browser):
    browser.goto(server + "/")
    text = (PROFILES / "endurance-runner.json").read_text(encoding="utf-8")
    drop = f"""(() => {{
        const data = new DataTransfer();
        data.items.add(new File([{json.dumps(text)}], 'endurance-runner.json', {{type: 'application/json'}}));
        const zone = document.getElementById('drop');
        zone.dispatchEvent(new DragEvent('dragover', {{dataTransfer: data, bubbles: true, cancelable: true}}));
        zone.dispatchEvent(new DragEvent('drop', {{dataTransfer: data, bubbles: true, cancelable: true}}));
    }})()"""
    browser.navigating(lambda: browser.js(drop))
    profile = json.loads(text)
    assert browser.js("document.getElementById('f-person-age').value") == str(profile["person"]["age"])
    assert browser.js("document.getElementById('f-training-goal').value") == profile["training"]["goal"]
    assert browser.js("document.querySelectorAll('#result .chart svg').length") == 1


def test_the_page_works_from_the_keyboard_with_a_visible_focus(server, browser):
    browser.goto(server + "/")
    assert [browser.press_tab() for _ in range(3)] == ["profile-file", "summary", "f-person-age"]
    outline = browser.js("(s => [s.outlineStyle, s.outlineWidth])(getComputedStyle(document.activeElement))")
    assert outline == ["solid", "3px"]
    browser.press_tab()
    browser.page("Input.insertText", text="client-7")
    assert browser.js("document.getElementById('f-person-id').value") == "client-7"
    # a checkbox is ticked with the space bar
    browser.js("document.getElementById('f-person-pregnant').focus()")
    for kind in ("rawKeyDown", "char", "keyUp"):
        browser.page("Input.dispatchKeyEvent", type=kind, key=" ", code="Space", windowsVirtualKeyCode=32,
                     **({"text": " "} if kind == "char" else {}))
    assert browser.js("document.getElementById('f-person-pregnant').checked") is True
