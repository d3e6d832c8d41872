"""Folders and their documents: the folder page with its deposits, a
document's page, its download, its withdrawal, the ZIP export, and the
choice of notifications.

A person without the right to read a folder gets nothing of it: not its
documents, their names nor their number (the pages list only readable
folders, and any address inside another folder answers the same « Accès
refusé » page, naming nothing).
"""

from __future__ import annotations

import urllib.parse
from datetime import datetime

import deform
from pyramid.events import NewRequest, subscriber
from pyramid.location import lineage
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import view_config

from ..contract import UserError
from ..formats import INLINE_SAFE
from ..forms.base import make_form, refusal
from ..forms.documents import NotificationSchema, WithdrawSchema
from ..i18n import _
from ..labels import PAPER_REASON_LABELS, ROLE_LABELS
from ..permissions import DEFAULT_PERMISSION, DEPOSIT, MANAGE, VIEW
from ..resources.documents import Document, Nature
from ..resources.expertise import Expertise, Folder, find_expertise
from ..resources.root import Root
from ..services.documents import (
    DocumentError,
    DocumentIntegrityError,
    deliver_document,
    entitled_accounts,
    human_size,
    paper_parties,
    withdraw_document,
)
from ..services.export import export_archive
from ..services.notifications import paris_time, set_notification_mode
from . import back_to, refused
from .expertises import folder_title, visible_folders

NATURE_LABELS = {Nature.PIECE: _("Pièce"), Nature.DIRE: _("Dire"), Nature.DOCUMENT: _("Document")}


def when(moment: datetime | None) -> str:
    return paris_time(moment) if moment else ""


@subscriber(NewRequest)
def remember_address(event):
    """Without a public URL (development, tests), mails link to the address
    requests come through."""
    registry = event.request.registry
    notifier = getattr(registry, "opalexe_notifier", None)
    if notifier is not None and registry.opalexe.public_url is None:
        notifier.saw(event.request.application_url)


def _name(request, account_id):
    account = request.opalexe_root.accounts.get(account_id) if account_id else None
    return account.display_name if account is not None else _("la plateforme")


def _sees_receipts(request, document) -> bool:
    identity = request.identity
    return (identity is not None and identity.id == document.depositor_id) or bool(
        request.has_permission(MANAGE, find_expertise(document)))


def _row(request, document) -> dict:
    return {
        "title": document.title,
        "url": request.resource_url(document),
        "filename": document.filename,
        "size": human_size(document.size),
        "depositor": _name(request, document.depositor_id),
        "at": when(document.deposited_at),
        "version": document.version,
        "withdrawn": document.withdrawn,
        "current": document.current,
        "received": len(document.receipts) if _sees_receipts(request, document) else None,
        "id": document.id,
    }


@view_config(context=Folder, renderer="opalexe_core:templates/folder.pt", permission=VIEW)
def folder(context, request):
    from .folder_access import folder_grants

    # The folders between the case and this one (« Greffe » above « Rapport définitif »).
    parents = [
        node
        for node in lineage(context.__parent__)
        if isinstance(node, Folder) and request.has_permission(VIEW, node)
    ]
    can_deposit = bool(request.has_permission(DEPOSIT, context))
    documents = context.documents.in_order()
    replaces = context.documents.get(request.GET.get("remplace", "")) if can_deposit else None
    if replaces is not None and (replaces.withdrawn or not replaces.current):
        replaces = None
    settings = request.registry.opalexe.documents
    party_folder = context.party_id is not None
    return {
        "folder": context,
        "title": folder_title(request, context),
        "expertise": find_expertise(context),
        "parents": [
            {"title": folder_title(request, node), "url": request.resource_url(node)} for node in reversed(parents)
        ],
        "can_deposit": can_deposit,
        "subfolders": visible_folders(request, context),
        "documents": [_row(request, document) for document in documents],
        "replaces": replaces,
        "party_folder": party_folder,
        "upload_url": request.resource_url(context, "televersements"),
        "chunk_size": settings.chunk_size,
        "max_size": settings.max_size,
        "max_size_label": human_size(settings.max_size),
        "accept": ",".join(f".{ext}" for ext in settings.formats),
        "formats": ", ".join(settings.formats),
        "paper": [
            {"name": party.name, "reason": PAPER_REASON_LABELS.get(party.paper_reason, "")}
            for party in paper_parties(request.opalexe_platform, context)
        ] if can_deposit else [],
        "export_url": request.resource_url(context, "export.zip") if documents else None,
        "grants": folder_grants(context, request),
    }


def _document_page(request, context, withdraw_form: str | None = None):
    expertise = find_expertise(context)
    folder = context.__parent__.__parent__
    documents = folder.documents
    previous = documents.get(context.previous_id) if context.previous_id else None
    newer = documents.get(context.superseded_by) if context.superseded_by else None
    receipts = None
    if _sees_receipts(request, context):
        platform = request.opalexe_platform
        receipts = []
        for account in entitled_accounts(platform, folder):
            if account.id == context.depositor_id:
                continue
            participant = expertise.participants.get(account.id)
            receipt = context.receipts.get(account.id)
            receipts.append({"name": account.display_name, "role": ROLE_LABELS[participant.role],
                             "at": when(receipt.at) if receipt else None})
        # Receipts of people who have left the case (or lost the right) stay on record.
        listed = {account.id for account in entitled_accounts(platform, folder)}
        for account_id, receipt in context.receipts.items():
            if account_id not in listed:
                receipts.append({"name": _name(request, account_id), "role": "", "at": when(receipt.at)})
    withdrawal = context.withdrawal
    can_withdraw = not context.withdrawn and expertise.takes_deposits and (
        (request.identity is not None and request.identity.id == context.depositor_id)
        or bool(request.has_permission(MANAGE, expertise)))
    if can_withdraw and withdraw_form is None:
        withdraw_form = _withdraw_form(request, context).render()
    can_correct = bool(request.has_permission(DEPOSIT, folder)) and context.current and not context.withdrawn
    return {
        "document": context,
        "expertise": expertise,
        "folder": folder,
        "folder_title": folder_title(request, folder),
        "folder_url": request.resource_url(folder),
        "nature": NATURE_LABELS[context.nature],
        "size": human_size(context.size),
        "depositor": _name(request, context.depositor_id),
        "at": when(context.deposited_at),
        "previous": {"title": previous.title, "url": request.resource_url(previous), "version": previous.version}
        if previous else None,
        "newer": {"title": newer.title, "url": request.resource_url(newer), "version": newer.version}
        if newer else None,
        "withdrawal": {"by": _name(request, withdrawal.account_id), "at": when(withdrawal.at),
                       "reason": withdrawal.reason} if withdrawal else None,
        "receipts": receipts,
        "paper": [party.name for party in paper_parties(request.opalexe_platform, folder)]
        if _sees_receipts(request, context) else [],
        "inline": context.content_type in INLINE_SAFE,
        "withdraw_form": withdraw_form if can_withdraw else None,
        "correct_url": request.resource_url(folder, query={"remplace": context.id}) if can_correct else None,
    }


def _withdraw_form(request, document) -> deform.Form:
    form = make_form(WithdrawSchema, request, _("Retirer le document"))
    form.action = request.resource_url(document, "retrait")
    return form


@view_config(context=Document, renderer="opalexe_core:templates/document.pt", permission=VIEW)
def document(context, request):
    return _document_page(request, context)


def _content_disposition(kind: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback, and the name itself in UTF-8."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(filename, safe='')}"


def _serve(context, request, how: str, inline: bool):
    size = context.size
    byte_range = request.range.range_for_length(size) if request.range is not None else None
    if request.range is not None and byte_range is None:
        request.tm.doom()
        return Response(status=416, headers={"Content-Range": f"bytes */{size}"})
    start, end = byte_range if byte_range is not None else (0, size)
    try:
        delivery = deliver_document(request.opalexe_platform, request.opalexe_actor, context, how, start, end)
    except UserError as error:
        return refusal_page(request, error)
    response = Response(app_iter=delivery.chunks, content_type=context.content_type, conditional_response=False)
    response.content_length = end - start
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["Content-Disposition"] = _content_disposition("inline" if inline else "attachment",
                                                                   context.filename)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; " \
                                                  "object-src 'self'; style-src 'unsafe-inline'"
    response.etag = context.sha256
    if byte_range is not None:
        response.status = 206
        response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    return response


def _error_page(request, title, message):
    return render_to_response("opalexe_core:templates/error.pt", {"title": title, "message": message},
                              request=request, response=request.response)


def refusal_page(request, error: UserError):
    """The page of a document the service would not serve: altered (500, the
    incident already logged), refused (403 or 400), or out of reach for now
    (a :class:`DocumentError`'s 503 when the platform's key module does not
    answer)."""
    if isinstance(error, DocumentIntegrityError):
        request.tm.doom()
        request.response.status = 500
        return _error_page(request, _("Document altéré"), error.message)
    refused(request, error)
    if isinstance(error, DocumentError):
        request.response.status = error.status
        if error.status >= 500:
            return _error_page(request, _("Documents momentanément indisponibles"), error.message)
    return _error_page(request, _("Accès refusé"), error.message)


@view_config(context=Document, name="telecharger", permission=VIEW)
def download(context, request):
    return _serve(context, request, "telechargement", inline=False)


@view_config(context=Document, name="ouvrir", permission=VIEW)
def open_inline(context, request):
    inline = context.content_type in INLINE_SAFE
    return _serve(context, request, "ouverture" if inline else "telechargement", inline=inline)


@view_config(context=Document, name="retrait", request_method="POST", renderer="opalexe_core:templates/document.pt",
             permission=VIEW)
def withdraw(context, request):
    form = _withdraw_form(request, context)
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return _document_page(request, context, failure.render())
    try:
        withdraw_document(request.opalexe_platform, request.opalexe_actor, context, data["reason"])
    except UserError as error:
        refused(request, error)
        return _document_page(request, context, refusal(form, data, error))
    return back_to(request, request.resource_url(context), _("Document retiré : il reste au dossier, avec le motif."))


def _export(context, request):
    try:
        archive = export_archive(request.opalexe_platform, request.opalexe_actor, context)
    except UserError as error:
        return refusal_page(request, error)
    response = Response(app_iter=archive, content_type="application/zip", conditional_response=False)
    response.content_length = len(archive)
    response.headers["Content-Disposition"] = _content_disposition("attachment", archive.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@view_config(context=Folder, name="export.zip", permission=VIEW)
def export_folder(context, request):
    return _export(context, request)


@view_config(context=Expertise, name="export.zip", permission=VIEW)
def export_expertise(context, request):
    return _export(context, request)


@view_config(context=Root, name="notifications", renderer="opalexe_core:templates/notifications.pt",
             permission=DEFAULT_PERMISSION)
def notifications(context, request):
    form = make_form(NotificationSchema, request, _("Enregistrer"))
    current = context.notifications.mode(request.identity.id)
    if request.method != "POST":
        return {"form": form.render({"mode": current.value})}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return {"form": failure.render()}
    try:
        set_notification_mode(request.opalexe_platform, request.opalexe_actor, data["mode"])
    except UserError as error:
        refused(request, error)
        return {"form": refusal(form, data, error)}
    return back_to(request, request.resource_url(context, "notifications"), _("Choix enregistré."))

