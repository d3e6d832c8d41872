"""The journal's pages: an expertise's (the expert, co-experts and the
magistrate), the whole of it (the administrator, who may also have a tree
head signed now), and the evidences of deposit and receipt."""

import deform
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from ..contract import UserError
from ..forms.base import make_form
from ..forms.journal import AdminJournalFilterSchema, JournalFilterSchema, SignSchema, filter_form
from ..i18n import _
from ..journal.evidence import DEPOSIT, EVIDENCE_ACTIONS, TITLES
from ..journal.labels import METHOD_LABELS, OUTCOME_LABELS, action_label
from ..journal.records import paris
from ..journal.web import annotate
from ..permissions import ADMIN, JOURNAL, PUBLIC
from ..resources.expertise import Expertise
from ..resources.root import Root
from ..services import evidence as evidences
from ..services import journal
from . import back_to, refused

#: What each evidence file is, and how it downloads.
EVIDENCE_FILES = {
    "preuve.pdf": "application/pdf",
    "preuve.json": "application/json",
    "preuve.json.sig": "application/octet-stream",
    "horodatage.tsr": "application/timestamp-reply",
}


def _rows(request, page):
    translate = request.localizer.translate
    rows = []
    for seq, data in page.rows:
        evidence_url = None
        if data.get("action") in EVIDENCE_ACTIONS and data.get("event") and data.get("outcome") == "allowed":
            evidence_url = request.route_url("evidence", evidence_id=data["event"])
        rows.append({
            "seq": seq, "at": paris(data["at"]), "at_utc": data["at"], "name": data.get("name") or "",
            "email": data.get("email") or "",
            "method": translate(METHOD_LABELS.get(data.get("method"), data.get("method"))),
            "fingerprint": data.get("fingerprint") or "", "ip": data.get("ip") or "",
            "action": translate(action_label(data.get("action"))), "path": data.get("path") or "",
            "outcome": translate(OUTCOME_LABELS.get(data.get("outcome"), data.get("outcome"))),
            "refused": data.get("outcome") == "refused", "reason": data.get("reason") or "",
            "evidence_url": evidence_url,
        })
    return rows


def _filters(request, form):
    """(filters appstruct, form html); a bad filter is a 400 and shows nothing."""
    if "filtrer" not in request.GET:
        return {}, form.render()
    try:
        data = form.validate(request.GET.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return None, failure.render()
    return data, form.render(data)


def _page(request, title, form_html, page, **extra):
    return {"title": request.localizer.translate(title), "form": form_html,
            "rows": _rows(request, page) if page else [],
            "page": page, "last_head_at": paris(page.last_head["timestamp"]) if page and page.last_head else None,
            "export_hint": extra.pop("export_hint", None), **extra}


@view_config(context=Expertise, name="journal", renderer="opalexe_core:templates/journal.pt", permission=JOURNAL,
             request_method="GET")
def expertise_journal(context, request):
    accounts = request.opalexe_root.accounts
    participants = sorted(
        ((p.account_id, accounts[p.account_id].display_name if p.account_id in accounts else p.account_id)
         for p in context.participants.values()), key=lambda item: item[1])
    form = filter_form(JournalFilterSchema, request, participants=participants)
    data, form_html = _filters(request, form)
    if data is None:
        return _page(request, _("Journal de l'expertise"), form_html, None, expertise=context)
    filters = journal.Filters(account=data.get("account") or None, action=data.get("action") or None,
                              since=data.get("since"), until=data.get("until"))
    page = journal.expertise_journal(request.opalexe_platform, request.opalexe_actor, context, filters)
    return _page(request, _("Journal de l'expertise"), form_html, page, expertise=context,
                 export_hint=f"opalexe audit export --expertise {context.id}")


@view_config(context=Root, name="journal", renderer="opalexe_core:templates/journal.pt", permission=ADMIN,
             request_method="GET")
def platform_journal(context, request):
    form = filter_form(AdminJournalFilterSchema, request)
    data, form_html = _filters(request, form)
    sign_form = make_form(SignSchema, request, _("Signer le journal maintenant")).render()
    if data is None:
        return _page(request, _("Journal de la plateforme"), form_html, None, expertise=None, sign_form=sign_form)
    account_id = None
    if data.get("account"):
        account = context.accounts.find_by_email(data["account"])
        account_id = account.id if account is not None else "-"
    filters = journal.Filters(account=account_id, action=data.get("action") or None, since=data.get("since"),
                              until=data.get("until"), expertise=(data.get("expertise") or "").strip() or None)
    page = journal.platform_journal(request.opalexe_platform, request.opalexe_actor, filters)
    return _page(request, _("Journal de la plateforme"), form_html, page, expertise=None, sign_form=sign_form,
                 export_hint="opalexe audit export --since AAAA-MM-JJ --until AAAA-MM-JJ")


@view_config(context=Root, name="journal", request_method="POST", permission=ADMIN)
def sign_journal(context, request):
    back = request.resource_url(context, "journal")
    try:
        make_form(SignSchema, request, _("Signer le journal maintenant")).validate(request.POST.items())
        head = journal.sign_now(request.opalexe_platform, request.opalexe_actor, request.registry.opalexe_journal)
    except deform.ValidationFailure:
        refused(request, UserError(_("Formulaire invalide.")))
        return back_to(request, back, _("Formulaire invalide."), "error")
    except UserError as error:
        refused(request, error)
        return back_to(request, back, error.message, "error")
    return back_to(request, back, _("Tête n° ${number} signée : elle couvre les ${size} premières entrées.",
                                    mapping={"number": head["number"], "size": head["tree_size"]}))


# -- evidences ------------------------------------------------------------------------------


def _evidence(request):
    evidence_id = request.matchdict["evidence_id"]
    annotate(request, details={"evidence": evidence_id})
    return evidences.evidence_for(request.opalexe_platform, request.opalexe_actor, evidence_id)


@view_config(route_name="evidence_certificate", permission=PUBLIC, request_method="GET")
def certificate(request):
    pem = evidences.platform_certificate(request.opalexe_platform, request.registry.opalexe_journal.signer)
    if pem is None:
        raise HTTPNotFound()
    return Response(pem, content_type="application/x-pem-file", charset="ascii",
                    content_disposition='attachment; filename="certificat-plateforme.pem"')


@view_config(route_name="evidences_of_document", renderer="opalexe_core:templates/evidences.pt",
             request_method="GET")
def evidences_of_document(request):
    document_id = request.matchdict["document_id"]
    found = evidences.evidences_of_document(request.opalexe_platform, request.opalexe_actor, document_id)
    if found:
        annotate(request, expertise=found[0].facts.get("expertise"))
    return {"document_id": document_id, "items": [_summary(request, e) for e in found]}


def _summary(request, evidence):
    import json

    payload = json.loads(evidence.payload)
    person = payload.get("sender") or payload.get("recipient") or {}
    return {"title": request.localizer.translate(_(TITLES[evidence.kind])),
            "url": request.route_url("evidence", evidence_id=evidence.id),
            "when": paris(payload["event_time"]), "who": person.get("name") or "", "payload": payload,
            "deposit": evidence.kind == DEPOSIT}


@view_config(route_name="evidence", renderer="opalexe_core:templates/evidence.pt", request_method="GET")
def evidence_page(request):
    try:
        evidence = _evidence(request)
    except evidences.EvidenceNotFound as missing:
        if not missing.pending:
            raise HTTPNotFound() from None
        return {"pending": True, "item": None, "files": []}
    annotate(request, expertise=evidence.facts.get("expertise"))
    files = [{"name": name, "url": request.route_url("evidence_file", evidence_id=evidence.id, file=name)}
             for name in EVIDENCE_FILES if name != "horodatage.tsr" or evidence.timestamp_token]
    return {"pending": False, "item": _summary(request, evidence), "evidence": evidence, "files": files,
            "certificate_url": request.route_url("evidence_certificate")}


@view_config(route_name="evidence_file", request_method="GET")
def evidence_file(request):
    name = request.matchdict["file"]
    if name not in EVIDENCE_FILES:
        raise HTTPNotFound()
    try:
        evidence = _evidence(request)
    except evidences.EvidenceNotFound:
        raise HTTPNotFound() from None
    annotate(request, expertise=evidence.facts.get("expertise"))
    if name == "preuve.json":
        body = evidence.payload
    elif name == "preuve.json.sig":
        body = evidence.signature or b""
    elif name == "horodatage.tsr":
        if not evidence.timestamp_token:
            raise HTTPNotFound()
        body = evidence.timestamp_token
    else:
        from ..journal.evidence import render_pdf

        pem = evidences.platform_certificate(request.opalexe_platform, request.registry.opalexe_journal.signer)
        body = render_pdf(evidence, pem or "")
    filename = f"{evidence.kind}-{evidence.id[:12]}-{name}"
    return Response(body, content_type=EVIDENCE_FILES[name],
                    content_disposition=f'attachment; filename="{filename}"')


def includeme(config):
    config.add_route("evidence_certificate", "/preuves/certificat-plateforme.pem")
    config.add_route("evidences_of_document", "/preuves/document/{document_id}")
    config.add_route("evidence", "/preuves/{evidence_id}")
    config.add_route("evidence_file", "/preuves/{evidence_id}/{file}")
