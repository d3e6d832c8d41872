"""Designations (« saisines »): a court's clerk designates an expert
through the platform; the expert accepts (the case is created pre-filled
from the designation) or declines with a reason, which the clerk reads.

An expert not registered yet is invited by e-mail (the core's mail
receiver, :mod:`.mail`, sends it after commit). The invitation's link
carries a token signed with the platform's secret
(:func:`invitation_token`): once registered and logged in as an expert,
whoever opens that link receives the designation (:func:`claim_saisine`),
which proves it reads that mailbox. The token is stored nowhere, not even
in the event, so the journal never holds it.

The designation order (a PDF) travels with the designation: the clerk
attaches it (:func:`attach_order`); its bytes go through the documents'
uploads folder, sealed under the platform's master key as they arrive, and
the sealed file becomes a blob of the designation at once (the uploads
folder's expiry cannot reach it). Only the court's clerks and the addressed
expert read it (:func:`read_order`). When the expert accepts, it becomes a
document of the new case's «greffe→expert-parties» folder, deposited by the
clerk (:func:`accept_saisine`).
"""

from __future__ import annotations

import hashlib
import hmac

from ..contract import (
    DocumentDeposited,
    FolderKind,
    Profile,
    SaisineAccepted,
    SaisineClaimed,
    SaisineDeclined,
    SaisineOrderAttached,
    SaisineSent,
    SaisineStatus,
    UploadFacts,
    UserError,
)
from ..formats import FormatError, clean_filename
from ..i18n import _
from ..keystore import KeyStoreError
from ..permissions import ANSWER, CREATE, SEND_SAISINE
from ..resources.accounts import normalize_email
from ..resources.documents import Document, Nature
from ..resources.saisine import Saisine, SaisineOrder
from .documents import (
    Delivery,
    DocumentError,
    _blob_of,
    _check_format,
    _check_size,
    _key_trouble,
    _scan,
    entitled_accounts,
    paper_parties,
    path_of,
    read_document,
    spool,
)
from .expertises import STRUCTURAL, CaseData, ExpertiseError, build_case, check_case_data
from .platform import Actor, Platform, Refused
from .uploads import UploadError

PDF = "application/pdf"


def invitation_token(secret: str, saisine_id: str) -> str:
    """The token of the invitation link of ``saisine_id``."""
    return hmac.new(secret.encode(), f"opalexe-saisine:{saisine_id}".encode(), hashlib.sha256).hexdigest()


def case_of(saisine: Saisine, accounts) -> CaseData:
    """The designation's facts as creation reads them (its magistrate an
    account again, when it is still there)."""
    case = saisine.case
    magistrate = case.get("magistrate")
    if magistrate not in (None, STRUCTURAL):
        magistrate = accounts.get(magistrate)
    return CaseData(
        jurisdiction_code=saisine.jurisdiction_code,
        rg=case["rg"],
        exp=case.get("exp"),
        parties=[tuple(party) for party in case.get("parties", ())],
        order_date=case.get("order_date"),
        mission=case.get("mission", ""),
        report_due=case.get("report_due"),
        consignation_amount=case.get("consignation_amount"),
        consignation_due=case.get("consignation_due"),
        magistrate=magistrate,
        clerk=accounts.get(saisine.sent_by) if saisine.sent_by else None,
    )


def send_saisine(platform: Platform, actor: Actor, jurisdiction, *, expert_email: str, data: CaseData) -> Saisine:
    """Send a designation in the name of ``jurisdiction`` to the expert at
    ``expert_email``: a registered expert receives it on its dashboard; an
    address no account holds gets an invitation to register."""
    platform.require(actor, SEND_SAISINE, jurisdiction,
                     _("Seul le greffe de la juridiction envoie une désignation en son nom."))
    email = normalize_email(expert_email)
    if "@" not in email:
        raise ExpertiseError(_("Indiquez l'adresse électronique de l'expert."), "expert_email")
    data.jurisdiction_code = jurisdiction.code
    data.clerk = None  # the sender is the clerk of the case
    data.lawyers = {}
    check_case_data(platform, data)
    expert = platform.root.accounts.find_by_email(email)
    if expert is not None and (Profile(expert.profile) is not Profile.EXPERT or not expert.active):
        raise ExpertiseError(_("Ce compte n'est pas celui d'un expert en activité sur la plateforme."),
                             "expert_email")
    magistrate = data.magistrate
    case = {
        "rg": data.rg,
        "exp": data.exp,
        "parties": tuple(tuple(str(value) for value in party) for party in data.parties),
        "order_date": data.order_date,
        "mission": data.mission,
        "report_due": data.report_due,
        "consignation_amount": data.consignation_amount,
        "consignation_due": data.consignation_due,
        "magistrate": magistrate if magistrate in (None, STRUCTURAL) else magistrate.id,
    }
    saisine = Saisine(jurisdiction_code=jurisdiction.code, sent_by=actor.account_id, sent_at=platform.now(),
                      expert_email=email, expert_account_id=expert.id if expert is not None else None, case=case)
    platform.root.saisines.add_saisine(saisine)
    platform.event(SaisineSent, actor, saisine, saisine_id=saisine.id, jurisdiction_code=jurisdiction.code,
                   expert_email=email, expert_account_id=saisine.expert_account_id, invitation=expert is None)
    return saisine


def claim_saisine(platform: Platform, actor: Actor, saisine: Saisine, token: str) -> None:
    """The invited expert, registered and logged in, opened its invitation's
    link: the designation is now addressed to its account."""
    platform.require(actor, CREATE, platform.root.expertises, _("Seul un expert reçoit une désignation."))
    secret = getattr(platform.settings, "session_secret", "") or ""
    expected = invitation_token(secret, saisine.id) if secret else None
    if (expected is None or not hmac.compare_digest(expected, str(token or ""))
            or saisine.expert_account_id is not None or not saisine.pending):
        raise UserError(_("Ce lien d'invitation n'est pas valide, ou la désignation a déjà été reçue."))
    platform.root.saisines.addressed(saisine, actor.account_id)
    platform.event(SaisineClaimed, actor, saisine, saisine_id=saisine.id, account_id=actor.account_id)


def _pending(saisine: Saisine) -> None:
    if not saisine.pending:
        raise ExpertiseError(_("Cette désignation a déjà reçu une réponse."))


def accept_saisine(platform: Platform, actor: Actor, saisine: Saisine, data: CaseData):
    """The expert accepts: the case is created from ``data`` (the
    designation's facts, which the expert may have completed), with the
    clerk who sent it; the designation order is to be deposited in
    «greffe→expert-parties» once documents exist."""
    platform.require(actor, ANSWER, saisine, _("Cette désignation ne vous est pas adressée."))
    _pending(saisine)
    data.jurisdiction_code = saisine.jurisdiction_code
    sender = platform.root.accounts.get(saisine.sent_by) if saisine.sent_by else None
    data.clerk = sender if sender is not None and sender.active else data.clerk
    expertise, joined = build_case(platform, actor, data)
    expertise.saisine_id = saisine.id
    saisine.status = SaisineStatus.ACCEPTEE
    saisine.answered_at = platform.now()
    saisine.expertise_id = expertise.id
    platform.event(SaisineAccepted, actor, expertise, expertise_id=expertise.id, name=expertise.name,
                   jurisdiction_code=expertise.jurisdiction_code, participants=tuple(joined), saisine_id=saisine.id)
    if saisine.order is not None:
        _deposit_order(platform, actor, saisine, expertise)
    return expertise


def _folder_of(expertise, kind: str):
    """The case's first folder of ``kind`` (folders nest)."""
    todo = list(expertise.folders.values())
    while todo:
        folder = todo.pop(0)
        if folder.kind == kind:
            return folder
        todo.extend(child for child in folder.values() if hasattr(child, "kind"))
    return None


def _deposit_order(platform: Platform, actor: Actor, saisine: Saisine, expertise) -> Document | None:
    """The designation order becomes a document of the new case's
    «greffe→expert-parties» folder, deposited by the clerk who sent the
    designation, available now: the second event of the acceptance, a
    :class:`DocumentDeposited` like any deposit's (its ``actor`` is the
    accepting expert, its ``depositor`` the clerk), so its participants are
    notified and their receipts recorded as for any document."""
    order = saisine.order
    folder = _folder_of(expertise, FolderKind.GREFFE_EXPERT_PARTIES)
    if folder is None:  # a plugin's folder tree without it: the order stays on the designation's page
        return None
    depositor = order.attached_by or saisine.sent_by
    document = Document(
        id=folder.documents.new_id(), title=order.filename, filename=order.filename, content_type=order.content_type,
        size=order.size, sha256=order.sha256, depositor_id=depositor, party_id=None, nature=Nature.DOCUMENT,
        number=None, version=1, previous_id=None, deposited_at=platform.now(), blob=order.blob,
        file_id=order.file_id, segment_size=order.segment_size, wrapped_key=order.wrapped_key,
        key_label=order.key_label,
    )
    folder.documents.add_document(document)
    recipients = tuple(account.id for account in entitled_accounts(platform, folder) if account.id != depositor)
    for account_id in recipients:  # the dashboards' « Non lus »
        platform.root.expertises.index.change_unread(account_id, expertise.id, 1)
    platform.emit(DocumentDeposited(
        at=document.deposited_at, actor=actor.facts(), object_path=path_of(document), expertise_id=expertise.id,
        folder_path=path_of(folder), document_id=document.id, sha256=document.sha256, depositor=depositor,
        filename=document.filename, size=document.size, title=document.title, content_type=document.content_type,
        version=1, previous_id=None, recipients=recipients,
        paper_parties=tuple(party.name for party in paper_parties(platform, folder)),
    ))
    return document


def _court_clerk(platform: Platform, actor: Actor, saisine: Saisine) -> bool:
    jurisdiction = platform.root.jurisdictions.get(saisine.jurisdiction_code)
    return jurisdiction is not None and platform.allows(actor, SEND_SAISINE, jurisdiction)


def _pdf_only(platform: Platform, filename: str, head: bytes) -> str:
    content_type = _check_format(platform, filename, head)
    if content_type != PDF:
        raise DocumentError(_("L'ordonnance de désignation se joint en PDF."), "file", status=415)
    return content_type


def attach_order(platform: Platform, actor: Actor, saisine: Saisine, *, filename: str, length: int,
                 read) -> SaisineOrder:
    """The court's clerk attaches the designation order to ``saisine``
    (still waiting for the expert's answer): ``length`` bytes of a PDF named
    ``filename``, read with ``read(n)``, within the documents' size and
    format settings. They are sealed as they are read (through the uploads
    folder, as a deposit's are), scanned by the ``opalexe_upload_scan``
    hook (no case yet: an empty ``expertise_id``), then kept in a blob of
    the designation; a refused file leaves nothing behind. A second order replaces the first."""
    if not _court_clerk(platform, actor, saisine):
        raise Refused(_("Seul le greffe de la juridiction joint l'ordonnance de désignation."))
    _pending(saisine)
    try:
        filename = clean_filename(filename or "")
    except FormatError:
        raise DocumentError(_("Choisissez le fichier PDF de l'ordonnance de désignation."), "file") from None
    if not filename.lower().endswith(".pdf"):
        raise DocumentError(_("L'ordonnance de désignation se joint en PDF."), "file", status=415)
    _check_format(platform, filename)
    _check_size(platform, length)
    uploads = spool(platform)
    uploads.purge(platform.now(), platform.settings.documents.upload_expiry)
    try:
        upload = uploads.create(account_id=actor.account_id or "", expertise_id="", folder_path=path_of(saisine),
                                filename=filename, length=length, nature=Nature.DOCUMENT, replaces=None,
                                now=platform.now())
    except KeyStoreError as error:
        raise _key_trouble(error) from None
    try:
        uploads.append(upload, 0, read, length, check_head=lambda head: _pdf_only(platform, filename, head))
        sha256, key = uploads.finish(upload)
        # the upload scanners (an antivirus) see it as any deposit, before anyone reads it
        _scan(platform, uploads, upload, UploadFacts(expertise_id="", folder_path=path_of(saisine), filename=filename,
                                                     content_type=PDF, size=length, sha256=sha256), key)
        blob = _blob_of(uploads.data_path(upload))  # its own link to the sealed file
    except UploadError:
        raise DocumentError(_("Le fichier n'a pas été entièrement reçu : envoyez-le de nouveau."), "file") from None
    except KeyStoreError as error:
        raise _key_trouble(error) from None
    finally:
        uploads.remove(upload.id)
    saisine.order = SaisineOrder(
        filename=filename, content_type=PDF, size=length, sha256=sha256, blob=blob, file_id=upload.file_id,
        segment_size=upload.segment_size, wrapped_key=upload.wrapped_key, key_label=upload.key_label,
        attached_by=actor.account_id, attached_at=platform.now())
    saisine.order.__parent__ = saisine
    platform.event(SaisineOrderAttached, actor, saisine, saisine_id=saisine.id, filename=filename, size=length,
                   sha256=sha256)
    return saisine.order


def may_read_order(platform: Platform, actor: Actor, saisine: Saisine) -> bool:
    """Whether ``actor`` reads the designation's order: the court's clerks
    and the expert it is addressed to, nobody else."""
    return _court_clerk(platform, actor, saisine) or (
        actor.account_id is not None and actor.account_id == saisine.expert_account_id)


def read_order(platform: Platform, actor: Actor, saisine: Saisine) -> Delivery:
    """The bytes of the designation's order, for the court's clerks and the
    addressed expert (who reads it before answering)."""
    if not may_read_order(platform, actor, saisine):
        raise Refused(_("Seuls le greffe de la juridiction et l'expert désigné lisent l'ordonnance de désignation."))
    if saisine.order is None:
        raise DocumentError(_("Aucune ordonnance de désignation n'est jointe à cette désignation."), status=404)
    return read_document(platform, saisine.order)


def decline_saisine(platform: Platform, actor: Actor, saisine: Saisine, reason: str) -> None:
    platform.require(actor, ANSWER, saisine, _("Cette désignation ne vous est pas adressée."))
    _pending(saisine)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ExpertiseError(_("Indiquez le motif du refus : le greffe le lira."), "reason")
    saisine.status = SaisineStatus.REFUSEE
    saisine.answered_at = platform.now()
    saisine.decline_reason = reason
    platform.event(SaisineDeclined, actor, saisine, saisine_id=saisine.id, reason=reason)
