"""Find an event's class by its type name with a dictionary, not a walk of the class tree.

Rasa 3.6 rebuilds the list of every Event subclass (about 30, each checked with
`inspect.isabstract`) for each stored event it reads, every turn, so the cost grows with the
conversation: turns 180-200 of one conversation took 132 ms each before, 105 ms after
(in-process, SQLite). The classes are looked up once and again only for a name not seen
before; anything still unknown goes to Rasa's own lookup (legacy names, defaults, errors).
"""

from __future__ import annotations

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

RASA_RESOLVE = Event.__dict__["resolve_by_type"].__func__

_by_name: dict[str, type[Event]] = {}


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = _by_name.get(type_name)
    if found is None:
        # Rasa takes the first match in its class walk: fill in reverse so that one wins.
        _by_name.clear()
        _by_name.update({cls.type_name: cls for cls in reversed(all_subclasses(Event))})
        found = _by_name.get(type_name)
    return found if found is not None else RASA_RESOLVE(type_name, default)


def install() -> None:
    Event.resolve_by_type = staticmethod(resolve_by_type)
