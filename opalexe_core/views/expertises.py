"""An expertise and its folders, as the rights matrix lets the user see them.

The case's page shows its facts, status, parties, participants, folders and
the rights matrix with the reason of each cell; to those who manage the
case (expert, co-experts) it also offers their changes, each posted to its
own view (:mod:`.case_actions`).
"""

import itertools
from zoneinfo import ZoneInfo

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from ..contract import FolderKind, Right, Role, Status
from ..forms.base import make_form
from ..forms.case import AddParticipantSchema, AddPartySchema, ObjectionSchema
from ..i18n import _
from ..labels import (
    CAPACITY_LABELS,
    PAPER_REASON_LABELS,
    PARTY_KIND_LABELS,
    PARTY_SIDE_LABELS,
    RIGHT_LABELS,
    ROLE_LABELS,
    STATUS_ACTIONS,
    STATUS_EFFECTS,
    STATUS_LABELS,
)
from ..permissions import ADVANCE, DEPOSIT, MANAGE, VIEW
from ..resources.expertise import Expertise, Expertises, Folder
from ..services.participants import DEACTIVATION_WARNING

PARIS = ZoneInfo("Europe/Paris")

#: The matrix's rows as the table names them.
FOLDER_KIND_LABELS = {
    FolderKind.EXPERT_GREFFE_PARTIES: _("expert→greffe-parties"),
    FolderKind.GREFFE_EXPERT_PARTIES: _("greffe→expert-parties"),
    FolderKind.MAGISTRAT_EXPERT: _("magistrat→expert"),
    FolderKind.PARTIE: _("Coffre de chaque partie (pièces et dires)"),
    FolderKind.NOTES_EXPERT: _("Notes de l'expert"),
    FolderKind.CONVOCATIONS: _("Convocations"),
    FolderKind.GREFFE: _("Greffe"),
    FolderKind.RAPPORT_DEFINITIF: _("Greffe / Rapport définitif"),
}


#: A matrix cell, short enough for eight columns (the legend says « Dépôt » reads too).
RIGHT_CELLS = {Right.NONE: _("Aucun"), Right.READ: _("Lecture"), Right.DEPOSIT: _("Dépôt")}


def folder_title(request, folder) -> str:
    """The folder's title in the page's language. A folder stores the French
    title (the message id) its tree gave it, translated here; a party's folder
    bears the party's name, which is never translated."""
    if folder.party_id is not None:
        return folder.title
    return request.localizer.translate(_(folder.title))


def visible_folders(request, container, depth=0):
    """The folders under ``container`` the user may open, with their depth.
    A folder opened to the user by the expert shows even under one it may
    not open (its parent is then not listed)."""
    rows = []
    for folder in container.values():
        if not isinstance(folder, Folder):
            continue
        visible = request.has_permission(VIEW, folder)
        if visible:
            rows.append(
                {
                    "title": folder_title(request, folder),
                    "url": request.resource_url(folder),
                    "depth": depth,
                    "can_deposit": bool(request.has_permission(DEPOSIT, folder)),
                }
            )
        rows += visible_folders(request, folder, depth + 1 if visible else depth)
    return rows


def local(when) -> str:
    return when.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if when is not None else "—"


def day(when) -> str:
    return when.strftime("%d/%m/%Y") if when is not None else "—"


def person_name(request, account_id) -> str:
    if account_id is None:
        return request.localizer.translate(_("la plateforme"))
    account = request.opalexe_root.accounts.get(account_id)
    return account.display_name if account is not None else account_id


def matrix_table(request, matrix) -> dict:
    """The rights matrix as a table: a row per folder kind, a column per
    role, each cell its right and the number of its reason below."""
    reasons, numbers, rows = [], {}, []
    for kind in matrix.kinds():
        cells = []
        for role in matrix.roles:
            why = matrix.reason(kind, role)
            if isinstance(why, str) and not hasattr(why, "domain") and why is not None:
                why = _("Cellule fixée par l'extension « ${plugin} ».", mapping={"plugin": why})
            text = request.localizer.translate(why) if why is not None else ""
            if text and text not in numbers:
                numbers[text] = len(reasons) + 1
                reasons.append(text)
            right = matrix.right(kind, role)
            cells.append({"right": RIGHT_CELLS[right], "level": right.value, "note": numbers.get(text)})
        rows.append({"kind": FOLDER_KIND_LABELS.get(kind, kind), "cells": cells})
    return {"roles": [ROLE_LABELS[role] for role in matrix.roles], "rows": rows, "reasons": reasons}


def grants_of(request, expertise) -> list[dict]:
    """The expert's exceptions to the matrix in this case, folder by folder."""
    rows = []

    def walk(container):
        for folder in container.values():
            if not isinstance(folder, Folder):
                continue
            for account_id, right in (folder.grants or {}).items():
                rows.append({"folder": folder_title(request, folder), "url": request.resource_url(folder),
                             "name": person_name(request, account_id), "right": RIGHT_LABELS[Right(right)]})
            walk(folder)

    walk(expertise.folders)
    return rows


#: The Deform forms of the case's page: key → (schema, button, the view it posts to).
CASE_FORMS = {
    "participant": (AddParticipantSchema, _("Ajouter le participant"), "participants"),
    "party": (AddPartySchema, _("Ajouter la partie"), "parties"),
    "objection": (ObjectionSchema, _("Enregistrer l'opposition"), "opposition"),
}


def case_forms(context, request) -> dict:
    """The page's forms, built in page order on one counter, so that no two
    fields of the page share an id (Deform numbers fields as it builds them)."""
    counter = itertools.count()
    return {key: make_form(schema, request, label, formid=f"{key}-form", counter=counter, expertise=context,
                           action=request.resource_url(context, view))
            for key, (schema, label, view) in CASE_FORMS.items()}


def case_page(context, request, forms: dict | None = None, **rendered) -> dict:
    """The page's values; ``forms`` are the page's forms when a view already
    built them, ``rendered`` the HTML of the one that failed."""
    root = request.opalexe_root
    accounts = root.accounts
    can_manage = bool(request.has_permission(MANAGE, context))
    can_advance = bool(request.has_permission(ADVANCE, context))
    status = Status(context.status)
    jurisdiction = root.jurisdictions.get(context.jurisdiction_code)
    parties = {party.id: party for party in context.parties}
    order = list(Role)
    participants = []
    for participant in sorted(context.participants.values(), key=lambda p: (order.index(p.role), p.added_at)):
        account = accounts.get(participant.account_id)
        party = parties.get(participant.party_id)
        participants.append({
            "account_id": participant.account_id,
            "name": account.display_name if account else participant.account_id,
            "role": ROLE_LABELS[participant.role],
            "party": party.name if party else "",
            "capacity": CAPACITY_LABELS.get(participant.capacity) if participant.capacity else None,
            "active": participant.active,
            "is_expert": participant.role is Role.EXPERT,
            "is_self": request.identity is not None and participant.account_id == request.identity.id,
            "warn": participant.role is Role.INTERVENANT,
        })
    html = {}
    if can_manage and status is not Status.ARCHIVEE:
        forms = forms if forms is not None else case_forms(context, request)
        html = {key: rendered.get(key) or form.render() for key, form in forms.items()
                if context.takes_deposits or key == "objection" or key in rendered}  # « terminée »: no new party
    return {
        "expertise": context,
        "status": STATUS_LABELS[status],
        "status_value": status.value,
        "jurisdiction": jurisdiction,
        "facts": {
            "order_date": day(context.order_date),
            "report_due": day(context.report_due),
            "consignation_due": day(context.consignation_due),
            "consignation_amount": (f"{context.consignation_amount:,.2f} €".replace(",", "\u202f").replace(".", ",")
                                    if context.consignation_amount is not None else "—"),
        },
        "history": [{"status": STATUS_LABELS[Status(s)], "who": person_name(request, who), "when": local(when)}
                    for s, who, when in context.status_history],
        "transitions": [{"value": s.value, "label": STATUS_ACTIONS[s], "effect": STATUS_EFFECTS[s]}
                        for s in status.next] if can_advance else [],
        "parties": [{"id": p.id, "name": p.name, "side": PARTY_SIDE_LABELS[p.side], "kind": PARTY_KIND_LABELS[p.kind],
                     "paper": PAPER_REASON_LABELS[p.paper_reason] if p.paper_reason else None,
                     "note": p.paper_note, "paper_reasons": list(PAPER_REASON_LABELS.items())}
                    for p in context.parties],
        "paper_parties": [p for p in context.parties if p.served_on_paper],
        "participants": participants,
        "objections": [{"party": parties[o[0]].name if o[0] in parties else o[0],
                        "name": person_name(request, o[1]), "reason": o[2], "when": local(o[4])}
                       for o in context.objections] if can_manage else [],
        "folders": visible_folders(request, context.folders),
        "grants": grants_of(request, context) if can_manage else [],
        "matrix": matrix_table(request, request.registry.opalexe_authorizer.matrix),
        "can_manage": can_manage and status is not Status.ARCHIVEE,
        "can_advance": can_advance,
        "forms": html,
        "warning": DEACTIVATION_WARNING,
    }


@view_config(context=Expertises, permission=VIEW)
def expertises(context, request):
    return HTTPFound(request.resource_url(request.root))


@view_config(context=Expertise, renderer="opalexe_core:templates/expertise.pt", permission=VIEW)
def expertise(context, request):
    return case_page(context, request)
