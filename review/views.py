"""The review console's pages and actions (all behind login; see `review.app`)."""

# No `from __future__ import annotations`: FastAPI resolves these routes' annotations, which
# name dependencies local to the app factory.
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from crawler.config import ThumbwatchSettings
from evidence.store import evidence_store
from review.accounts import SessionUser
from review.detail import listing_detail
from review.highlight import highlight
from review.labels import labelled_decisions
from review.queue import QueueFilters, filter_choices, queue_page
from review.referrals import REFUSALS, actor_of, build_referral, past_referrals, referral_candidates
from review.workflow import DISMISS_REASONS, Role, TransitionError, allowed_targets, transition_listing
from storage.models import CustodyEntry, EvidenceItem, ListingImage, Referral, ReviewStatus
from storage.repository import list_crawl_runs

AUDIT_PAGE = 100
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "application/warc": "warc", "application/json": "json"}


def register_filters(templates: Jinja2Templates) -> None:
    env = templates.env
    env.filters["highlight"] = highlight
    env.filters["utc"] = lambda value: (
        value.strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else ""
    )
    env.filters["tojson_pretty"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False, default=str)
    env.globals["urlencode"] = urlencode
    env.globals["DISMISS_REASONS"] = DISMISS_REASONS


def add_routes(
    router: APIRouter,
    db: Callable[..., Any],
    current_user: Callable[..., SessionUser],
    templates: Jinja2Templates,
    settings: ThumbwatchSettings,
) -> None:
    from review.app import require_csrf, require_role

    Db = Annotated[Session, Depends(db)]
    User = Annotated[SessionUser, Depends(current_user)]

    def page(request: Request, name: str, user: SessionUser, status: int = 200, **context: Any) -> Response:
        context.update(user=user, message=request.query_params.get("msg"))
        return templates.TemplateResponse(request, name, context, status_code=status)

    @router.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/queue", status_code=303)

    @router.get("/queue", response_class=HTMLResponse)
    def queue(request: Request, user: User, session: Db) -> Response:
        filters = QueueFilters.from_query(dict(request.query_params))
        result = queue_page(session, filters)
        return page(
            request,
            "queue.html",
            user,
            filters=filters,
            result=result,
            choices=filter_choices(session),
            statuses=[s.value for s in ReviewStatus],
            bulk_targets=allowed_targets(ReviewStatus.NEW, user.role),
        )

    @router.post("/queue/bulk")
    def bulk(
        request: Request,
        user: User,
        session: Db,
        listing_ids: Annotated[list[int], Form()],
        to: Annotated[str, Form()],
        csrf_token: Annotated[str, Form()] = "",
        note: Annotated[str, Form()] = "",
        reason: Annotated[str, Form()] = "",
        back: Annotated[str, Form()] = "/queue",
    ) -> Response:
        require_csrf(user, csrf_token)
        target = _status(to)
        refused = [r for i in listing_ids if (r := _decide(session, user, i, target, note, reason))]
        done = len(listing_ids) - len(refused)
        message = f"{done} listing(s) marked {target.value}" + (
            f"; refused: {'; '.join(refused)}" if refused else ""
        )
        return _back(back, message)

    @router.get("/listings/{listing_id}", response_class=HTMLResponse)
    def listing(request: Request, listing_id: int, user: User, session: Db) -> Response:
        detail = listing_detail(session, listing_id, settings.image_max_distance)
        if detail is None:
            return page(request, "error.html", user, status=404, message=f"no listing {listing_id}")
        return page(
            request,
            "listing.html",
            user,
            d=detail,
            targets=allowed_targets(detail.listing.review_status, user.role),
        )

    @router.post("/listings/{listing_id}/decision")
    def decide(
        listing_id: int,
        user: User,
        session: Db,
        to: Annotated[str, Form()],
        csrf_token: Annotated[str, Form()] = "",
        note: Annotated[str, Form()] = "",
        reason: Annotated[str, Form()] = "",
    ) -> Response:
        require_csrf(user, csrf_token)
        target = _status(to)
        refused = _decide(session, user, listing_id, target, note, reason)
        message = f"refused: {refused}" if refused else f"marked {target.value}"
        return _back(f"/listings/{listing_id}", message)

    @router.get("/evidence/{sha256}")
    def evidence_blob(sha256: str, user: User, session: Db, download: bool = False) -> Response:
        """A stored blob that an evidence item or a listing image names, with its stored media type."""
        known = (
            session.execute(
                select(EvidenceItem.media_type, EvidenceItem.kind)
                .where(EvidenceItem.sha256 == sha256)
                .limit(1)
            ).first()
            or session.execute(
                select(ListingImage.media_type, literal("image"))
                .where(ListingImage.sha256 == sha256)
                .limit(1)
            ).first()
        )
        store = evidence_store()
        if known is None or not store.exists(sha256):
            return Response("no such evidence", status_code=404, media_type="text/plain")
        media_type, kind = known[0] or "application/octet-stream", known[1]
        inline = media_type in {"image/png", "image/jpeg", "image/webp", "image/gif"} and not download
        extension = EXTENSIONS.get(media_type, "bin")
        disposition = "inline" if inline else "attachment"
        headers = {
            "Content-Disposition": f'{disposition}; filename="{kind}-{sha256[:12]}.{extension}"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
        }
        path = store.path_for(sha256)
        return StreamingResponse(path.open("rb"), media_type=media_type, headers=headers)

    @router.get("/referrals", response_class=HTMLResponse)
    def referrals(request: Request, user: User, session: Db) -> Response:
        return page(
            request,
            "referrals.html",
            user,
            candidates=referral_candidates(session, user, settings.four_eyes),
            past=past_referrals(session),
            can_refer=user.role is not Role.ANALYST,
        )

    @router.post("/referrals")
    def create_referral(
        request: Request,
        user: User,
        listing_ids: Annotated[list[int], Form()],
        csrf_token: Annotated[str, Form()] = "",
    ) -> Response:
        require_csrf(user, csrf_token)
        require_role(user, Role.SUPERVISOR)
        try:
            result = build_referral(request.app.state.sessions, settings, user, listing_ids)
        except REFUSALS as exc:
            return _back("/referrals", f"refused: {exc}")
        ids = ", ".join(str(r.referral_id) for r in result.referrals)
        return _back("/referrals", f"referral {ids} recorded; package sha256 {result.package_sha256}")

    @router.get("/referrals/{referral_id}/package")
    def referral_package(referral_id: int, user: User, session: Db) -> Response:
        referral = session.get(Referral, referral_id)
        if referral is None or not Path(referral.package_path).is_file():
            return Response("no such referral package", status_code=404, media_type="text/plain")
        path = Path(referral.package_path)
        return FileResponse(path, media_type="application/zip", filename=path.name)

    @router.get("/labels.jsonl")
    def labels(user: User, session: Db) -> Response:
        """Decisions as labelled JSON Lines for `thumbwatch eval --labels`."""
        body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in labelled_decisions(session))
        headers = {"Content-Disposition": 'attachment; filename="thumbwatch-decisions.jsonl"'}
        return Response(body, media_type="application/x-ndjson", headers=headers)

    @router.get("/runs", response_class=HTMLResponse)
    def runs(request: Request, user: User, session: Db) -> Response:
        return page(request, "runs.html", user, runs=list_crawl_runs(session, limit=200))

    @router.get("/audit", response_class=HTMLResponse)
    def audit(
        request: Request,
        user: User,
        session: Db,
        actor: str = "",
        action: str = "",
        listing: str = "",
        page_no: Annotated[int, Query(alias="page")] = 1,
    ) -> Response:
        query = select(CustodyEntry)
        if actor:
            query = query.where(CustodyEntry.actor.contains(actor, autoescape=True))
        if action:
            query = query.where(CustodyEntry.action.startswith(action, autoescape=True))
        if listing.isdigit():
            query = query.where(CustodyEntry.listing_id == int(listing))
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        page_no = max(1, page_no)
        entries = list(
            session.scalars(
                query.order_by(CustodyEntry.id.desc()).limit(AUDIT_PAGE).offset((page_no - 1) * AUDIT_PAGE)
            )
        )
        return page(
            request,
            "audit.html",
            user,
            entries=entries,
            total=total,
            page_no=page_no,
            pages=max(1, -(-total // AUDIT_PAGE)),
            filters={"actor": actor, "action": action, "listing": listing},
        )


def _decide(
    session: Session, user: SessionUser, listing_id: int, target: ReviewStatus, note: str, reason: str
) -> str | None:
    """One decision in its own transaction; the refusal's text, or None when it was made."""
    try:
        with session.begin():
            who, why = actor_of(user), reason or None
            transition_listing(session, listing_id, target, actor=who, role=user.role, note=note, reason=why)
    except TransitionError as exc:
        return str(exc)
    return None


def _status(value: str) -> ReviewStatus:
    try:
        return ReviewStatus(value)
    except ValueError:
        from review.app import Forbidden

        raise Forbidden(f"unknown review status {value!r}") from None


def _back(path: str, message: str, status: int = 303) -> Response:
    if not path.startswith("/") or path.startswith("//"):
        path = "/queue"
    separator = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{separator}{urlencode({'msg': message[:500]})}", status_code=status)
