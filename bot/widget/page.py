"""The demo page: the clinic's article (content/botox-for-rosacea.txt) as HTML, with the widget.

Every piece of text is escaped; the page has no inline script or style, so it runs under the
strict Content-Security-Policy that bot/web/widget.py sends with it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from bot.settings import CLINIC_PHONE, PROJECT_ROOT

ARTICLE = PROJECT_ROOT / "content" / "botox-for-rosacea.txt"
TEMPLATE = Path(__file__).with_name("demo.html")


@dataclass(frozen=True)
class Article:
    title: str
    blocks: tuple[str, ...]  # the article's headings and paragraphs, up to its sources
    footer: tuple[str, ...]  # the page footer's contact details


def parse(text: str) -> Article:
    """The article as published: title, body up to "Sources:", and the contact footer.

    The page's logos (image alt texts) and the old chat plugin's lines after the copyright
    notice are left out: the widget replaces that plugin.
    """
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    title, *rest = blocks
    end = next(i for i, b in enumerate(rest) if b.startswith("Sources:"))
    contact = max(i for i, b in enumerate(rest) if b == "Contact Us")
    copyright_ = next(i for i, b in enumerate(rest) if b.startswith("Copyright"))
    return Article(title, tuple(rest[: end + 1]), tuple(rest[contact + 1 : copyright_ + 1]))


def is_heading(block: str) -> bool:
    return "\n" not in block and len(block) < 80 and not block.endswith((".", "?", "!", ":"))


def _lines(block: str) -> str:
    """Escaped text with its line breaks kept and the office phone number as a tel: link."""
    escaped = "<br>".join(html.escape(line.strip()) for line in block.splitlines())
    phone = html.escape(CLINIC_PHONE)
    link = f'<a href="tel:+1{re.sub(r"[^0-9]", "", CLINIC_PHONE)}">{phone}</a>'
    return escaped.replace(phone, link)


def render(article: Article) -> str:
    parts = []
    for block in article.blocks:
        if block.startswith("Sources:"):
            parts.append(f'<p class="sources">{_lines(block)}</p>')
        elif is_heading(block):
            parts.append(f"<h2>{html.escape(block)}</h2>")
        else:
            parts.append(f"<p>{_lines(block)}</p>")
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        title=html.escape(article.title),
        article="\n".join(parts),
        footer="\n".join(f"<p>{_lines(line)}</p>" for line in article.footer),
    )


@cache
def demo_page() -> str:
    return render(parse(ARTICLE.read_text(encoding="utf-8")))
