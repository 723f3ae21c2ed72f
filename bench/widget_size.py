"""The widget's weight: the bytes one script tag costs a visitor (widget.js and widget.css), raw
and gzipped exactly as the web service serves them. Results: bench/results/widget_size.json.

    python -m bench.widget_size

For scale, the widely used rasa-webchat bundle is about 212 KB gzipped.
"""

from __future__ import annotations

import json

from bench import write_results
from bot.web.widget import asset

FILES = ("widget.js", "widget.css")
BUDGET_GZIP_BYTES = 15 * 1024
RASA_WEBCHAT_GZIP_BYTES = 212 * 1024


def measure() -> dict[str, object]:
    files = {
        name: {"raw_bytes": len(asset(name).body), "gzip_bytes": len(asset(name).gzipped)}
        for name in FILES
    }
    raw = sum(f["raw_bytes"] for f in files.values())
    gzipped = sum(f["gzip_bytes"] for f in files.values())
    return {
        "files": files,
        "total_raw_bytes": raw,
        "total_gzip_bytes": gzipped,
        "budget_gzip_bytes": BUDGET_GZIP_BYTES,
        "within_budget": gzipped <= BUDGET_GZIP_BYTES,
        "share_of_rasa_webchat": round(gzipped / RASA_WEBCHAT_GZIP_BYTES, 3),
    }


def main() -> None:
    results = measure()
    write_results("widget_size", results)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
