"""Browser tests' tools: Debian's chromium driven by Playwright, the widget as a visitor sees
it, and axe-core checks that reach into the widget's shadow root."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    expect,
    sync_playwright,
)

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's chromium (`make browser` installs it); Playwright never downloads a browser."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError("Debian's chromium is not installed: run `make browser`")
    return path


@contextmanager
def chromium() -> Iterator[Browser]:
    """One headless chromium; Playwright gives it a fresh, temporary user-data dir."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Chat:
    """The widget on a page, found the way a visitor with a screen reader finds it."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.get_by_role("button", name=re.compile("chat", re.IGNORECASE))
        self.panel = page.get_by_role("dialog")
        self.log = page.get_by_role("log", name="Conversation")
        self.input = page.get_by_role("textbox", name="Your message")
        self.quick_replies = page.get_by_role("group", name="Suggested questions")
        self.typing = page.get_by_role("status")
        self.alert = page.get_by_role("alert")
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        # What the page's own scripts and markup do; scripts the test injects (axe-core, run
        # through page.evaluate) have no URL and are not held to the page's policy.
        if "Content Security Policy" in message.text and message.location.get("url"):
            self.errors.append(f"{message.text} at {message.location}")

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def reply(self, name: str) -> Locator:
        return self.quick_replies.get_by_role("button", name=name, exact=True)

    def answer(self) -> list[str]:
        """The bot's messages since the visitor's last one."""
        messages = self.shadow(
            "[...root.querySelectorAll('.log .msg')]"
            ".map(m => [m.classList.contains('user'), m.querySelector('.text').textContent])"
        )
        last_user = max((i for i, (user, _) in enumerate(messages) if user), default=-1)
        return [text for _, text in messages[last_user + 1 :]]

    def bot_says(self, text: str, timeout: float = 15.0) -> list[str]:
        """Waits until the bot's answer to the visitor's last message contains `text`."""
        deadline = time.monotonic() + timeout
        while text not in "\n".join(answer := self.answer()):
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not say {text!r}; it said {answer!r}")
            self.page.wait_for_timeout(100)
        return answer

    def bubbles(self) -> list[str]:
        return [t.strip() for t in self.log.locator(".msg .text").all_inner_texts()]

    def sender(self) -> str:
        return str(self.page.evaluate("JSON.parse(localStorage.getItem('aluma-chat:sender'))"))

    def shadow(self, script: str) -> Any:
        """Evaluates `script` with `root` bound to the widget's shadow root."""
        return self.page.evaluate(
            f"(() => {{ const root = document.querySelector('aluma-chat').shadowRoot; "
            f"return {script}; }})()"
        )


def axe_violations(page: Page, context: Any = None) -> list[dict[str, Any]]:
    results = Axe().run(page, context=context)
    return list(results.response["violations"])


def widget_contrast(page: Page) -> dict[str, list[dict[str, Any]]]:
    """axe's colour-contrast check on the widget alone.

    Over the article axe cannot tell the widget's backgrounds ("partially obscures" another
    element, so the result is only "incomplete"); with the page behind it hidden, it can.
    """
    page.evaluate(
        "for (const el of document.querySelectorAll('body > :not(aluma-chat)'))"
        " el.style.visibility = 'hidden'"
    )
    try:
        response = (
            Axe()
            .run(
                page,
                context="aluma-chat",
                options={
                    "runOnly": ["color-contrast"],
                    "resultTypes": ["violations", "incomplete", "passes"],
                },
            )
            .response
        )
    finally:
        page.evaluate(
            "for (const el of document.querySelectorAll('body > :not(aluma-chat)'))"
            " el.style.visibility = ''"
        )
    return {
        kind: [n for r in response[kind] for n in r["nodes"]]
        for kind in ("violations", "incomplete", "passes")
    }
