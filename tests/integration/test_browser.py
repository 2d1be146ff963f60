"""The web pages in real headless Chromium against the real app: the customer's web chat to
a handoff, the operator's inbox answering it, and the KPI dashboard."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from knowledge.settings import Settings
from tests.browser import ARTIFACTS, CHROMIUM_ARGS, LiveServer, chromium_or_skip
from tests.conftest import DEMO_NOW

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright not installed: pip install playwright"
)
expect = sync_api.expect

TURN_MS = 30_000  # one graph turn, the first of which warms the models up
POLL_MS = 8_000  # the chat polls every 2 s
HANDOFF = "Ti passo a un operatore"
DISCLOSURE = "un sistema di intelligenza artificiale"
# Records whether the typing indicator was ever shown, however fast the answer came.
WATCH_TYPING = """
window.__sawTyping = false;
new MutationObserver((changes) => {
  for (const change of changes)
    for (const node of change.addedNodes)
      if (node.classList && node.classList.contains("typing")) window.__sawTyping = true;
}).observe(document, { childList: true, subtree: true });
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_or_skip()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def warm_classifier(classifier: Any) -> None:
    """Embed the intent examples once per session, before `runtime_dir` copies their cache
    (otherwise every app would embed them again on its first turn)."""
    assert classifier.matrix.size


@pytest.fixture
def app(warm_classifier: None, runtime_dir: Path) -> Any:
    settings = Settings(
        _env_file=None,
        sportello_data_dir=runtime_dir,
        sportello_env="demo",  # type: ignore[call-arg]
        sportello_clock_start=DEMO_NOW,
        otp_fixed_code="123456",
        operator_tokens="anna:op-token",
    )
    return create_app(settings, run_worker=False)


@pytest.fixture
def site(app: Any) -> Iterator[str]:
    with LiveServer(app) as base_url:
        yield base_url


class Tab:
    """One browser page in its own context (own storage), failing on script errors."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.context = browser.new_context(
            base_url=base_url,
            locale="it-IT",
            timezone_id="Europe/Rome",
            viewport={"width": 1100, "height": 800},
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def close(self) -> None:
        assert self.errors == [], f"script errors on the page: {self.errors}"
        self.context.close()


@pytest.fixture
def tabs(browser: Any, site: str) -> Iterator[Any]:
    opened: list[Tab] = []

    def open_tab() -> Tab:
        opened.append(Tab(browser, site))
        return opened[-1]

    yield open_tab
    for tab in opened:
        tab.close()


class Customer:
    """The customer's web chat page."""

    def __init__(self, page: Any) -> None:
        self.page = page
        page.add_init_script(WATCH_TYPING)
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/static/chat\.html$"))
        expect(page.locator("body")).to_have_attribute("data-ready", "true")

    @property
    def thread(self) -> str:
        return str(self.page.locator("body").get_attribute("data-thread"))

    def answers(self) -> Any:
        return self.page.locator(".row.assistant:not(.typing) .bubble:not(.document)")

    def write(self, text: str) -> Any:
        """Type and send a message and wait for the turn; returns the customer's bubble."""
        self.page.locator("#text").fill(text)
        self.page.locator("#text").press("Enter")
        mine = self.page.locator(".row.customer .bubble").last
        expect(mine).to_contain_text(text)
        expect(self.page.locator("#send")).to_be_enabled(timeout=TURN_MS)
        return mine

    def say(self, text: str) -> Any:
        """Send a message the assistant answers; returns the answer's bubble."""
        before = self.answers().count()
        mine = self.write(text)
        expect(self.answers()).to_have_count(before + 1)
        expect(mine.locator(".ticks")).to_have_attribute("data-state", "read")
        return self.answers().nth(before)


def test_a_customer_chats_through_to_a_handoff(tabs: Any) -> None:
    tab = tabs()
    customer = Customer(tab.page)
    page = customer.page
    header = page.locator(".chat-header")
    expect(header.locator("h1")).to_have_text("Lumea")
    expect(header.locator(".status")).to_have_text("assistente virtuale")
    assert customer.thread == ""  # the server starts the conversation with the first message

    answer = customer.say("come si legge la bolletta della luce?")
    assert re.fullmatch(r"web:[\w-]{32}", customer.thread)  # made by the server, unguessable
    stored = page.evaluate("JSON.parse(sessionStorage.getItem('sportello.chat.session'))")
    assert stored["thread_id"] == customer.thread and stored["session_token"]
    expect(answer).to_contain_text(DISCLOSURE)
    assert "\n" in answer.inner_text()  # paragraphs kept
    expect(answer.locator(".sources")).to_contain_text("Fonti:")
    expect(answer.locator(".meta")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    assert page.evaluate("window.__sawTyping") is True
    expect(page.locator(".row.typing")).to_have_count(0)

    handoff = customer.say("vorrei parlare con un operatore")
    expect(handoff).to_contain_text(HANDOFF)
    expect(handoff).not_to_contain_text(DISCLOSURE)  # said once, at the start
    expect(page.locator(".system-chip.handoff")).to_be_visible()
    expect(page.locator(".bubble").filter(has_text=DISCLOSURE)).to_be_visible()

    page.reload()  # the conversation survives a reload: same tab, same thread and token
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator(".row.assistant .bubble").last).to_contain_text(HANDOFF)
    expect(page.locator(".row.customer")).to_have_count(2)


def test_reply_buttons_and_documents(tabs: Any) -> None:
    customer = Customer(tabs().page)
    for text in ("vorrei pagare a rate la bolletta del gas", "LM00010001"):
        customer.say(text)
    offer = customer.say("123456")
    plans = offer.locator("xpath=..").locator(".choice")
    expect(plans).to_have_count(2)
    plan = plans.first.inner_text()
    plans.first.click()  # tapping a button sends its title
    expect(customer.page.locator(".row.customer .bubble").last).to_contain_text(plan)
    expect(customer.page.locator("#send")).to_be_enabled(timeout=TURN_MS)
    expect(plans.first).to_be_disabled()  # an answered offer can't be tapped again
    consent = customer.answers().last
    expect(consent).to_contain_text("Confermi")
    consent.locator("xpath=..").locator(".choice", has_text="Sì").click()
    expect(customer.page.locator("#send")).to_be_enabled(timeout=TURN_MS)
    expect(customer.answers().last).to_contain_text("attivato")

    customer.say("mandami una copia della bolletta della luce")
    chip = customer.page.locator(".doc-chip").last
    expect(chip).to_be_visible()
    expect(chip.locator(".doc-name")).to_have_text(re.compile(r"^bolletta-.+\.pdf$"))


def test_an_operator_answers_in_the_customers_chat(tabs: Any) -> None:
    customer = Customer(tabs().page)
    customer.say("ciao")
    customer.say("vorrei parlare con un operatore")
    waiting = customer.write("ci siete?")  # the assistant stays quiet while a person takes over
    expect(waiting.locator(".ticks")).to_have_attribute("data-state", "delivered")
    expect(customer.answers()).to_have_count(2)
    expect(customer.page.locator(".system-chip.handoff")).to_have_count(1)

    inbox = tabs().page
    inbox.goto("/static/operator.html")
    inbox.locator("#token").fill("wrong-token")
    inbox.locator("#token").press("Enter")
    expect(inbox.locator("#login-error")).to_have_text("Token non valido.")
    inbox.locator("#token").fill("op-token")
    inbox.locator("#token").press("Enter")
    ticket = inbox.locator(f'.ticket[data-thread="{customer.thread}"]')
    expect(ticket).to_be_visible()
    expect(ticket).to_contain_text("Cliente non identificato")
    expect(ticket).to_contain_text("non identificato")
    expect(ticket.locator(".question")).to_have_text("vorrei parlare con un operatore")
    expect(inbox.locator("#queue-count")).to_have_text("1")
    expect(ticket).to_contain_text("Normale")

    ticket.click()
    expect(inbox.locator("#summary")).to_contain_text("Domanda aperta")
    expect(inbox.locator("#transcript .line-msg.customer")).to_have_count(3)
    reply = "Buongiorno, sono Anna di Lumea. Mi dice il suo codice cliente?"
    inbox.locator("#reply-text").fill(reply)
    inbox.locator("#reply-send").click()
    expect(inbox.locator("#flash")).to_have_text("Risposta inviata.")
    expect(inbox.locator("#transcript .line-msg.operator")).to_contain_text(reply)

    operator = customer.page.locator(".row.operator .bubble")
    expect(operator).to_contain_text(reply, timeout=POLL_MS)
    expect(operator.locator(".sender")).to_have_text("Operatore")
    expect(waiting.locator(".ticks")).to_have_attribute("data-state", "read")

    inbox.locator("#release").click()
    expect(inbox.locator("#flash")).to_contain_text("rilasciata")
    expect(inbox.locator(f'.ticket[data-thread="{customer.thread}"]')).to_have_count(0)
    csat = customer.page.locator(".row.assistant .bubble").last
    expect(csat).to_contain_text("da 1 a 5", timeout=POLL_MS)
    expect(customer.say("5")).to_contain_text("Grazie")


def test_a_screenshot_of_the_chat_is_kept(tabs: Any) -> None:
    customer = Customer(tabs().page)
    customer.say("c'è puzza di gas in cantina")
    customer.say("vorrei parlare con un operatore")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "web-chat.png"
    shot.unlink(missing_ok=True)
    customer.page.screenshot(path=str(shot))
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000


def test_the_dashboard_draws_the_kpis(request: pytest.FixtureRequest) -> None:
    if "/v1/kpis" not in create_app(Settings(_env_file=None)).openapi()["paths"]:
        pytest.skip("GET /v1/kpis is not in the app yet: the dashboard has nothing to draw")
    tabs = request.getfixturevalue("tabs")  # the app and browser only when there is a page to test
    ARTIFACTS.mkdir(exist_ok=True)
    customer = Customer(tabs().page)
    customer.say("come si legge il contatore del gas?")
    customer.say("vorrei parlare con un operatore")

    page = tabs().page
    today = DEMO_NOW.date()
    page.goto(
        f"/static/dashboard.html?from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    )
    body = page.locator("body")
    expect(body).to_have_attribute("data-loaded", "error")  # the KPIs are for operators
    expect(page.locator("#token-form")).to_be_visible()
    page.locator("#token").fill("op-token")
    page.locator("#token").press("Enter")
    expect(body).to_have_attribute("data-loaded", "true")
    expect(page.locator("#tiles .tile")).to_have_count(8)
    tiles = {
        "turns": "2",
        "threads": "1",
        "handoffs": "1",
        "deflection_rate": "0%",
        "csat_average": "—",
    }
    for kpi, value in tiles.items():
        expect(page.locator(f'#tiles [data-kpi="{kpi}"] .value')).to_have_text(value)
    expect(page.locator("#volumes svg rect.bar")).to_have_count(2)  # two routes
    expect(page.locator('#volumes svg rect.bar[data-key="handoff"]')).to_be_visible()
    expect(page.locator("#channels svg circle.slice")).to_have_count(1)
    expect(page.locator("#channels .legend")).to_contain_text("Web chat")
    expect(page.locator("#channels .legend")).to_contain_text("100%")
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
