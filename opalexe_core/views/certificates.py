"""Software certificates of a case's participants, and the CA's public
files (its certificate and its revocation list)."""

import itertools
import re
import unicodedata

import deform
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from ..authority import certificate_pem
from ..contract import UserError
from ..forms.base import make_form, refusal
from ..forms.certificates import REASON_LABELS, IssueCertificateSchema, RevokeCertificateSchema
from ..i18n import _
from ..labels import ROLE_LABELS
from ..permissions import MANAGE, PUBLIC
from ..resources.expertise import Expertise
from ..services.certificates import (
    CA_CERTIFICATE_PATH,
    CRL_PATH,
    eligible_participants,
    issue_certificate,
    revoke_certificate,
)
from . import back_to, refused


def _holders(request, expertise):
    accounts = request.opalexe_root.accounts
    holders = []
    for participant in eligible_participants(expertise):
        account = accounts.get(participant.account_id)
        if account is not None and account.active:
            role = request.localizer.translate(ROLE_LABELS[participant.role])
            holders.append((account.id, f"{account.display_name} ({role})"))
    return sorted(holders, key=lambda item: item[1].lower())


def _page(request, context, form_html):
    # The revoke forms' fields get ids of their own (the issue form has the first ones)
    counter = itertools.count(1000)
    accounts = request.opalexe_root.accounts
    registry = request.opalexe_root.certificates
    now = request.opalexe_platform.now()
    rows = []
    for record in sorted(registry.of_expertise(context.id), key=lambda c: c.issued_at, reverse=True):
        account = accounts.get(record.account_id)
        rows.append({
            "name": account.display_name if account else record.subject,
            "serial": record.serial_hex,
            "fingerprint": record.fingerprint_sha256,
            "issued_at": record.issued_at,
            "not_after": record.not_after,
            "revoked_at": record.revoked_at,
            "reason": REASON_LABELS.get(record.revocation_reason, record.revocation_reason),
            "valid": record.valid_at(now),
            "revoke_form": _revoke_form(request, context, record.serial_hex, counter) if not record.revoked else "",
        })
    return {"expertise": context, "form": form_html, "rows": rows, "ca_ready": registry.ca_der is not None,
            "crl_url": request.route_url("pki_crl"), "ca_url": request.route_url("pki_certificate")}


def _revoke_form(request, context, serial: str, counter) -> str:
    schema = RevokeCertificateSchema().bind(request=request)
    form = deform.Form(schema, action=request.resource_url(context, "revoquer-certificat"),
                       buttons=(deform.Button("submit", _("Révoquer")),), formid=f"revoke-{serial}", focus="off",
                       counter=counter)
    return form.render({"serial": serial, "reason": "cessation_of_operation"})


def _filename(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower() or "participant"


@view_config(context=Expertise, name="certificats", renderer="opalexe_core:templates/certificates.pt",
             permission=MANAGE)
def certificates(context, request):
    form = make_form(IssueCertificateSchema, request, _("Émettre et télécharger"), holders=_holders(request, context))
    if request.method != "POST":
        return _page(request, context, form.render())
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return _page(request, context, failure.render())
    try:
        record, bundle = issue_certificate(request.opalexe_platform, request.opalexe_actor, context,
                                           data["account_id"], data["password"])
    except UserError as error:
        refused(request, error)
        return _page(request, context, refusal(form, {**data, "password": ""}, error))
    account = request.opalexe_root.accounts.get(record.account_id)
    # The only copy of the participant's key: never cached, never stored.
    return Response(body=bundle, content_type="application/x-pkcs12",
                    content_disposition=f'attachment; filename="opalexe-{_filename(account.display_name)}.p12"',
                    cache_control="no-store")


@view_config(context=Expertise, name="revoquer-certificat", request_method="POST", permission=MANAGE)
def revoke(context, request):
    back = request.resource_url(context, "certificats")
    form = make_form(RevokeCertificateSchema, request, _("Révoquer"))
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure:
        request.tm.doom()
        return back_to(request, back, _("Choisissez le motif de la révocation."), "error")
    try:
        record = revoke_certificate(request.opalexe_platform, request.opalexe_actor, context, data["serial"],
                                    data["reason"])
    except UserError as error:
        request.tm.doom()
        return back_to(request, back, error.message, "error")
    return back_to(request, back, _("Certificat ${serial} révoqué ; la liste de révocation est publiée.",
                                    mapping={"serial": record.serial_hex}))


@view_config(route_name="pki_certificate", request_method="GET", permission=PUBLIC)
def ca_certificate(request):
    der = request.opalexe_root.certificates.ca_der
    if der is None:
        raise HTTPNotFound()
    return Response(body=certificate_pem(der).encode("ascii"), content_type="application/x-pem-file",
                    content_disposition='attachment; filename="opalexe-autorite.crt"')


@view_config(route_name="pki_crl", request_method="GET", permission=PUBLIC)
def revocation_list(request):
    der = request.opalexe_root.certificates.crl_der
    if der is None:
        raise HTTPNotFound()
    return Response(body=der, content_type="application/pkix-crl", cache_control="max-age=300")


def includeme(config):
    config.add_route("pki_certificate", "/" + "/".join(CA_CERTIFICATE_PATH))
    config.add_route("pki_crl", "/" + "/".join(CRL_PATH))
