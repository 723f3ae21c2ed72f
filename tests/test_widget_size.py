"""What the widget may weigh and what its source may never contain."""

from __future__ import annotations

import re
from pathlib import Path

from bench.widget_size import BUDGET_GZIP_BYTES, measure
from bot.widget import page

WIDGET_JS = (Path(page.__file__).with_name("static") / "widget.js").read_text(encoding="utf-8")


def test_widget_scripts_and_styles_fit_in_15_kb_gzipped() -> None:
    assert BUDGET_GZIP_BYTES == 15 * 1024
    total = measure()["total_gzip_bytes"]
    assert isinstance(total, int) and 0 < total <= BUDGET_GZIP_BYTES


def test_widget_never_turns_strings_into_html_or_code() -> None:
    # Text goes into the page as text nodes only; the browser tests show it, this keeps it so.
    forbidden = re.compile(
        r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser|"
        r"createContextualFragment|srcdoc|\beval\(|new Function|setTimeout\(\s*['\"`]"
    )
    assert forbidden.findall(WIDGET_JS) == []
