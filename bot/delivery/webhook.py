"""Posting a Slack-compatible JSON message ({"text": ...}) to the staff webhook."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

TIMEOUT_SECONDS = 10


class WebhookSender:
    def __init__(self, url: str) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("BOT_STAFF_WEBHOOK_URL must be an http(s) URL")
        self.url = url

    def send(self, payload: dict[str, Any], idempotency_key: str) -> None:
        """POST the payload; any non-2xx answer raises (urllib's HTTPError), so it is retried."""
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                # Receivers that dedupe drop the copy sent again after a crash mid-delivery.
                "Idempotency-Key": idempotency_key,
                "User-Agent": "aluma-assistant",
            },
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()
