"""In place of Rasa's and Sanic's: where `rasa run` starts serving and loads agents."""

from __future__ import annotations

import functools
import inspect
import os
from http import HTTPStatus
from typing import Any

from bot.rasa_server.workers import state
from bot.rasa_server.workers.channel import LEADER
from bot.rasa_server.workers.leader import serve_leader


def install() -> None:
    import rasa.core.run
    import rasa.server
    import sanic.app

    serve_application = rasa.core.run.serve_application
    if getattr(serve_application, "_aluma_workers", False):
        return
    load_agent_on_start = rasa.core.run.load_agent_on_start
    load_agent = rasa.server._load_agent

    @functools.wraps(serve_application)
    def remembering_serve_application(*args: Any, **kwargs: Any) -> Any:
        bound = inspect.signature(serve_application).bind(*args, **kwargs)
        bound.apply_defaults()
        for name in ("model_path", "endpoints", "remote_storage"):
            state._serve_arguments[name] = bound.arguments[name]
        return serve_application(*args, **kwargs)

    async def agent_of_the_worker(
        model_path: Any, endpoints: Any, remote_storage: Any, app: Any, loop: Any
    ) -> Any:
        if state._worker is None:
            return await load_agent_on_start(model_path, endpoints, remote_storage, app, loop)
        app.ctx.agent = state._worker.agent  # loaded by the leader
        return app.ctx.agent

    async def load_agent_on_new_workers(
        model_path: str | None = None,
        model_server: Any = None,
        remote_storage: str | None = None,
        endpoints: Any = None,
    ) -> Any:
        if state._worker is None:
            return await load_agent(
                model_path=model_path,
                model_server=model_server,
                remote_storage=remote_storage,
                endpoints=endpoints,
            )
        from rasa.server import ErrorResponse

        if endpoints is None or model_server is not None:  # a model to test, or a model server
            raise ErrorResponse(
                HTTPStatus.CONFLICT,
                "Conflict",
                "Loading a model this way is not available with several Rasa workers.",
            )
        answer = await state._worker.ask(
            {"reload": {"model_path": model_path, "remote_storage": remote_storage}}
        )
        if "error" in answer:
            error = answer["error"]
            raise ErrorResponse(HTTPStatus(error["status"]), error["reason"], error["message"])
        return state._worker.agent  # this worker is stopping; until then it answers as before

    setattr(remembering_serve_application, "_aluma_workers", True)  # noqa: B010
    rasa.core.run.serve_application = remembering_serve_application
    rasa.core.run.load_agent_on_start = agent_of_the_worker
    rasa.server._load_agent = load_agent_on_new_workers
    if LEADER in os.environ:  # started by a master (`plan`): serve its socket with workers
        sanic.app.serve_multiple = serve_leader
        sanic.app.serve_single = serve_leader
