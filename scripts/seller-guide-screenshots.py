#!/usr/bin/env python3
"""Screenshots for docs/SELLER-GUIDE.md, taken from the real demo through headless Chromium.

    python3 scripts/seller-guide-screenshots.py

Starts `.build/debug/pii-guard demo` on free ports with a throw-away copy of pii-guard.yaml (data, development
certificates and the Chromium profile all live in one temporary folder, so nothing in the repository changes except
the PNGs), then drives Chromium over the DevTools protocol the way a seller would: log in to the demo admin, open
판매관리, register an authenticator app, ask for the codes again ("코드 다시 받기": same secret), read the e-mail code
from the dev outbox, type the app's code (computed with pyotp from the secret shown on the page), land on the order
list; register a second seller by SMS, ask for a code, look at "인증번호를 받으실 수 없나요?", type wrong codes (the
page says how many tries are left) until the account locks; show the settings page, the page a shared account sees
when someone else verified, a few pages in English, and the lock of one client address after wrong codes from two
accounts behind it.

Every step checks that the browser reached the page it should (URL and text); if not, the script stops with a
message naming the step, and exits 1. The demo and Chromium are always stopped at the end (SIGTERM, then SIGKILL).

Needs: a built pii-guard (`swift build`), Chromium (`apt-get install chromium fonts-noto-cjk`), and the Python
packages `websocket-client` and `pyotp`. Pillow is used, when installed, to shrink a PNG that comes out over 250 KB.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

try:
    import pyotp
    import websocket  # websocket-client
except ImportError as missing:  # pragma: no cover - a message, not a traceback
    sys.exit(f"error: {missing.name} is missing; install it with: python3 -m pip install websocket-client pyotp")

REPO = Path(__file__).resolve().parent.parent
VIEW_WIDTH, VIEW_HEIGHT = 1100, 900
MAX_PNG_BYTES = 250 * 1024
KOREAN = "ko-KR,ko;q=0.9,en;q=0.5"
ENGLISH = "en-US,en;q=0.9"

# Demo data (synthetic): the accounts come from Sources/DemoAdmin/DemoAdmin.swift.
SELLER_A = ("seller-a", "seller-a-demo-2026!")
SELLER_B = ("seller-b", "seller-b-demo-2026!")
AUDITOR_A = ("auditor-a", "auditor-a-demo-2026!")


class StepFailed(Exception):
    """A step did not reach the page it should have."""


def log(message: str) -> None:
    print(f"[screenshots] {message}", flush=True)


# MARK: - The demo


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(workdir: Path) -> Path:
    """A copy of pii-guard.yaml whose data and development certificates live in `workdir`, rules in the repo."""
    text = (REPO / "pii-guard.yaml").read_text(encoding="utf-8")
    replacements = {
        r"^data_dir:.*$": f"data_dir: {workdir / 'data'}",
        r"^rules_dir:.*$": f"rules_dir: {REPO / 'rules'}",
        r"^(\s+)dev_certificates_dir:.*$": rf"\g<1>dev_certificates_dir: {workdir / 'certs'}",
    }
    for pattern, replacement in replacements.items():
        text, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
        if count != 1:
            raise SystemExit(f"error: pii-guard.yaml has no line matching {pattern!r}; update write_config()")
    config = workdir / "pii-guard.yaml"
    config.write_text(text, encoding="utf-8")
    return config


class Demo:
    """`pii-guard demo` on free ports, its terminal output in a log file."""

    def __init__(self, binary: Path, workdir: Path):
        self.binary = binary
        self.workdir = workdir
        self.config = write_config(workdir)
        self.port = free_port()
        self.admin_port = free_port()
        self.log_path = workdir / "demo.log"
        self.process: subprocess.Popen | None = None
        self.origin = f"https://localhost:{self.port}"

    def start(self) -> None:
        log(f"starting the demo on {self.origin} (admin on 127.0.0.1:{self.admin_port})")
        self.log_file = open(self.log_path, "w", encoding="utf-8")
        self.process = subprocess.Popen(
            [str(self.binary), "demo", "-c", str(self.config), "--port", str(self.port),
             "--admin-port", str(self.admin_port)],
            cwd=self.workdir, stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StepFailed(f"the demo exited with status {self.process.returncode}:\n{self.output()}")
            if "pii-guard demo is running" in self.output():
                return
            time.sleep(0.2)
        raise StepFailed(f"the demo did not start within 60 s:\n{self.output()}")

    def output(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def ca_file(self) -> Path:
        return self.workdir / "certs" / "dev-ca.pem"

    @property
    def server_certificate(self) -> Path:
        return self.workdir / "certs" / "dev-server.pem"

    def outbox(self) -> list[dict]:
        """The dev outbox as JSON, newest first (what `GET /__guard/dev/outbox` with Accept: application/json says)."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        request = urllib.request.Request(self.origin + "/__guard/dev/outbox", headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return json.load(response)

    def code(self, account: str, channel: str) -> str:
        """The newest code the outbox holds for this account and channel (`email`, `sms`, `messenger`)."""
        for message in self.outbox():
            if message["kind"] == "code" and message["account"] == account and message["channel"] == channel:
                return message["code"]
        raise StepFailed(f"the dev outbox holds no {channel} code for {account}")

    def unlock(self, account: str) -> None:
        """`pii-guard users unlock ACCOUNT --ip 127.0.0.1`: the lockout also counts per client address, and every
        browser here comes from 127.0.0.1, so the script resets that counter between its flows."""
        result = subprocess.run(
            [str(self.binary), "users", "unlock", account, "--ip", "127.0.0.1", "-c", str(self.config)],
            cwd=self.workdir, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise StepFailed(f"pii-guard users unlock failed:\n{result.stdout}{result.stderr}")
        log("  " + result.stdout.strip())

    def stop(self) -> None:
        stop_process(self.process, "demo")
        if getattr(self, "log_file", None):
            self.log_file.close()


def stop_process(process: subprocess.Popen | None, name: str) -> None:
    """SIGTERM, up to 15 s for a graceful end, then SIGKILL."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        log(f"{name} did not stop after SIGTERM; sending SIGKILL")
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


# MARK: - Chromium over the DevTools protocol


def find_chromium() -> str:
    for candidate in [os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]:
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    raise SystemExit("error: Chromium not found; install it (apt-get install chromium fonts-noto-cjk) or set CHROMIUM")


def spki_hash(certificate_pem: Path) -> str | None:
    """Base64 SHA-256 of the certificate's public key, for --ignore-certificate-errors-spki-list."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        certificate = x509.load_pem_x509_certificate(certificate_pem.read_bytes())
        der = certificate.public_key().public_bytes(serialization.Encoding.DER,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(hashlib.sha256(der).digest()).decode()
    except ImportError:
        pass
    if shutil.which("openssl"):
        public = subprocess.run(["openssl", "x509", "-in", str(certificate_pem), "-pubkey", "-noout"],
                                capture_output=True, check=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=public,
                             capture_output=True, check=True).stdout
        return base64.b64encode(hashlib.sha256(der).digest()).decode()
    return None


class Browser:
    """Headless Chromium; one WebSocket to the browser, pages attached as flat sessions."""

    def __init__(self, workdir: Path, demo: Demo):
        self.profile = workdir / "chromium-profile"
        self.profile.mkdir()
        arguments = [
            find_chromium(), "--headless=new", "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
            "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-extensions",
            "--disable-background-networking", "--disable-sync", "--hide-scrollbars", "--mute-audio",
            f"--window-size={VIEW_WIDTH},{VIEW_HEIGHT}", "--accept-lang=ko-KR,ko",
        ]
        # Trust exactly the demo's server certificate (made by its development CA), nothing else.
        pin = spki_hash(demo.server_certificate)
        if pin:
            arguments.append(f"--ignore-certificate-errors-spki-list={pin}")
        else:
            log("no openssl or python cryptography: falling back to --ignore-certificate-errors")
            arguments.append("--ignore-certificate-errors")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            arguments.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        arguments.append("about:blank")
        self.log_path = workdir / "chromium.log"
        self.log_file = open(self.log_path, "w")
        self.process = subprocess.Popen(arguments, stdout=self.log_file, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.next_id = 0
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        try:
            while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise StepFailed("Chromium did not start:\n" + self.log_path.read_text(errors="replace")[-2000:])
                time.sleep(0.1)
            port, path = port_file.read_text().splitlines()[:2]
            self.socket = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=30, suppress_origin=True)
        except BaseException:
            stop_process(self.process, "Chromium")
            self.log_file.close()
            raise

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = json.loads(self.socket.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise StepFailed(f"DevTools {method} failed: {reply['error']}")
                return reply.get("result", {})
            # Events are not needed: pages are awaited by polling their state.
        raise StepFailed(f"DevTools {method} did not answer within {timeout} s")

    def new_page(self, language: str) -> "Tab":
        """A page in a fresh browser context (its own cookies, like a separate browser)."""
        context = self.send("Target.createBrowserContext")["browserContextId"]
        target = self.send("Target.createTarget", {"url": "about:blank", "browserContextId": context})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        return Tab(self, session, language)

    def close(self) -> None:
        try:
            self.socket.close()
        except Exception:
            pass
        stop_process(self.process, "Chromium")
        self.log_file.close()


class Tab:
    def __init__(self, browser: Browser, session: str, language: str):
        self.browser = browser
        self.session = session
        self.language = language
        self.cdp("Page.enable")
        self.cdp("Network.enable")
        self.cdp("Network.setExtraHTTPHeaders", {"headers": {"Accept-Language": language}})
        self.cdp("Emulation.setLocaleOverride", {"locale": "en-US" if language.startswith("en") else "ko-KR"})
        self.cdp("Emulation.setDeviceMetricsOverride",
                 {"width": VIEW_WIDTH, "height": VIEW_HEIGHT, "deviceScaleFactor": 1, "mobile": False})

    def cdp(self, method: str, params: dict | None = None) -> dict:
        return self.browser.send(method, params, session=self.session)

    def js(self, expression: str):
        result = self.cdp("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise StepFailed(f"script failed in the page: {result['exceptionDetails'].get('text')} ({expression[:80]})")
        return result["result"].get("value")

    def mark_leaving(self) -> None:
        """Marks the current document, so that `expect` waits for the next one rather than judging this one."""
        self.js("window.__shotLeaving = true")

    def goto(self, url: str) -> None:
        self.mark_leaving()
        self.cdp("Page.navigate", {"url": url})

    def state(self) -> tuple[str, str, str, bool]:
        value = self.js("JSON.stringify([location.href, document.readyState, "
                        "document.body ? document.body.innerText : '', !!window.__shotLeaving])")
        return tuple(json.loads(value))

    def expect(self, step: str, path: str, *texts: str, timeout: float = 20) -> None:
        """Waits until the page's URL path (with query) starts with `path`, it has loaded, and shows every text."""
        deadline = time.monotonic() + timeout
        href, ready, body, leaving = "", "", "", True
        while time.monotonic() < deadline:
            try:
                href, ready, body, leaving = self.state()
            except StepFailed:
                ready = "navigating"  # the document is being replaced; ask again
            local = re.sub(r"^https://[^/]+", "", href)
            if not leaving and ready == "complete" and local.startswith(path) and all(text in body for text in texts):
                return
            time.sleep(0.15)
        snippet = " ".join(body.split())[:400]
        missing = [text for text in texts if text not in body]
        raise StepFailed(f"{step}: expected {path} showing {missing or list(texts)}, but the browser is at {href} "
                         f"(readyState {ready}) showing: {snippet!r}")

    def element_box(self, selector: str) -> dict:
        box = self.js(f"""(() => {{
            const e = document.querySelector({json.dumps(selector)});
            if (!e) return null;
            e.scrollIntoView({{block: 'center', inline: 'nearest'}});
            const r = e.getBoundingClientRect();
            return {{x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height}};
        }})()""")
        if not box or box["w"] == 0:
            raise StepFailed(f"no visible element {selector!r} on {self.state()[0]}")
        return box

    def click(self, selector: str, navigates: bool = False) -> None:
        """A real mouse click in the middle of the element; `navigates`: it submits a form or follows a link."""
        box = self.element_box(selector)
        if navigates:
            self.mark_leaving()
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.cdp("Input.dispatchMouseEvent",
                     {"type": kind, "x": box["x"], "y": box["y"], "button": "left", "clickCount": 1})

    def click_text(self, selector: str, text: str) -> None:
        """Clicks (and follows) the first link or button matching `selector` whose text is `text`."""
        index = self.js(f"""[...document.querySelectorAll({json.dumps(selector)})]
            .findIndex(e => e.textContent.trim() === {json.dumps(text)})""")
        if index is None or index < 0:
            raise StepFailed(f"no {selector!r} reading {text!r} on {self.state()[0]}")
        self.js(f"document.querySelectorAll({json.dumps(selector)})[{index}].setAttribute('data-shot-target', '1')")
        self.click("[data-shot-target='1']", navigates=True)

    def type(self, selector: str, text: str) -> None:
        """Focuses the field, clears it, and types as a keyboard would (Input.insertText)."""
        self.click(selector)
        self.js(f"document.querySelector({json.dumps(selector)}).select()")
        self.cdp("Input.insertText", {"text": text})
        value = self.js(f"document.querySelector({json.dumps(selector)}).value")
        if value != text:
            raise StepFailed(f"typing into {selector!r} gave {value!r}")

    def text_of(self, selector: str) -> str:
        value = self.js(f"document.querySelector({json.dumps(selector)})?.textContent")
        if value is None:
            raise StepFailed(f"no {selector!r} on {self.state()[0]}")
        return value

    def shot(self, out_dir: Path, name: str, elements: list[str] | None = None, max_height: int = 1400) -> Path:
        """A PNG of the page from the top (at most `max_height` px), or of the box around `elements` (CSS selectors;
        the first match of each) with some margin."""
        self.js("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()")
        time.sleep(0.2)  # let fonts and the blur settle
        if elements:
            rect = self.js(f"""(() => {{
                const rects = {json.dumps(elements)}.map(s => document.querySelector(s)).filter(e => e)
                    .map(e => e.getBoundingClientRect());
                if (rects.length === 0) return null;
                const left = Math.min(...rects.map(r => r.left)), top = Math.min(...rects.map(r => r.top));
                const right = Math.max(...rects.map(r => r.right)), bottom = Math.max(...rects.map(r => r.bottom));
                return {{x: left + scrollX, y: top + scrollY, w: right - left, h: bottom - top}};
            }})()""")
            if not rect:
                raise StepFailed(f"{name}: none of {elements} is on {self.state()[0]}")
            margin = 20
            clip = {"x": max(0, rect["x"] - margin), "y": max(0, rect["y"] - margin),
                    "width": min(VIEW_WIDTH, rect["w"] + 2 * margin), "height": rect["h"] + 2 * margin}
        else:
            # Down to the end of the content (not the empty rest of the window), at most max_height.
            height = self.js("Math.ceil(Math.max(...[...document.body.children]"
                             ".map(e => e.getBoundingClientRect().bottom + scrollY)))") + 24
            clip = {"x": 0, "y": 0, "width": VIEW_WIDTH, "height": max(300, min(int(height), max_height))}
        clip["scale"] = 1
        data = self.cdp("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True})["data"]
        path = out_dir / f"{name}.png"
        path.write_bytes(base64.b64decode(data))
        shrink(path)
        log(f"  saved {path.relative_to(REPO) if path.is_relative_to(REPO) else path} ({path.stat().st_size // 1024} KB)")
        return path


def shrink(path: Path) -> None:
    """Keeps a PNG under MAX_PNG_BYTES: reduces it to a 256-colour palette (Pillow) when it is larger."""
    if path.stat().st_size <= MAX_PNG_BYTES:
        return
    try:
        from PIL import Image
    except ImportError:
        raise StepFailed(f"{path.name} is {path.stat().st_size // 1024} KB (over 250 KB) and Pillow is not installed "
                         "to shrink it: python3 -m pip install Pillow")
    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    reduced.save(path, optimize=True)
    if path.stat().st_size > MAX_PNG_BYTES:
        raise StepFailed(f"{path.name} is still {path.stat().st_size // 1024} KB after shrinking; clip it smaller")


# MARK: - The flows


def totp_now(secret: str, avoid_step: int | None = None) -> tuple[str, int]:
    """The app's current code, waiting for a fresh 30-second step when the current one is about to end (or was
    already used: the guard accepts each step once)."""
    totp = pyotp.TOTP(secret)
    while True:
        now = time.time()
        step = int(now // 30)
        if 30 - now % 30 >= 5 and step != avoid_step:
            return totp.at(now), step
        time.sleep(30 - now % 30 + 0.5)


def log_in(tab: Tab, demo: Demo, account: tuple[str, str], step: str) -> None:
    tab.goto(demo.origin + "/")
    tab.expect(f"{step}: login page", "/login", "판매자 센터 로그인")
    tab.type("#account", account[0])
    tab.type("#password", account[1])


def submit_login(tab: Tab, step: str) -> None:
    tab.click("form.login button[type=submit]", navigates=True)
    tab.expect(f"{step}: admin home after login", "/", "안녕하세요")


def fill_registration(tab: Tab, channel: str, email: str, phone: str | None = None) -> None:
    """Fills the registration form (/__guard/enroll): the channel, the mobile number for SMS/messenger, the e-mail."""
    tab.click(f"input[name=channel][value={channel}]")
    if phone is not None:
        tab.type("#phone", phone)
    tab.type("#email", email)


def submit_registration(tab: Tab, step: str, *texts: str) -> None:
    """Sends the registration form and waits for the confirmation page showing `texts`."""
    tab.click("form[action='/__guard/enroll'] button[type=submit]", navigates=True)
    tab.expect(step, "/__guard/enroll/confirm?next=/sales/orders", *texts)


def register_app(tab: Tab, out: Path, shots: list[Path], step: str, email: str, form_shot: str, confirm_shot: str,
                 *confirm_texts: str) -> str:
    """Registers an authenticator app with this emergency e-mail, shooting the filled form and the confirmation
    page; returns the secret key the confirmation page shows (without its spaces)."""
    fill_registration(tab, "totp", email)
    shots.append(tab.shot(out, form_shot))
    submit_registration(tab, step, *confirm_texts)
    shots.append(tab.shot(out, confirm_shot))
    return tab.text_of("#secret").replace(" ", "")


def confirm_registration(tab: Tab, step: str, channel_code: str, email_code: str) -> None:
    """Types both codes on the confirmation page and waits for the menu the registration started from."""
    tab.type("#channel_code", channel_code)
    tab.type("#email_code", email_code)
    tab.click("form[action='/__guard/enroll/confirm'] button[type=submit]", navigates=True)
    tab.expect(step, "/sales/orders", "주문")


def type_wrong_code(tab: Tab, step: str, tries_left: int) -> None:
    """A wrong code on the verify page: the answer is a redirect to a page that says how many tries are left."""
    tab.type("#code", "000000")
    tab.click("form[action='/__guard/verify'] button[type=submit]", navigates=True)
    tab.expect(step, "/__guard/verify?next=/sales/orders&error=wrong_code", "인증 실패",
               f"{tries_left}번 더 틀리면 2시간 동안 잠깁니다")


def run(demo: Demo, browser: Browser, out: Path) -> list[Path]:
    shots: list[Path] = []

    # 1. seller-a: log in, open 판매관리, register an authenticator app, land on the order list.
    log("seller-a: log in and register an authenticator app (Korean)")
    a = browser.new_page(KOREAN)
    log_in(a, demo, SELLER_A, "seller-a")
    shots.append(a.shot(out, "01-admin-login"))
    submit_login(a, "seller-a")
    shots.append(a.shot(out, "02-admin-home", max_height=VIEW_HEIGHT))
    a.click_text("header nav a", "판매관리")
    a.expect("seller-a: 판매관리 sends an unregistered seller to registration", "/__guard/enroll?next=/sales/orders",
             "추가 인증 등록", "인증 앱(OTP)", "비상 연락 이메일")
    shots.append(a.shot(out, "03-enroll-choose-channel"))
    fill_registration(a, "totp", "seller-a@demo-shop.example")  # the account's own e-mail: refused, and why
    a.click("form[action='/__guard/enroll'] button[type=submit]", navigates=True)
    a.expect("seller-a: the account's own e-mail is refused", "/__guard/enroll", "등록 정보를 확인해 주세요",
             "계정 이메일과 달라야 합니다")
    shots.append(a.shot(out, "04a-enroll-email-same-as-account", max_height=560))
    secret = register_app(a, out, shots, "seller-a: registration form accepted", "seoyeon.kim@example.net",
                          "04-enroll-app-and-email", "05-enroll-confirm-app-qr",
                          "추가 인증 등록 확인", "비밀 키", "코드 다시 받기", "처음부터 다시 하기 (새 비밀 키)")

    # "코드 다시 받기": a new e-mail code, the same secret (the entry already added to the app stays good).
    a.click("form[action='/__guard/enroll/resend'] button[type=submit]", navigates=True)
    a.expect("seller-a: codes sent again", "/__guard/enroll/confirm?next=/sales/orders&sent=1",
             "확인 코드를 다시 보냈습니다", "전에 받은 코드는 이제 쓸 수 없습니다", "인증 앱에 추가한 항목은 그대로 쓸 수 있습니다")
    if a.text_of("#secret").replace(" ", "") != secret:
        raise StepFailed("seller-a: 코드 다시 받기 changed the secret key; it should keep it")
    a.js("document.querySelector('form[action=\"/__guard/enroll/resend\"]').id = 'resend-form'")
    shots.append(a.shot(out, "05b-enroll-codes-resent", elements=["h1", ".notice"]))
    shots.append(a.shot(out, "05c-enroll-resend-button", elements=[
        "form[action='/__guard/enroll/confirm'] button[type=submit]", "#resend-form", "p.links"]))
    email_code = demo.code("seller-a", "email")

    outbox = browser.new_page(KOREAN)
    outbox.goto(demo.origin + "/__guard/dev/outbox")
    outbox.expect("dev outbox page", "/__guard/dev/outbox", "Dev outbox", email_code)
    shots.append(outbox.shot(out, "06-demo-dev-outbox", max_height=500))

    app_code, used_step = totp_now(secret)
    confirm_registration(a, "seller-a: both codes accepted, back to the order list", app_code, email_code)
    shots.append(a.shot(out, "07-orders-after-registration", max_height=VIEW_HEIGHT))

    a.goto(demo.origin + "/__guard/settings")
    a.expect("seller-a: settings page", "/__guard/settings", "추가 인증 설정", "인증 주기", "인증 앱(OTP)",
             "판매자 센터로")
    shots.append(a.shot(out, "08-settings"))

    # 2. seller-b: register by SMS, end the verification, come back: the verify page, a code, the e-mail fallback.
    #    Every browser here comes from 127.0.0.1, and the lockout also counts code requests per client address:
    #    start seller-b with that counter reset (what an administrator's unlock does).
    log("seller-b: register by SMS, then the verify page (Korean)")
    demo.unlock("seller-a")
    b = browser.new_page(KOREAN)
    log_in(b, demo, SELLER_B, "seller-b")
    submit_login(b, "seller-b")
    b.click_text("header nav a", "판매관리")
    b.expect("seller-b: 판매관리 sends to registration", "/__guard/enroll?next=/sales/orders", "추가 인증 등록")
    fill_registration(b, "sms", "junho.park@example.org", phone="010-9876-5432")
    submit_registration(b, "seller-b: SMS registration accepted", "1. 휴대전화 확인", "010-****-5432", "코드 다시 받기")
    shots.append(b.shot(out, "09-enroll-confirm-sms"))
    confirm_registration(b, "seller-b: registered, on the order list", demo.code("seller-b", "sms"),
                         demo.code("seller-b", "email"))

    b.goto(demo.origin + "/__guard/settings")
    b.expect("seller-b: settings page", "/__guard/settings", "추가 인증 설정")
    b.click("form[action='/__guard/logout'] button[type=submit]", navigates=True)
    b.expect("seller-b: verification ended in this browser", "/", "안녕하세요")
    b.click_text("header nav a", "판매관리")
    b.expect("seller-b: 판매관리 now asks to verify", "/__guard/verify?next=/sales/orders", "추가 인증", "인증번호 받기",
             "인증번호를 받으실 수 없나요?", "인증하면 ‘판매관리’ 메뉴로 돌아갑니다")
    shots.append(b.shot(out, "10-verify-sms"))
    b.js("""(() => { const h = [...document.querySelectorAll('main h2')].find(e => e.textContent.includes('받으실 수 없나요'));
        h.id = 'cant-receive'; h.nextElementSibling.id = 'cant-receive-hint';
        h.nextElementSibling.nextElementSibling.id = 'cant-receive-form'; })()""")
    shots.append(b.shot(out, "10b-cant-receive-section", elements=["#cant-receive", "#cant-receive-hint", "#cant-receive-form"]))
    # Sending a code answers with a redirect (post/redirect/get): reloading the page that says "sent" sends nothing.
    b.click("form[action='/__guard/challenge']:not(:has(input[name=emergency])) button[type=submit]", navigates=True)
    b.expect("seller-b: code sent by SMS", "/__guard/verify?next=/sales/orders&sent=sms",
             "새 인증번호를 휴대전화 010-****-5432(으)로 보냈습니다", "전에 받은 인증번호는 이제 쓸 수 없습니다")
    shots.append(b.shot(out, "11-verify-sms-code-sent"))
    b.click("form:has(input[name=emergency]) button[type=submit]", navigates=True)
    b.expect("seller-b: code sent to the emergency e-mail", "/__guard/verify?next=/sales/orders&sent=email",
             "새 인증번호를 비상 연락 이메일", "(으)로 보냈습니다")
    shots.append(b.shot(out, "12-cant-receive-code-emailed"))

    # 3. Five wrong codes lock verification. The lockout also counts per client address, and all the browsers
    #    come from 127.0.0.1, so the counters are reset first (what an administrator's unlock does).
    log("seller-b: five wrong codes lock verification")
    demo.unlock("seller-b")
    b.goto(demo.origin + "/__guard/verify?next=/sales/orders")
    b.expect("seller-b: verify page again", "/__guard/verify", "인증번호 받기")
    type_wrong_code(b, "seller-b: wrong code 1 refused", tries_left=4)
    shots.append(b.shot(out, "13-verify-wrong-code"))
    b.mark_leaving()
    b.cdp("Page.reload")  # the answer was a redirect: a reload shows the page again and counts nothing
    b.expect("seller-b: reloading the wrong-code page counts nothing", "/__guard/verify?next=/sales/orders&error=wrong_code",
             "4번 더 틀리면")
    for attempt in range(2, 5):
        type_wrong_code(b, f"seller-b: wrong code {attempt} refused", tries_left=5 - attempt)
    b.type("#code", "000000")
    b.click("form[action='/__guard/verify'] button[type=submit]", navigates=True)
    b.expect("seller-b: the fifth wrong code locks", "/__guard/verify", "추가 인증이 잠겼습니다",
             "이 계정과 이 접속 위치(IP 127.0.0.1)의 추가 인증이", "까지 잠겼습니다",
             "pii-guard users unlock seller-b --ip 127.0.0.1")
    shots.append(b.shot(out, "14-locked"))
    demo.unlock("seller-b")

    # 4. English pages: auditor-a registers an app; seller-a verifies in a second browser.
    log("auditor-a and seller-a: English pages")
    e = browser.new_page(ENGLISH)
    log_in(e, demo, AUDITOR_A, "auditor-a")
    submit_login(e, "auditor-a")
    e.click_text("header nav a", "판매관리")
    e.expect("auditor-a: registration in English", "/__guard/enroll", "Register a second factor", "Authenticator app")
    if e.js("document.documentElement.lang") != "en":
        raise StepFailed("auditor-a: the registration page is not in English although Accept-Language asks for it")
    auditor_secret = register_app(e, out, shots, "auditor-a: confirmation in English", "doyun.lee@example.com",
                                  "en-01-enroll", "en-02-enroll-confirm-app",
                                  "Confirm your registration", "Secret key", "Send the codes again")
    code, _ = totp_now(auditor_secret)
    confirm_registration(e, "auditor-a: registered", code, demo.code("auditor-a", "email"))
    e.goto(demo.origin + "/__guard/settings")
    e.expect("auditor-a: settings in English", "/__guard/settings", "Second-factor settings", "Verification cycle",
             "Seller admin")
    shots.append(e.shot(out, "en-03-settings"))

    s = browser.new_page(ENGLISH)
    log_in(s, demo, SELLER_A, "seller-a (second browser)")
    submit_login(s, "seller-a (second browser)")
    s.click_text("header nav a", "판매관리")
    s.expect("seller-a (second browser): verify in English", "/__guard/verify?next=/sales/orders", "Verify it’s you",
             "authenticator app", "Can’t receive your code?")
    shots.append(s.shot(out, "en-04-verify-app"))
    code, _ = totp_now(secret, avoid_step=used_step)
    s.type("#code", code)
    s.click("form[action='/__guard/verify'] button[type=submit]", navigates=True)
    s.expect("seller-a (second browser): verified", "/sales/orders", "주문")

    # 5. The first browser of seller-a: someone verified later on the same account.
    log("seller-a: the first browser is told someone verified elsewhere (Korean)")
    a.goto(demo.origin + "/")
    a.expect("seller-a: admin home", "/", "안녕하세요")
    a.click_text("header nav a", "판매관리")
    a.expect("seller-a: shared account, superseded", "/__guard/superseded?next=/sales/orders", "다른 곳에서 인증했습니다",
             "마지막으로 인증한 사람만")
    shots.append(a.shot(out, "15-verified-elsewhere"))
    a.click("a.button", navigates=True)
    a.expect("seller-a: verify page for the app", "/__guard/verify?next=/sales/orders", "인증 앱의 6자리 숫자")
    shots.append(a.shot(out, "16-verify-app"))

    # 6. One office address, several accounts: three wrong codes by seller-b and two by seller-a (both from
    #    127.0.0.1) lock the address, not the accounts. The page names the IP and the unlock command with --ip.
    log("seller-b and seller-a: wrong codes from one address lock the address")
    b.goto(demo.origin + "/__guard/verify?next=/sales/orders")
    b.expect("seller-b: verify page", "/__guard/verify", "인증번호 받기")
    for attempt in range(1, 4):
        type_wrong_code(b, f"seller-b: wrong code {attempt} from the shared address", tries_left=5 - attempt)
    type_wrong_code(a, "seller-a: the address budget is nearly spent", tries_left=1)
    a.type("#code", "000000")
    a.click("form[action='/__guard/verify'] button[type=submit]", navigates=True)
    a.expect("seller-a: the address is locked", "/__guard/verify", "추가 인증이 잠겼습니다",
             "이 접속 위치(IP 127.0.0.1)에서의 추가 인증이", "pii-guard users unlock seller-a --ip 127.0.0.1")
    shots.append(a.shot(out, "14b-locked-address"))
    demo.unlock("seller-a")
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=REPO / ".build" / "debug" / "pii-guard",
                        help="the pii-guard executable (default: .build/debug/pii-guard)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images" / "seller-guide",
                        help="folder for the PNGs (default: docs/images/seller-guide)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (demo log, data) for inspection")
    options = parser.parse_args()
    if not options.binary.exists():
        print(f"error: {options.binary} does not exist; build it first with `swift build`", file=sys.stderr)
        return 1
    options.out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="pii-guard-screenshots-"))
    demo = Demo(options.binary.resolve(), workdir)
    browser = None
    # A Ctrl-C or a SIGTERM still stops the demo and Chromium.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        demo.start()
        browser = Browser(workdir, demo)
        shots = run(demo, browser, options.out)
        log(f"done: {len(shots)} screenshots in {options.out}")
        return 0
    except StepFailed as failure:
        print(f"\nerror: {failure}", file=sys.stderr)
        tail = demo.output().strip().splitlines()[-15:]
        if tail:
            print("last lines of the demo's output:\n  " + "\n  ".join(tail), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        if browser:
            browser.close()
        demo.stop()
        if options.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
