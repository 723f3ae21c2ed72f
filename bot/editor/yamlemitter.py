"""ruamel.yaml 0.17.21's emitter, with `|` block scalars (most of an NLU file) written a line at
a time instead of a character at a time; with another ruamel version, its emitter unchanged.

A patch of `Emitter.analyze_scalar` and `Emitter.write_literal` as they are in 0.17.21. The
first looks at every character of a scalar to pick its style, which for a multi-line `|` scalar
in block context is `|` whatever it finds; the second writes the same text as the loop here."""

from __future__ import annotations

from typing import Any

import ruamel.yaml
from ruamel.yaml.emitter import Emitter, ScalarAnalysis
from ruamel.yaml.events import ScalarEvent

PATCHED_VERSION = (0, 17, 21)
_BREAKS = "\n\x85\u2028\u2029"


class FasterEmitter(Emitter):
    def analyze_scalar(self, scalar: Any) -> Any:
        if not self._style_decided(scalar):
            return super().analyze_scalar(scalar)
        return ScalarAnalysis(
            scalar=scalar,
            empty=False,
            multiline=True,
            allow_flow_plain=False,
            allow_block_plain=False,
            allow_single_quoted=False,
            allow_double_quoted=True,
            allow_block=True,
        )

    def write_literal(self, text: Any, comment: Any = None) -> None:
        if self.root_context or any(c in text for c in _BREAKS[1:]):
            super().write_literal(text, comment)
            return
        hints, _, indicator = self.determine_block_hints(text)
        self.write_indicator("|" + hints + (comment if isinstance(comment, str) else ""), True)
        if indicator == "+":
            self.open_ended = True
        self.write_line_break()
        lines = text.split("\n")
        breaks = 0
        for number, line in enumerate(lines):
            breaks += number > 0
            if line:
                for _ in range(breaks):
                    self.write_line_break()
                breaks = 0
                self.write_indent()
                self.stream.write(line.encode(self.encoding) if self.encoding else line)
        for _ in range(breaks if not lines[-1] else 1):
            self.write_line_break()

    def _style_decided(self, scalar: Any) -> bool:
        event = self.event
        return (
            isinstance(event, ScalarEvent)
            and event.style == "|"
            and not self.flow_level
            and "\n" in scalar
        )


def emitter() -> type[Emitter]:
    patched = tuple(ruamel.yaml.version_info) == PATCHED_VERSION
    return FasterEmitter if patched else Emitter
