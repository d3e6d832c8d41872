"""Designations (« saisines »): the clerk's pages (send one, follow the
answers of its court's experts) and the expert's (receive one from an
invitation, accept it, decline it)."""

import colander
import deform
from pyramid.httpexceptions import HTTPForbidden, HTTPFound
from pyramid.response import Response
from pyramid.view import view_config

from ..contract import Profile, UserError
from ..forms.base import CSRFSchema, make_form
from ..forms.expertise import SaisineSchema, appstruct_of, saisine_data
from ..i18n import _
from ..labels import PARTY_SIDE_LABELS, SAISINE_STATUS_LABELS
from ..permissions import ANSWER, PUBLIC, SEND_SAISINE, VIEW
from ..resources.saisine import Saisine, Saisines
from ..services.documents import human_size
from ..services.expertises import ExpertiseError, preview_case_name
from ..services.platform import Refused
from ..services.saisines import (
    accept_saisine,
    attach_order,
    case_of,
    claim_saisine,
    decline_saisine,
    may_read_order,
    read_order,
    send_saisine,
)
from . import back_to, refused, submit
from .creation import case_journey
from .documents import _content_disposition, _error_page, refusal_page
from .expertises import day, local, person_name
from .home import court_name


class DeclineSchema(CSRFSchema):
    reason = colander.SchemaNode(colander.String(), title=_("Motif du refus"), preparer=lambda v: " ".join(
        v.split()) if isinstance(v, str) else v, description=_("Le greffe le lira."),
        validator=colander.Length(1, 1000, min_err=_("Indiquez le motif du refus : le greffe le lira."),
                                  max_err=_("${max} caractères au plus.")),
        missing_msg=_("Indiquez le motif du refus : le greffe le lira."))


class ClaimSchema(CSRFSchema):
    jeton = colander.SchemaNode(colander.String(), widget=deform.widget.HiddenWidget(), missing="")


def clerk_court(request):
    """The court the logged-in clerk may send designations for, if any."""
    account = request.identity
    if account is None or account.profile != Profile.GREFFIER or not account.court_code:
        return None
    court = request.opalexe_root.jurisdictions.get(account.court_code)
    return court if court is not None and request.has_permission(SEND_SAISINE, court) else None


def summary(request, saisine) -> dict:
    root = request.opalexe_root
    expert = root.accounts.get(saisine.expert_account_id) if saisine.expert_account_id else None
    expertise = root.expertises.get(saisine.expertise_id) if saisine.expertise_id else None
    return {
        "url": request.resource_url(saisine),
        "court": court_name(root, saisine.jurisdiction_code),
        "rg": saisine.case.get("rg", ""),
        "exp": saisine.case.get("exp") or "—",
        "expert": expert.display_name if expert is not None else saisine.expert_email,
        "registered": expert is not None,
        "sent_at": local(saisine.sent_at),
        "sent_by": person_name(request, saisine.sent_by),
        "status": SAISINE_STATUS_LABELS[saisine.status],
        "status_value": str(saisine.status),
        "answered_at": local(saisine.answered_at) if saisine.answered_at else "",
        "reason": saisine.decline_reason,
        "case_url": request.resource_url(expertise) if expertise is not None and request.has_permission(
            VIEW, expertise) else None,
    }


@view_config(context=Saisines, renderer="opalexe_core:templates/saisines.pt", permission=VIEW)
def saisines(context, request):
    """A clerk's: its court's designations; an expert's: those addressed to it."""
    account = request.identity
    court = clerk_court(request)
    if court is not None:
        listed = context.of_court(court.code)
    elif account.profile == Profile.EXPERT:
        listed = context.of_expert(account.id)
    else:
        listed = []
    listed = sorted(listed, key=lambda s: s.sent_at, reverse=True)
    return {"court": court, "saisines": [summary(request, s) for s in listed if request.has_permission(VIEW, s)]}


@view_config(context=Saisines, name="nouvelle", renderer="opalexe_core:templates/saisine_new.pt", permission=VIEW)
def new_saisine(context, request):
    court = clerk_court(request)
    if court is None:
        raise HTTPForbidden()
    form = make_form(SaisineSchema, request, _("Envoyer la désignation"), court_code=court.code)
    page = {"court": court}
    if request.method != "POST":
        return {**page, "form": form.render()}

    def run(data):
        email, case = saisine_data(data, request.opalexe_root.accounts)
        try:
            saisine = send_saisine(request.opalexe_platform, request.opalexe_actor, court, expert_email=email,
                                   data=case)
        except UserError as error:
            if error.field == "expert_email" and data["expert"]["registered"]:
                error.field = "registered"  # beside the field the address came from
            raise
        if saisine.expert_account_id:
            message = _("Désignation envoyée : l'expert la trouve sur son tableau de bord. Joignez-y maintenant "
                        "l'ordonnance de désignation.")
        else:
            message = _("Désignation envoyée : l'expert, qui n'est pas encore inscrit, reçoit une invitation par "
                        "courrier électronique. Joignez-y maintenant l'ordonnance de désignation.")
        return back_to(request, request.resource_url(saisine), message)

    return submit(request, form, page, run)


@view_config(context=Saisine, renderer="opalexe_core:templates/saisine.pt", permission=VIEW)
def saisine(context, request):
    case = context.case
    can_answer = bool(request.has_permission(ANSWER, context))
    form = make_form(DeclineSchema, request, _("Refuser la désignation"), formid="decline-form",
                     action=request.resource_url(context, "refuser")) if can_answer else None
    platform, actor = request.opalexe_platform, request.opalexe_actor
    order = context.order
    settings = platform.settings.documents
    return {"saisine": context, "info": summary(request, context), "can_answer": can_answer,
            "decline": form.render() if form is not None else "",
            "order": {"filename": order.filename, "size": human_size(order.size), "sha256": order.sha256,
                      "url": request.resource_url(context, "ordonnance.pdf")}
            if order is not None and may_read_order(platform, actor, context) else None,
            "can_attach": context.pending and clerk_court(request) is not None
            and clerk_court(request).code == context.jurisdiction_code,
            "attach_url": request.resource_url(context, "ordonnance"),
            "max_size_label": human_size(settings.max_size),
            "parties": [{"name": name, "side": PARTY_SIDE_LABELS.get(side, side)} for name, side, _kind in
                        case.get("parties", ())],
            "order_date": day(case.get("order_date")), "report_due": day(case.get("report_due")),
            "mission": case.get("mission", "")}


@view_config(context=Saisine, name="refuser", request_method="POST", renderer="opalexe_core:templates/saisine.pt",
             permission=ANSWER)
def decline(context, request):
    form = make_form(DeclineSchema, request, _("Refuser la désignation"), formid="decline-form",
                     action=request.resource_url(context, "refuser"))
    page = saisine(context, request)

    def run(data):
        decline_saisine(request.opalexe_platform, request.opalexe_actor, context, data["reason"])
        return back_to(request, request.resource_url(request.opalexe_root),
                       _("Désignation refusée : le greffe lit votre motif."))

    return submit(request, form, page, run, key="decline")


@view_config(context=Saisine, name="accepter", renderer="opalexe_core:templates/expertise_new.pt",
             permission=ANSWER)
def accept(context, request):
    platform, actor = request.opalexe_platform, request.opalexe_actor
    initial = appstruct_of(case_of(context, request.opalexe_root.accounts))
    return case_journey(
        request, initial=initial,
        preview=lambda case: preview_case_name(platform, actor, _with_court(case, context)),
        create=lambda case: accept_saisine(platform, actor, context, _with_court(case, context)),
        page={"title": _("Accepter la désignation"), "changed": False,
              "saisine": {"court": court_name(request.opalexe_root, context.jurisdiction_code),
                          "sent_at": day(context.sent_at)}},
    )


def _with_court(case, saisine):
    """The designation's court is the court that designated the expert."""
    if case.jurisdiction_code != saisine.jurisdiction_code:
        raise ExpertiseError(_("La juridiction est celle qui vous a désigné : elle ne change pas."),
                             "jurisdiction_code")
    return case


@view_config(context=Saisine, name="invitation", renderer="opalexe_core:templates/saisine_invitation.pt",
             permission=PUBLIC)
def invitation(context, request):
    """The link of the invitation e-mail. A visitor learns nothing of the
    designation: it is told to log in (or register) and come back."""
    account = request.identity
    token = request.GET.get("jeton", "")[:200]
    can_claim = account is not None and account.profile == Profile.EXPERT
    form = make_form(ClaimSchema, request, _("Recevoir la désignation"), action=request.resource_url(
        context, "recevoir")) if can_claim else None
    return {"logged_in": account is not None, "can_claim": can_claim,
            "form": form.render({"jeton": token}) if form is not None else ""}


# The designation's ACL knows only the expert it is addressed to: the
# service checks the invited one (an expert, with the invitation's token).
@view_config(context=Saisine, name="recevoir", request_method="POST", permission=PUBLIC)
def claim(context, request):
    form = make_form(ClaimSchema, request, _("Recevoir la désignation"))
    try:
        data = form.validate(request.POST.items())
        claim_saisine(request.opalexe_platform, request.opalexe_actor, context, data["jeton"])
    except deform.ValidationFailure:
        raise HTTPFound(request.resource_url(request.opalexe_root)) from None
    except UserError as error:
        request.tm.doom()
        return back_to(request, request.resource_url(request.opalexe_root), error.message, "error")
    return back_to(request, request.resource_url(context), _("La désignation vous est adressée : acceptez-la ou "
                                                              "refusez-la."))


@view_config(context=Saisine, name="ordonnance", request_method="POST", permission=VIEW)
def attach(context, request):
    """The clerk's « Joindre l'ordonnance » (a multipart form of the
    designation's page): one PDF, sealed and kept with the designation."""
    here = request.resource_url(context)
    field = request.POST.get("file")
    if field is None or not hasattr(field, "file"):
        request.tm.doom()
        return back_to(request, here, _("Choisissez le fichier PDF de l'ordonnance de désignation."), "error")
    stream = field.file
    stream.seek(0, 2)
    length = stream.tell()
    stream.seek(0)
    try:
        attach_order(request.opalexe_platform, request.opalexe_actor, context, filename=field.filename,
                     length=length, read=stream.read)
    except Refused as error:
        refused(request, error)
        return _error_page(request, _("Accès refusé"), error.message)
    except UserError as error:
        request.tm.doom()  # nothing stored: the sealed bytes are gone with the uploads folder's entry
        return back_to(request, here, error.message, "error")
    return back_to(request, here, _("Ordonnance de désignation jointe : l'expert peut la lire avant de répondre."))


@view_config(context=Saisine, name="ordonnance.pdf", request_method="GET", permission=VIEW)
def order_file(context, request):
    """The designation's order, in the browser's viewer: for the court's
    clerks and the addressed expert only (the service checks)."""
    try:
        delivery = read_order(request.opalexe_platform, request.opalexe_actor, context)
    except UserError as error:
        return refusal_page(request, error)
    order = context.order
    response = Response(app_iter=delivery.chunks, content_type=order.content_type, conditional_response=False)
    response.content_length = order.size
    response.headers["Content-Disposition"] = _content_disposition("inline", order.filename)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'"
    return response
