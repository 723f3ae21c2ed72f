"""Whether a domain is empty, worked out once per domain instead of once per message.

Before every parse's unseen-intent warning Rasa asks `domain.is_empty()`, which serialises the
whole domain, builds and serialises a new empty Domain, and compares the two dicts: about
0.1 ms of each message in process (bench/in_process.py --fix domain_empty). Rasa does not
change a Domain after building it (merging or copying one builds a new object), so the answer
is kept on the instance.
"""

from __future__ import annotations

from rasa.shared.core.domain import Domain

RASA_IS_EMPTY = Domain.__dict__["is_empty"]
VERDICT = "_aluma_is_empty"


def is_empty(self: Domain) -> bool:
    verdict = self.__dict__.get(VERDICT)
    if verdict is None:
        verdict = self.__dict__[VERDICT] = RASA_IS_EMPTY(self)
    return bool(verdict)


def install() -> None:
    Domain.is_empty = is_empty
