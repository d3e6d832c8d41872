"""The changes a case's page posts: each view parses its form, calls one
service and goes back to the page (or shows it again with the error
beside its field)."""

import colander
import deform
from pyramid.view import view_config

from ..contract import PaperReason, Role, Status, UserError
from ..forms.base import refusal
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
from . import back_to, refused
from .expertises import case_forms, case_page

PAGE = "opalexe_core:templates/expertise.pt"


def parse(schema_class, request, **kw) -> dict:
    """A row's small form (a hidden id and a button), read with its schema;
    ``colander.Invalid`` when it is not what the page sent."""
    return schema_class().bind(request=request, **kw).deserialize(dict(request.POST.items()))


def first_error(invalid: colander.Invalid):
    messages = [message for message in invalid.asdict().values() if message]
    return messages[0] if messages else _("Le formulaire est incomplet.")


def back(request, context, anchor: str, message, queue="success"):
    return back_to(request, request.resource_url(context, anchor=anchor), message, queue)


def refused_back(request, context, anchor: str, error):
    request.tm.doom()
    return back(request, context, anchor, error.message, "error")


def form_action(context, request, key: str, run):
    """Validate the page's form ``key``, hand its answers to ``run`` (one
    service call, returning the message of success) and go back to the
    page; or show the page again, 400, with the errors beside their fields."""
    forms = case_forms(context, request)
    form = forms[key]
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return case_page(context, request, forms, **{key: failure.render()})
    try:
        message = run(data)
    except UserError as error:
        refused(request, error)
        return case_page(context, request, forms, **{key: refusal(form, data, error)})
    return back(request, context, key, message)


@view_config(context=Expertise, name="statut", request_method="POST", permission=ADVANCE)
def status(context, request):
    try:
        data = parse(StatusSchema, request)
        change_status(request.opalexe_platform, request.opalexe_actor, context, data["status"])
    except colander.Invalid as invalid:
        return refused_back(request, context, "statut", UserError(first_error(invalid)))
    except UserError as error:
        return refused_back(request, context, "statut", error)
    return back(request, context, "statut", _("L'expertise est désormais « ${status} ».",
                                              mapping={"status": request.localizer.translate(
                                                  STATUS_LABELS[Status(context.status)])}))


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
    try:
        data = parse(ParticipantSchema, request)
        deactivate_participant(request.opalexe_platform, request.opalexe_actor, context, data["account_id"],
                               data["reason"])
    except colander.Invalid as invalid:
        return refused_back(request, context, "participants", UserError(first_error(invalid)))
    except UserError as error:
        return refused_back(request, context, "participants", error)
    name = _participant_name(request, data["account_id"])
    message = _("${name} est désormais inactif dans l'expertise : son historique reste au dossier.",
                mapping={"name": name})
    if context.participants[data["account_id"]].role is Role.INTERVENANT:
        request.session.flash(request.localizer.translate(DEACTIVATION_WARNING), "warning")
    return back(request, context, "participants", message)


@view_config(context=Expertise, name="reactiver", request_method="POST", permission=MANAGE)
def reactivate(context, request):
    try:
        data = parse(ParticipantSchema, request)
        reactivate_participant(request.opalexe_platform, request.opalexe_actor, context, data["account_id"])
    except colander.Invalid as invalid:
        return refused_back(request, context, "participants", UserError(first_error(invalid)))
    except UserError as error:
        return refused_back(request, context, "participants", error)
    return back(request, context, "participants", _("${name} est de nouveau actif dans l'expertise.",
                                                    mapping={"name": _participant_name(request, data["account_id"])}))


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
    try:
        data = parse(PaperSchema, request)
        if data["reason"]:
            set_paper_service(platform, actor, context, data["party_id"], PaperReason(data["reason"]), data["note"])
        else:
            clear_paper_service(platform, actor, context, data["party_id"], data["note"])
    except colander.Invalid as invalid:
        return refused_back(request, context, "parties", UserError(first_error(invalid)))
    except UserError as error:
        return refused_back(request, context, "parties", error)
    name = context.party(data["party_id"]).name
    if data["reason"]:
        return back(request, context, "parties", _("${name} est signalée : tout document doit encore lui être "
                                                   "notifié sur papier.", mapping={"name": name}))
    return back(request, context, "parties", _("${name} n'est plus signalée.", mapping={"name": name}))


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
