"""How often the server's processes may be started again before it gives up (a crash loop)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

RESTART_LIMIT = 5  # processes forked again within RESTART_WINDOW before giving up
RESTART_WINDOW = 60.0


@dataclass
class Restarts:
    limit: int = RESTART_LIMIT
    window: float = RESTART_WINDOW  # seconds
    clock: Callable[[], float] = time.monotonic
    times: deque[float] = field(default_factory=deque)

    def allow(self) -> bool:
        """Count one more restart; False once more than `limit` fell within `window`."""
        now = self.clock()
        self.times.append(now)
        while self.times[0] < now - self.window:
            self.times.popleft()
        return len(self.times) <= self.limit
