"""Journaling requests: every page, download and form, allowed or refused.

Two tweens around ``pyramid_tm``:

* inside the transaction (under ``pyramid_tm``, over the exception views),
  :func:`journal_tween_factory` sees the final response. When the request's
  transaction is going to commit, it appends the request's entry to it (a
  read is journaled although it changes nothing else), unless the request
  already journaled its domain events (a change: one entry per event, by
  :func:`~.writer.journal_event`). When the transaction is going to be
  aborted (a refusal: doomed, 4xx/5xx), the entry would go with it: the
  tween leaves it to
* outside the transaction (over ``pyramid_tm`` and the proxy's check),
  :func:`refusal_tween_factory`, which writes it in a transaction of its own
  once the request's was aborted: a refused attempt always leaves its entry,
  a refused change leaves nothing else. A request the proxy's check refused
  (proxy-only headers by another path than nginx's) never reached the
  application: this tween journals it too, with the peer's address.

A request that fails with an unexpected error (500) changes nothing and
leaves no entry; a conflict is retried (``pyramid_retry``) as a whole.
Static files are not journaled.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

import transaction
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from pyramid.tweens import EXCVIEW, INGRESS
from pyramid_zodbconn import get_connection
from ZODB.POSException import ConflictError

from ..contract import UserError
from ..proxy import client_certificate
from .records import ALLOWED, REFUSED, make_entry
from .writer import JOURNAL_DB, append, events_journaled

log = logging.getLogger(__name__)

TM_TWEEN = "pyramid_tm.tm_tween_factory"
_REFUSAL = "opalexe_journal_refusal"
_PENDING = "opalexe_journal_pending"
_NOTES = "opalexe_journal_notes"
_SEEN = "opalexe_journal_seen"
PROXY_TWEEN = "opalexe_core.proxy.proxy_trust_tween_factory"

#: Posted fields a failed login's entry may keep (never a password).
LOGIN_FIELDS = ("email",)


def note_refusal(request, message) -> None:
    """Say why the request is refused, for its journal entry (a view that
    refuses without raising calls this, through ``views.refused``)."""
    setattr(request, _REFUSAL, _text(message))


def annotate(request, **notes) -> None:
    """Facts for the request's entry that traversal cannot give: ``action``
    (``file.downloaded``…), ``expertise`` (its id), ``details`` (a dict)."""
    current = getattr(request, _NOTES, None) or {}
    current.update(notes)
    setattr(request, _NOTES, current)


def _text(message) -> str:
    interpolate = getattr(message, "interpolate", None)
    return str(interpolate() if interpolate else message)


def _is_static(request) -> bool:
    route = getattr(request, "matched_route", None)
    return route is not None and route.name.startswith("__")


def _will_commit(request, response, veto) -> bool:
    """What ``pyramid_tm`` is about to decide for the request's transaction."""
    if request.tm.isDoomed():
        return False
    if veto is None:  # without a veto, pyramid_tm aborts after an exception view
        return getattr(request, "exc_info", None) is None
    return not veto(request, response)


def _reason(request, response) -> str | None:
    """Why the request was refused, or None when it was not."""
    explicit = getattr(request, _REFUSAL, None)
    if explicit:
        return explicit
    exception = getattr(request, "exception", None)
    if isinstance(exception, UserError):
        return _text(exception.message)
    if isinstance(exception, HTTPForbidden):
        permission = getattr(getattr(exception, "result", None), "permission", None)
        return f"Accès refusé (droit « {permission} » requis)" if permission else "Accès refusé"
    if isinstance(exception, HTTPNotFound):
        return "Page introuvable"
    if exception is not None:
        return type(exception).__name__
    if request.tm.isDoomed() or response.status_code >= 400:
        try:
            flashed = request.session.peek_flash("error")
        except Exception:  # noqa: BLE001 — no session: no message
            flashed = []
        return _text(flashed[-1]) if flashed else response.status
    return None


def _fingerprint(pem: str | None) -> str | None:
    if not pem:
        return None
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import Encoding

        return hashlib.sha256(x509.load_pem_x509_certificate(pem.encode()).public_bytes(Encoding.DER)).hexdigest()
    except ValueError:
        return None


def _path(request) -> str:
    """The URL path, even one that is not UTF-8 (kept with U+FFFD)."""
    raw = request.environ.get("PATH_INFO", "")
    return raw.encode("latin-1", "replace").decode("utf-8", "replace")


def request_entry(request, response, reason: str | None) -> dict:
    actor = request.opalexe_actor
    account = actor.account
    notes = getattr(request, _NOTES, None) or {}
    route = getattr(request, "matched_route", None)
    details = {"method": request.method, "status": response.status_code}
    if route is not None:
        details["route"] = route.name
    view_name = getattr(request, "view_name", None)  # none before traversal (an undecodable URL)
    if view_name:
        details["view"] = view_name
    fingerprint = actor.certificate_fingerprint
    if route is not None and route.name == "authenticate":
        action = "login.attempted"
        details["provider"] = request.matchdict.get("provider")
        for name in LOGIN_FIELDS:
            if request.POST.get(name):
                details[name] = request.POST[name][:200]
        fingerprint = fingerprint or _fingerprint(client_certificate(request))
    elif "attachment" in (response.headers.get("Content-Disposition") or ""):
        action = "file.downloaded"
    elif request.method in ("GET", "HEAD"):
        action = "page.viewed"
    else:
        action = "form.submitted"
    action = notes.get("action", action)
    details.update(notes.get("details", {}))
    expertise = notes.get("expertise")
    if expertise is None:
        from ..resources.expertise import find_expertise

        found = find_expertise(getattr(request, "context", None))
        expertise = found.id if found is not None else None
    return make_entry(
        at=datetime.now(UTC), account=account.id if account is not None else None,
        name=account.display_name if account is not None else "",
        email=account.email if account is not None else details.get("email"),
        method=actor.auth_method, fingerprint=fingerprint, ip=request.remote_addr, action=action,
        path=_path(request), expertise=expertise, outcome=REFUSED if reason else ALLOWED, reason=reason or "",
        details=details,
    )


def journal_tween_factory(handler, registry):
    from pyramid.util import DottedNameResolver

    veto = registry.settings.get("tm.commit_veto")
    veto = DottedNameResolver().maybe_resolve(veto) if veto else None

    def journal_tween(request):
        response = handler(request)
        setattr(request, _SEEN, True)
        if _is_static(request):
            return response
        reason = _reason(request, response)
        if _will_commit(request, response, veto):
            if not events_journaled(request.tm.get()):
                append(get_connection(request, JOURNAL_DB), request_entry(request, response, reason))
        else:
            setattr(request, _PENDING, request_entry(request, response, reason or response.status))
        return response

    return journal_tween


def early_refusal_entry(request, response) -> dict:
    """The entry of a request refused before it reached the application (the
    proxy's check: proxy-only headers by another path than nginx's): its
    sender is unknown, its address the peer's, whatever headers it forged."""
    return make_entry(at=datetime.now(UTC), method="anonymous", ip=request.environ.get("REMOTE_ADDR"),
                      action="request.refused", path=_path(request), outcome=REFUSED,
                      reason=f"Requête refusée avant l'application ({response.status})",
                      details={"method": request.environ.get("REQUEST_METHOD"), "status": response.status_code})


def refusal_tween_factory(handler, registry):
    def refusal_tween(request):
        response = handler(request)
        entry = getattr(request, _PENDING, None)
        if entry is None and not getattr(request, _SEEN, False) and response.status_code >= 400:
            entry = early_refusal_entry(request, response)
        if entry is not None:
            write_alone(registry._zodb_databases[JOURNAL_DB], entry)
        return response

    return refusal_tween


def write_alone(db, entry: dict, attempts: int = 5) -> None:
    """Append ``entry`` in a transaction of its own."""
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    try:
        for attempt in range(attempts):
            try:
                manager.begin()
                append(connection, entry)
                manager.get().note("opalexe journal: refused request")
                manager.commit()
                return
            except ConflictError:
                manager.abort()
                if attempt == attempts - 1:
                    raise
    finally:
        manager.abort()
        connection.close()


def includeme(config):
    config.add_tween("opalexe_core.journal.web.journal_tween_factory", under=(TM_TWEEN, PROXY_TWEEN), over=EXCVIEW)
    config.add_tween("opalexe_core.journal.web.refusal_tween_factory", under=INGRESS, over=(PROXY_TWEEN, TM_TWEEN))

