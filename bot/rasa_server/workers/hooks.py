"""In place of Rasa's and Sanic's: where `rasa run` starts serving and loads agents."""

from __future__ import annotations

import functools
import inspect
import os
from typing import Any

from bot.rasa_server.workers.channel import LEADER
from bot.rasa_server.workers.leader import serve_leader
from bot.rasa_server.workers.worker import worker_of


def install() -> None:
    import rasa.core.run
    import rasa.server
    import sanic.app

    serve_application = rasa.core.run.serve_application
    if getattr(serve_application, "_aluma_workers", False):
        return
    load_agent_on_start = rasa.core.run.load_agent_on_start
    arguments: dict[str, Any] = {}  # what `rasa run` asked serve_application for

    @functools.wraps(serve_application)
    def remembering_serve_application(*args: Any, **kwargs: Any) -> Any:
        bound = inspect.signature(serve_application).bind(*args, **kwargs)
        bound.apply_defaults()
        for name in ("model_path", "endpoints", "remote_storage"):
            arguments[name] = bound.arguments[name]
        return serve_application(*args, **kwargs)

    # Rasa binds this listener when it builds the app, in the leader: it finds out at the start
    # of each process whether that process is a worker, from the app the process serves.
    async def agent_of_the_worker(
        model_path: Any, endpoints: Any, remote_storage: Any, app: Any, loop: Any
    ) -> Any:
        worker = worker_of(app)
        if worker is None:
            return await load_agent_on_start(model_path, endpoints, remote_storage, app, loop)
        app.ctx.agent = worker.agent  # loaded by the leader
        return app.ctx.agent

    setattr(remembering_serve_application, "_aluma_workers", True)  # noqa: B010
    rasa.core.run.serve_application = remembering_serve_application
    rasa.core.run.load_agent_on_start = agent_of_the_worker
    if LEADER in os.environ:  # started by a master (`plan`): serve its socket with workers
        serve = functools.partial(serve_leader, arguments=arguments)
        sanic.app.serve_multiple = serve
        sanic.app.serve_single = serve
