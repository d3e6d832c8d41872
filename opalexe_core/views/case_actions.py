"""The changes a case's page posts: each view parses its form, calls one
service and goes back to the page (or shows it again with the error
beside its field)."""

import colander
from pyramid.view import view_config

from ..contract import PaperReason, Role, Status, UserError
from ..forms.case import PaperSchema, ParticipantSchema, StatusSchema
from ..i18n import _
from ..labels import ROLE_LABELS, STATUS_LABELS
from ..permissions import ADVANCE, MANAGE
from ..resources.expertise import Expertise
from ..services.expertises import add_party, change_status, clear_paper_service, set_paper_service
from ..services.participants import (
    DEACTIVATION_WARNING,
    add_participant,
    deactivate_participant,
    reactivate_participant,
    record_objection,
)
from . import back_to, submit
from .expertises import case_forms, case_page

PAGE = "opalexe_core:templates/expertise.pt"


def back(request, context, anchor: str, message, queue="success"):
    return back_to(request, request.resource_url(context, anchor=anchor), message, queue)


def row_action(context, request, schema_class, anchor: str, run):
    """A row's small form (hidden ids, a button): read with its schema,
    handed to ``run`` (one service call, returning the message of success);
    back to the page's ``anchor``, with the message or the refusal."""
    try:
        data = schema_class().bind(request=request).deserialize(dict(request.POST.items()))
        message = run(data)
    except colander.Invalid as invalid:
        messages = [text for text in invalid.asdict().values() if text]
        request.tm.doom()
        return back(request, context, anchor, messages[0] if messages else _("Le formulaire est incomplet."),
                    "error")
    except UserError as error:
        request.tm.doom()
        return back(request, context, anchor, error.message, "error")
    return back(request, context, anchor, message)


def form_action(context, request, key: str, run):
    """The page's Deform form ``key``: its answers to ``run`` (one service
    call, returning the message of success), back to the page; or the page
    again, its errors beside their fields."""
    forms = case_forms(context, request)
    answer = submit(request, forms[key], {}, lambda data: back(request, context, key, run(data)), key=key)
    if isinstance(answer, dict):
        return case_page(context, request, forms, **answer)
    return answer


@view_config(context=Expertise, name="statut", request_method="POST", permission=ADVANCE)
def status(context, request):
    def run(data):
        change_status(request.opalexe_platform, request.opalexe_actor, context, data["status"])
        label = request.localizer.translate(STATUS_LABELS[Status(context.status)])
        return _("L'expertise est désormais « ${status} ».", mapping={"status": label})

    return row_action(context, request, StatusSchema, "statut", run)


@view_config(context=Expertise, name="participants", request_method="POST", renderer=PAGE, permission=MANAGE)
def participants(context, request):
    accounts = request.opalexe_root.accounts

    def run(data):
        account = accounts.get(data["account_id"])
        participant = add_participant(request.opalexe_platform, request.opalexe_actor, context, account,
                                      data["role"], data["party_id"] or None, data["capacity"] or None)
        return _("${name} participe désormais à l'expertise : ${role}.",
                 mapping={"name": account.display_name,
                          "role": request.localizer.translate(ROLE_LABELS[participant.role])})

    return form_action(context, request, "participant", run)


def _participant_name(request, account_id) -> str:
    account = request.opalexe_root.accounts.get(account_id or "")
    return account.display_name if account is not None else ""


@view_config(context=Expertise, name="desactiver", request_method="POST", permission=MANAGE)
def deactivate(context, request):
    def run(data):
        deactivate_participant(request.opalexe_platform, request.opalexe_actor, context, data["account_id"],
                               data["reason"])
        if context.participants[data["account_id"]].role is Role.INTERVENANT:
            request.session.flash(request.localizer.translate(DEACTIVATION_WARNING), "warning")
        return _("${name} est désormais inactif dans l'expertise : son historique reste au dossier.",
                 mapping={"name": _participant_name(request, data["account_id"])})

    return row_action(context, request, ParticipantSchema, "participants", run)


@view_config(context=Expertise, name="reactiver", request_method="POST", permission=MANAGE)
def reactivate(context, request):
    def run(data):
        reactivate_participant(request.opalexe_platform, request.opalexe_actor, context, data["account_id"])
        return _("${name} est de nouveau actif dans l'expertise.",
                 mapping={"name": _participant_name(request, data["account_id"])})

    return row_action(context, request, ParticipantSchema, "participants", run)


@view_config(context=Expertise, name="parties", request_method="POST", renderer=PAGE, permission=MANAGE)
def parties(context, request):
    def run(data):
        party = add_party(request.opalexe_platform, request.opalexe_actor, context, name=data["name"],
                          side=data["side"], kind=data["kind"])
        return _("Partie ajoutée : ${name}, avec son coffre.", mapping={"name": party.name})

    return form_action(context, request, "party", run)


@view_config(context=Expertise, name="signalement", request_method="POST", permission=MANAGE)
def paper_service(context, request):
    """Flag a party served on paper (a reason posted), or clear its flag (none)."""
    platform, actor = request.opalexe_platform, request.opalexe_actor

    def run(data):
        if data["reason"]:
            set_paper_service(platform, actor, context, data["party_id"], PaperReason(data["reason"]), data["note"])
            return _("${name} est signalée : tout document doit encore lui être notifié sur papier.",
                     mapping={"name": context.party(data["party_id"]).name})
        clear_paper_service(platform, actor, context, data["party_id"], data["note"])
        return _("${name} n'est plus signalée.", mapping={"name": context.party(data["party_id"]).name})

    return row_action(context, request, PaperSchema, "parties", run)


@view_config(context=Expertise, name="opposition", request_method="POST", renderer=PAGE, permission=MANAGE)
def objection(context, request):
    accounts = request.opalexe_root.accounts

    def run(data):
        account = accounts.get(data["account_id"])
        deactivated = record_objection(request.opalexe_platform, request.opalexe_actor, context,
                                       party_id=data["party_id"], account=account, reason=data["reason"])
        if deactivated:
            return _("Opposition enregistrée : ${name} est désormais inactif dans l'expertise.",
                     mapping={"name": account.display_name})
        return _("Opposition enregistrée : ${name} ne pourra pas être admis comme expert d'assurance.",
                 mapping={"name": account.display_name})

    return form_action(context, request, "objection", run)
