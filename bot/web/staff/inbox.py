"""The inbox: handoffs by reply-by time, one handoff with its transcript, and the staff actions
(claim, answer, resolve), the dashboard and the audit log."""

from __future__ import annotations

import asyncio
import re

from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, redirect
from sqlalchemy.engine import Engine

from bot.delivery import outbox
from bot.delivery.messages import contact_display
from bot.handoffs import language as handoff_language
from bot.handoffs.store import UNANSWERED
from bot.staff import audit, cases, replies
from bot.staff.dashboard import week_stats
from bot.staff.times import utcnow
from bot.web.staff.guard import HOME, bp, staff_only
from bot.web.staff.render import page

_REFERENCE = re.compile(r"^AL-[A-Z0-9]{6}$")
FILTER_LABELS = (
    ("open", "Open"),
    ("answered", "Answered"),
    ("resolved", "Resolved"),
    ("all", "All"),
)
NOTES = {
    "claimed": "You claimed this handoff.",
    "sent": "Your reply was emailed to the visitor.",
    "queued": "Your reply is saved and queued: the mail server did not take it yet, "
    "it is retried automatically.",
    "recorded": "Your answer is recorded.",
    "resolved": "Resolved.",
}


def _reference(reference: str) -> str:
    if not _REFERENCE.match(reference):
        raise NotFound("no such handoff")
    return reference


@bp.get("/")
@staff_only
async def home(request: Request) -> HTTPResponse:
    return redirect(HOME)


@bp.get("/handoffs")
@staff_only
async def handoff_list(request: Request) -> HTTPResponse:
    which = request.args.get("status", "open")
    which = which if which in cases.FILTERS else "open"  # the page marks the filter shown
    found = cases.list_cases(request.app.ctx.store.engine, which)
    return page(
        request,
        "handoffs.html",
        cases=found,
        which=which,
        filters=FILTER_LABELS,
        unanswered=UNANSWERED,
    )


def _detail(request: Request, case: cases.Case, status: int = 200, error: str = "") -> HTTPResponse:
    engine = request.app.ctx.store.engine
    handoff = case.handoff
    deliveries = outbox.for_handoff(engine, handoff.id)
    return page(
        request,
        "handoff.html",
        status=status,
        c=case,
        h=handoff,
        contact=contact_display(handoff),
        unanswered=UNANSWERED,
        replies=replies.for_handoff(engine, handoff.id),
        methods=replies.METHODS,
        reply_states={d.reply_id: d.status for d in deliveries if d.reply_id},
        deliveries=deliveries,
        audit=audit.entries(engine, handoff.reference),
        note=NOTES.get(request.args.get("note", ""), ""),
        error=error,
        retention_days=request.app.ctx.settings.retention_days,
        language=handoff_language.name_for(engine, handoff),
    )


@bp.get("/handoffs/<reference>")
@staff_only
async def handoff_detail(request: Request, reference: str) -> HTTPResponse:
    engine = request.app.ctx.store.engine
    case = cases.get_case(engine, _reference(reference))
    if case is None:
        raise NotFound("no such handoff")
    with engine.begin() as conn:
        audit.record(conn, request.ctx.staff.email, "viewed", utcnow(), reference)
    return _detail(request, case)


async def _act(request: Request, reference: str, action: str) -> HTTPResponse:
    engine = request.app.ctx.store.engine
    staff = request.ctx.staff.email
    reference = _reference(reference)
    now = utcnow()
    try:
        if action == "claim":
            cases.claim(engine, reference, staff, now)
            note = "claimed"
        elif action == "resolve":
            cases.resolve(engine, reference, staff, now)
            note = "resolved"
        else:
            method = request.form.get("method") or ""
            sender = request.app.ctx.settings.smtp.from_email
            key = cases.answer(
                engine, reference, staff, method, request.form.get("body") or "", now, sender
            )
            note = "recorded"
            if key:
                # Try it now so staff see whether it went; if not, the outbox keeps trying.
                courier = request.app.ctx.jobs.courier
                outcomes = await asyncio.to_thread(courier.deliver_pending, now, [key])
                if not outcomes:  # the background pass took it first: wait for its outcome
                    outcomes[await _outcome_of(engine, key)] += 1
                note = "sent" if outcomes["sent"] else "queued"
    except cases.CaseNotFound:
        raise NotFound("no such handoff") from None
    except cases.CaseError as error:
        case = cases.get_case(engine, reference)
        assert case is not None
        return _detail(request, case, status=409, error=str(error))
    return redirect(f"/staff/handoffs/{reference}?note={note}", status=303)


async def _outcome_of(engine: Engine, key: str, wait: float = 10.0) -> str:
    """The status of an outbox row once no pass is sending it (or "sending", after `wait`)."""
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        row = outbox.by_key(engine, key)
        status = row.status if row else "cancelled"
        if status != "sending" or asyncio.get_running_loop().time() > deadline:
            return status
        await asyncio.sleep(0.1)


@bp.post("/handoffs/<reference>/claim")
@staff_only
async def claim(request: Request, reference: str) -> HTTPResponse:
    return await _act(request, reference, "claim")


@bp.post("/handoffs/<reference>/reply")
@staff_only
async def reply(request: Request, reference: str) -> HTTPResponse:
    return await _act(request, reference, "reply")


@bp.post("/handoffs/<reference>/resolve")
@staff_only
async def resolve(request: Request, reference: str) -> HTTPResponse:
    return await _act(request, reference, "resolve")


@bp.get("/dashboard")
@staff_only
async def dashboard(request: Request) -> HTTPResponse:
    return page(request, "dashboard.html", s=week_stats(request.app.ctx.store.engine, utcnow()))


@bp.get("/audit")
@staff_only
async def audit_log(request: Request) -> HTTPResponse:
    return page(request, "audit.html", entries=audit.entries(request.app.ctx.store.engine))
