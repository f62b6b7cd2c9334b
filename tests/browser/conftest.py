"""Browser tests: the app served by gunicorn on a free localhost port, against a temporary SQLite
database prepared with the migrations and the demo data, driven through Playwright with Debian's
Chromium (never a downloaded browser). Every page is checked with axe-core for WCAG 2.2 A/AA.

All browser tests share one xdist group, so under `pytest -n 2 --dist loadgroup` one worker runs
them against one server and one browser. A failing test leaves a screenshot in test-results/."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from catalogue.config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RESULTS = PROJECT_ROOT / "test-results"
BROWSER_DIR = Path(__file__).resolve().parent
DEMO_PASSWORD = "heather lantern moorland walk"
# Accounts seeded by a journey share this one.
SEED_PASSWORD = "seeded journey account password"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium (.ci/run does)")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium); browser tests need Debian's Chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="session")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    _need_chromium()
    tmp = tmp_path_factory.mktemp("browser-server")
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'browser.db'}",
            "INSTANCE_DIR": str(tmp),
            "SEARCH_INDEX_DIR": str(tmp / "index"),
            "SECRET_KEY": "browser-tests",
            "RATELIMIT_ENABLED": "0",
            "MAIL_SEND_AFTER_REQUEST": "0",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
        }
    )
    env.pop("TEST_DATABASE_URL", None)
    _run(["db", "upgrade"], env)
    _run(["seed", "demo"], env)
    return env


@pytest.fixture(scope="session")
def live_server(server_env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    log = open(Path(server_env["INSTANCE_DIR"]) / "gunicorn.log", "w")  # noqa: SIM115
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=PROJECT_ROOT,
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                if json.load(response)["status"] == "ok":
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            raise RuntimeError(
                "the app server did not start:\n" + (Path(server_env["INSTANCE_DIR"]) / "gunicorn.log").read_text()
            )
        time.sleep(0.2)
    yield base
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


@pytest.fixture(scope="session")
def browser(live_server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # launch() gives every browser a fresh temporary profile (user-data dir), removed on close.
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageProblems:
    """What the page told the console: CSP refusals, script errors, failed requests."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def console(self, message: object) -> None:
        if message.type in ("error", "warning"):
            self.messages.append(f"console {message.type}: {message.text}")

    def page_error(self, error: object) -> None:
        self.messages.append(f"page error: {error}")


def _open_page(browser: object, live_server: str) -> tuple[object, object]:
    """A page in a context of its own (its own cookies: one signed-in person), watching the console."""
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    problems = PageProblems()
    new_page.on("console", problems.console)
    new_page.on("pageerror", problems.page_error)
    new_page.problems = problems
    return context, new_page


def _screenshot_if_failed(request: pytest.FixtureRequest, pages: list[tuple[str, object]]) -> None:
    report = getattr(request.node, "report_call", None)
    if report is None or not report.failed:
        return
    RESULTS.mkdir(exist_ok=True)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.nodeid)
    for suffix, shown in pages:
        try:
            shown.screenshot(path=str(RESULTS / f"{name}{suffix}.png"), full_page=True)
        except Exception as exc:  # the screenshot is a courtesy; the failure is reported anyway
            print(f"screenshot failed: {exc}")


@pytest.fixture
def page(browser: object, live_server: str, request: pytest.FixtureRequest) -> Iterator[object]:
    context, new_page = _open_page(browser, live_server)
    yield new_page
    _screenshot_if_failed(request, [("", new_page)])
    context.close()


@pytest.fixture
def page_as(browser: object, live_server: str, request: pytest.FixtureRequest) -> Iterator[Callable[..., object]]:
    """page_as(email, password=DEMO_PASSWORD) -> a page signed in as that person, in a browser
    context of its own, so a journey between several people needs no signing out and in again.
    Each page is screenshotted (test-results/<test>-<email>.png) when the test fails."""
    opened: list[tuple[str, object, object]] = []

    def open_as(email: str, password: str = DEMO_PASSWORD) -> object:
        context, new_page = _open_page(browser, live_server)
        opened.append((email, context, new_page))
        sign_in(new_page, email, password)
        return new_page

    yield open_as
    _screenshot_if_failed(request, [(f"-{email}", shown) for email, _context, shown in opened])
    for _email, context, _shown in opened:
        context.close()


# --- arranging what a journey needs but is not about, straight in the live server's database ---


@pytest.fixture(scope="session")
def server_app(server_env: dict[str, str]) -> Iterator[object]:
    """The app, configured like the live server, for writing seed data to its database."""
    from catalogue import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": server_env["DATABASE_URL"],
            "SEARCH_INDEX_DIR": server_env["SEARCH_INDEX_DIR"],
            "INSTANCE_DIR": server_env["INSTANCE_DIR"],
            "SECRET_KEY": server_env["SECRET_KEY"],
            "RATELIMIT_ENABLED": False,
            "MAIL_SEND_AFTER_REQUEST": False,
            "SEARCH_SYNC_AFTER_REQUEST": False,
        }
    )
    yield app
    app.extensions["catalogue.engine"].dispose()


@pytest.fixture
def seed(server_app: object) -> Callable[[], AbstractContextManager[object]]:
    """`with seed() as session:` adds records to the live server's database and commits them at
    the end of the block (one short write transaction: the server is never kept waiting). The
    search index catches up from the change log on the server's next write request."""

    @contextmanager
    def seeding() -> Iterator[object]:
        from sqlmodel import Session

        from catalogue.db import writing

        with server_app.app_context(), writing():
            session = Session(server_app.extensions["catalogue.engine"], expire_on_commit=False)
            try:
                yield session
                session.commit()
            finally:
                session.close()

    return seeding


def seed_user(session: object, email: str, organisation_ref: str, name: str, role: str = "member") -> object:
    """An approved member of an existing organisation, with SEED_PASSWORD."""
    from sqlmodel import select

    from catalogue.accounts.models import Organisation, User
    from catalogue.accounts.passwords import hash_password
    from catalogue.db import utcnow

    org = session.exec(select(Organisation).where(Organisation.ref == organisation_ref)).one()
    user = User(
        email=email,
        display_name=name,
        password_hash=hash_password(SEED_PASSWORD),
        organisation_id=org.id,
        role=role,
        status="approved",
        approved_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return user


_AXE_SOURCE: list[str] = []


def axe_violations(page: object) -> list[dict]:
    """Run axe-core in the page (injected through the DevTools protocol, which the page's CSP
    does not govern) and return WCAG 2.2 A/AA violations."""
    if not _AXE_SOURCE:
        _AXE_SOURCE.append(AXE_JS.read_text())
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_AXE_SOURCE[0])
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            // One documented exception: GOV.UK Frontend's conditionally revealing radios and
            // checkboxes carry aria-expanded on purpose (alphagov/govuk-frontend#979, a known issue
            // kept because screen readers announce it); only that attribute on those inputs.
            const knownIssue = (v, n) => v.id === 'aria-allowed-attr'
                && document.querySelector(n.target[0])?.matches('.govuk-radios__input, .govuk-checkboxes__input')
                && n.any.concat(n.all, n.none).every(c => /aria-expanded/.test(c.message));
            result.violations.forEach(v => { v.nodes = v.nodes.filter(n => !knownIssue(v, n)); });
            return result.violations.filter(v => v.nodes.length).map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
            }));
        }""",
        WCAG_TAGS,
    )


def assert_accessible(page: object) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core WCAG 2.2 A/AA violations on {page.url}:\n" + json.dumps(violations, indent=2)
    refused = [m for m in page.problems.messages if "Content Security Policy" in m or "page error" in m]
    assert not refused, f"{page.url}:\n" + "\n".join(refused)


def sign_in(page: object, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/account/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/account/sign-in" not in page.url, page.content()[:2000]
