"""`python -m bot.rasa_server run ...`: the `rasa` command with our fixes installed first.

Every Rasa server the project starts (`make run`, `make run-prod`, tests, benchmarks) goes
through here; `rasa shell` and `rasa test` run Rasa as shipped, which only costs them speed.
"""

from __future__ import annotations

from bot import rasa_server


def main() -> None:
    rasa_server.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
