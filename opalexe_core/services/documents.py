"""Depositing, reading, receiving and withdrawing documents.

The write path of documents:

* :func:`start_upload`, :func:`receive_chunk`, :func:`cancel_upload`: the
  bytes of a file reach the uploads folder, encrypted
  (:mod:`opalexe_core.services.uploads`). Nothing is on record yet, so no
  event.
* :func:`deposit_upload`: the received file, scanned by the
  ``opalexe_upload_scan`` hook, becomes a document of its folder, visible to
  every entitled participant in this one transaction (its date of
  availability): :class:`~opalexe_core.contract.DocumentDeposited`.
* :func:`deliver_document`: a participant opens or downloads it; the first
  time is its date of receipt, :class:`~opalexe_core.contract.DocumentReceived`.
* :func:`withdraw_document`: the depositor (or the expert) withdraws it, with
  a reason; the document stays readable: :class:`~opalexe_core.contract.DocumentWithdrawn`.

A deposited document is never changed: a correction is a new deposit that
names the one it replaces (a new version).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pyramid.traversal import find_resource, resource_path_tuple
from ZODB.blob import Blob

from ..contract import (
    PARTY_ROLES,
    DocumentDeposited,
    DocumentReceived,
    DocumentWithdrawn,
    FolderKind,
    Right,
    UploadFacts,
    UserError,
)
from ..formats import SNIFF_BYTES, FormatError, check_content, check_extension, clean_filename
from ..i18n import _
from ..keystore import KeyStore, KeyStoreError
from ..permissions import DEPOSIT, MANAGE, VIEW
from ..resources.documents import Document, Nature, Receipt, Withdrawal
from ..resources.expertise import Folder, find_expertise
from . import keys
from .events import current_transaction
from .platform import Actor, Platform, Refused
from .sealing import IntegrityError, Opener, plaintext_range, read_header
from .uploads import Upload, UploadError, UploadSpool

log = logging.getLogger(__name__)


class DocumentError(UserError):
    """A deposit or a document's use refused; ``status`` is the HTTP answer's."""

    def __init__(self, message, field=None, status: int = 400):
        super().__init__(message, field)
        self.status = status


class UploadNotFound(LookupError):
    """No such upload for this actor (another's uploads do not exist for it)."""


class DocumentIntegrityError(UserError):
    """The stored bytes of a document are not those deposited."""


# -- the platform's means -------------------------------------------------------------------


def keystore(platform: Platform) -> KeyStore:
    try:
        return keys.keystore(platform.settings.pkcs11)
    except KeyStoreError as error:
        log.error("documents: %s", error)
        raise DocumentError(_("Les documents sont indisponibles : la plateforme n'a pas accès à son module de "
                              "clés. Prévenez son administrateur."), status=503) from None


def spool(platform: Platform) -> UploadSpool:
    directory = platform.settings.documents.uploads_dir
    if not directory:
        log.error("documents: no uploads folder: set opalexe.uploads.dir (or OPALEXE_UPLOADS_DIR)")
        raise DocumentError(_("Les dépôts sont impossibles : la plateforme n'a pas de dossier de téléversement. "
                              "Prévenez son administrateur."), status=503)
    return UploadSpool(directory, keystore(platform))


def _key_trouble(error: KeyStoreError) -> DocumentError:
    log.error("documents: %s", error)
    return DocumentError(_("Les documents sont indisponibles : le module de clés de la plateforme ne répond pas "
                           "comme attendu. Prévenez son administrateur."), status=503)


def path_of(resource) -> tuple[str, ...]:
    return tuple(segment for segment in resource_path_tuple(resource) if segment)


def human_size(size: int) -> str:
    for unit, factor in (("Go", 1024**3), ("Mo", 1024**2), ("ko", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".rstrip("0").rstrip(".").replace(".", ",") + f" {unit}"
    return f"{size} o"


# -- who is concerned -------------------------------------------------------------------------


def entitled_accounts(platform: Platform, folder: Folder) -> list:
    """The accounts of the case's active participants who may read ``folder``."""
    expertise = folder.expertise
    accounts = platform.root.accounts
    found = []
    for participant in expertise.participants.values():
        account = accounts.get(participant.account_id) if participant.active else None
        if account is not None and account.active and platform.authorizer.permits(account, folder, VIEW):
            found.append(account)
    return found


def paper_parties(platform: Platform, folder: Folder) -> list:
    """The parties served on paper whose side may read ``folder``: each must
    still be sent what is deposited there (« à notifier par courrier »)."""
    matrix = platform.authorizer.matrix
    if all(matrix.right(folder.kind, role) is Right.NONE for role in PARTY_ROLES):
        return []
    return [party for party in folder.expertise.parties if party.served_on_paper]


def _nature(folder: Folder, asked: str | None) -> Nature:
    if folder.kind != FolderKind.PARTIE or folder.party_id is None:
        return Nature.DOCUMENT
    try:
        nature = Nature(asked or Nature.PIECE)
    except ValueError:
        nature = Nature.DOCUMENT
    if nature is Nature.DOCUMENT:
        raise DocumentError(_("Dans le coffre d'une partie, un document est une pièce ou un dire."), "nature")
    return nature


def title_of(nature: Nature, number: int | None, party_name: str | None, filename: str) -> str:
    """« Pièce n°12 – SDC Les Tilleuls », « Dire n°2 – Dupont », or the filename."""
    if nature is Nature.PIECE:
        return f"Pièce n°{number} – {party_name}"
    if nature is Nature.DIRE:
        return f"Dire n°{number} – {party_name}"
    return filename


def _replaceable(folder: Folder, document_id: str | None) -> Document | None:
    if not document_id:
        return None
    document = folder.documents.get(document_id)
    if document is None:
        raise DocumentError(_("Le document à corriger n'est pas dans ce coffre."), "replaces")
    if document.withdrawn:
        raise DocumentError(_("Ce document a été retiré : il ne peut plus être corrigé."), "replaces")
    if not document.current:
        raise DocumentError(_("Ce document a déjà une version plus récente : corrigez la dernière."), "replaces")
    return document


def _check_size(platform: Platform, length: int) -> None:
    maximum = platform.settings.documents.max_size
    if length <= 0:
        raise DocumentError(_("Le fichier est vide."), "file")
    if length > maximum:
        raise DocumentError(_("Le fichier dépasse la taille maximale autorisée (${max} octets, ${human}).",
                              mapping={"max": maximum, "human": human_size(maximum)}), "file", status=413)


def _check_format(platform: Platform, filename: str, head: bytes | None = None) -> str:
    formats = platform.settings.documents.formats
    try:
        if head is None:
            return check_extension(filename, formats)
        return check_content(filename, head, formats)
    except FormatError:
        if head is None:
            raise DocumentError(_("Ce format de fichier n'est pas accepté. Formats acceptés : ${formats}.",
                                  mapping={"formats": ", ".join(formats)}), "file", status=415) from None
        raise DocumentError(_("Le contenu du fichier ne correspond pas à son extension, ou son format n'est pas "
                              "accepté. Formats acceptés : ${formats}.", mapping={"formats": ", ".join(formats)}),
                            "file", status=415) from None


# -- uploads ------------------------------------------------------------------------------------


def start_upload(platform: Platform, actor: Actor, folder: Folder, *, filename: str, length: int,
                 nature: str | None = None, replaces: str | None = None) -> Upload:
    """Open an upload of ``length`` bytes named ``filename`` into ``folder``;
    refused at once when the actor may not deposit there, or the name, the
    format or the size is not accepted."""
    platform.require(actor, DEPOSIT, folder, _("Vous ne pouvez pas déposer de document dans ce coffre."))
    try:
        filename = clean_filename(filename)
    except FormatError:
        raise DocumentError(_("Le fichier n'a pas de nom utilisable."), "file") from None
    _check_format(platform, filename)
    _check_size(platform, length)
    nature = _nature(folder, nature)
    previous = _replaceable(folder, replaces)
    uploads = spool(platform)
    uploads.purge(platform.now(), platform.settings.documents.upload_expiry)
    try:
        return uploads.create(account_id=actor.account_id, expertise_id=folder.expertise.id,
                              folder_path=path_of(folder), filename=filename, length=length, nature=nature,
                              replaces=previous.id if previous else None, now=platform.now())
    except KeyStoreError as error:
        raise _key_trouble(error) from None


def find_upload(platform: Platform, actor: Actor, upload_id: str) -> Upload:
    """The actor's own upload ``upload_id``; :class:`UploadNotFound` for
    anybody else's, an expired or unknown one."""
    upload = spool(platform).get(upload_id)
    if upload is None or actor.account_id is None or upload.account_id != actor.account_id:
        raise UploadNotFound(upload_id)
    return upload


def _own(actor: Actor, upload: Upload) -> None:
    """An upload is its uploader's only: anybody else is refused (the views
    find it with :func:`find_upload`, which answers « not found » first)."""
    if actor.account_id is None or upload.account_id != actor.account_id:
        raise Refused(_("Ce téléversement n'est pas le vôtre."))


def _upload_folder(platform: Platform, actor: Actor, upload: Upload) -> Folder:
    _own(actor, upload)
    try:
        folder = find_resource(platform.root, ("", *upload.folder_path))
    except KeyError:
        raise UploadNotFound(upload.id) from None
    platform.require(actor, DEPOSIT, folder, _("Vous ne pouvez plus déposer de document dans ce coffre."))
    return folder


def upload_offset(platform: Platform, actor: Actor, upload: Upload) -> int:
    _upload_folder(platform, actor, upload)
    return spool(platform).offset(upload)


def receive_chunk(platform: Platform, actor: Actor, upload: Upload, offset: int, read: Callable[[int], bytes],
                  length: int) -> int:
    """Receive ``length`` bytes of the file at ``offset``; returns the new
    offset. The beginning of the file must be of an accepted format."""
    _upload_folder(platform, actor, upload)
    if length > platform.settings.documents.chunk_size:
        raise DocumentError(_("Morceau de fichier trop grand."), status=413)
    uploads = spool(platform)
    try:
        return uploads.append(upload, offset, read, length,
                              check_head=lambda head: _check_format(platform, upload.filename, head))
    except KeyStoreError as error:
        raise _key_trouble(error) from None


def cancel_upload(platform: Platform, actor: Actor, upload: Upload) -> None:
    """Abandon the actor's own upload (even where it may no longer deposit)."""
    _own(actor, upload)
    spool(platform).remove(upload.id)


def _scan(platform: Platform, uploads: UploadSpool, upload: Upload, facts: UploadFacts, key: bytes) -> None:
    """Call the upload scanners with the plaintext in a private temporary
    file; one refusal refuses the deposit (and drops the upload)."""
    hook = platform.pm.hook.opalexe_upload_scan
    if not hook.get_hookimpls():
        return
    path = os.path.join(os.path.dirname(uploads.data_path(upload)), f"scan-{secrets.token_hex(8)}")
    try:
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as plain, \
                open(uploads.data_path(upload), "rb") as sealed:
            opener = Opener(key, read_header(sealed, upload.length, upload.file_id))
            for block in plaintext_range(sealed, opener):
                plain.write(block)
        verdicts = hook(upload=facts, path=path)
    finally:
        if os.path.exists(path):
            os.remove(path)
    refusals = [verdict for verdict in verdicts if verdict is not None and not verdict.accepted]
    if refusals:
        first = refusals[0]
        log.warning("upload %s refused by the scanner %s: %s", upload.id, first.scanner, first.reason)
        uploads.remove(upload.id)
        raise DocumentError(_("Le fichier est refusé par l'analyse « ${scanner} » : ${reason}",
                              mapping={"scanner": first.scanner, "reason": first.reason}), "file", status=422)


def _blob_of(path: str) -> Blob:
    """A new blob holding the file ``path``, which stays in place: the blob
    takes a hard link to it (a copy across file systems). Should the
    transaction abort, the upload still holds its data."""
    link = f"{path}.{secrets.token_hex(6)}"
    try:
        os.link(path, link)
    except OSError:
        shutil.copyfile(path, link)
    blob = Blob()
    blob.consumeFile(link)
    return blob


def deposit_upload(platform: Platform, actor: Actor, upload: Upload) -> Document:
    """Make the complete upload a document of its folder, visible to every
    entitled participant now (its date of availability); the upload leaves
    the uploads folder once this is committed."""
    folder = _upload_folder(platform, actor, upload)
    uploads = spool(platform)
    already = folder.documents.made_of(upload.id)
    if already is not None:
        # Deposited, but the process stopped before the upload was removed
        # (or the answer was lost and the page asks again): nothing twice.
        current_transaction(already).addAfterCommitHook(lambda committed: committed and uploads.remove(upload.id))
        return already
    previous = _replaceable(folder, upload.replaces)
    try:
        sha256, key = uploads.finish(upload)
        content_type = _check_format(platform, upload.filename, uploads.first_bytes(upload, SNIFF_BYTES))
    except UploadError:
        raise DocumentError(_("Le fichier n'est pas encore entièrement reçu."), "file", status=409) from None
    except KeyStoreError as error:
        raise _key_trouble(error) from None
    expertise = folder.expertise
    facts = UploadFacts(expertise_id=expertise.id, folder_path=upload.folder_path, filename=upload.filename,
                        content_type=content_type, size=upload.length, sha256=sha256)
    _scan(platform, uploads, upload, facts, key)

    nature = Nature(upload.nature)
    party = expertise.party(folder.party_id)
    if previous is not None:
        number, version = previous.number, previous.version + 1
    else:
        number = folder.numbering.next(nature) if nature is not Nature.DOCUMENT else None
        version = 1
    document = Document(
        id=folder.documents.new_id(), title=title_of(nature, number, party.name if party else None, upload.filename),
        filename=upload.filename, content_type=content_type, size=upload.length, sha256=sha256,
        depositor_id=actor.account_id, party_id=folder.party_id, nature=nature, number=number, version=version,
        previous_id=previous.id if previous else None, deposited_at=platform.now(),
        blob=_blob_of(uploads.data_path(upload)), file_id=upload.file_id, segment_size=upload.segment_size,
        wrapped_key=upload.wrapped_key, key_label=upload.key_label,
    )
    folder.documents.add_document(document, upload.id)
    if previous is not None:
        previous.superseded_by = document.id
    recipients = tuple(account.id for account in entitled_accounts(platform, folder)
                       if account.id != actor.account_id)
    for account_id in recipients:  # the dashboards' « Non lus »
        platform.root.expertises.index.change_unread(account_id, expertise.id, 1)
    platform.emit(DocumentDeposited(
        at=document.deposited_at, actor=actor.facts(), object_path=path_of(document), expertise_id=expertise.id,
        folder_path=path_of(folder), document_id=document.id, sha256=sha256, depositor=actor.account_id,
        filename=document.filename, size=document.size, title=document.title, content_type=content_type,
        version=version, previous_id=document.previous_id, recipients=recipients,
        paper_parties=tuple(party.name for party in paper_parties(platform, folder)),
    ))
    current_transaction(document).addAfterCommitHook(
        lambda committed: committed and uploads.remove(upload.id))
    return document


# -- reading ------------------------------------------------------------------------------------


@dataclass
class Delivery:
    """What a download serves: the document's bytes ``start`` to ``end``
    (excluded), decrypted one segment at a time as they are iterated."""

    document_path: tuple[str, ...]
    size: int
    start: int
    end: int
    chunks: Iterator[bytes]
    receipt: Receipt | None = None


def integrity_failure(document_path, sha256: str, error: Exception) -> DocumentIntegrityError:
    log.error("INTEGRITY: document %s (sha256 %s) fails its integrity check: %s",
              "/".join(document_path), sha256, error)
    return DocumentIntegrityError(_(
        "Ce document ne peut pas être servi : ses données stockées ont été altérées (${what}). L'incident est "
        "consigné ; prévenez l'administrateur de la plateforme.", mapping={"what": str(error)}))


def _segments(fileobj, opener: Opener, start: int, end: int, document_path, sha256: str) -> Iterator[bytes]:
    try:
        yield from plaintext_range(fileobj, opener, start, end)
    except IntegrityError as error:
        raise integrity_failure(document_path, sha256, error) from error
    finally:
        fileobj.close()


def read_document(platform: Platform, document: Document, start: int = 0, end: int | None = None) -> Delivery:
    """The bytes of ``document`` (``start`` to ``end``), checked before any
    is served: the sealed file's length, its header and the first segment
    served; later segments as they are read. Raises
    :class:`DocumentIntegrityError` (and logs the incident) on any altered,
    moved or missing byte, a 503 :class:`DocumentError` when the token
    cannot be used. No right is checked: callers have checked it."""
    end = document.size if end is None else min(end, document.size)
    path = path_of(document)
    try:
        key = keys.unwrap_key(keystore(platform), document.wrapped_key, document.file_id, document.key_label)
    except keys.KeyUnwrapRefused as error:
        raise integrity_failure(path, document.sha256, error) from None
    except KeyStoreError as error:  # the token is out of reach: the document is not at fault
        raise _key_trouble(error) from None
    sealed = document.blob.open("r")
    try:
        opener = Opener(key, read_header(sealed, document.size, document.file_id))
        chunks = _segments(sealed, opener, start, end, path, document.sha256)
        first = next(chunks, b"") if start < end else b""
    except IntegrityError as error:
        sealed.close()
        raise integrity_failure(path, document.sha256, error) from None

    def served():
        if first:
            yield first
        yield from chunks

    return Delivery(path, document.size, start, end, served())


def receive_document(platform: Platform, actor: Actor, document: Document, how: str) -> Receipt | None:
    """Record the actor's receipt of ``document`` the first time it opens,
    downloads or exports it (``how``); the depositor and non-participants
    (the platform) record none. Returns the actor's receipt, if any."""
    platform.require(actor, VIEW, document, _("Vous n'avez pas accès à ce document."))
    expertise = find_expertise(document)
    account_id = actor.account_id
    if account_id is None or account_id == document.depositor_id or expertise.active_participant(account_id) is None:
        return None
    existing = document.receipts.get(account_id)
    if existing is not None:
        return existing
    receipt = document.receipts[account_id] = Receipt(account_id, platform.now(), how)
    index = platform.root.expertises.index
    if index.unread_count(account_id, expertise.id) > 0:  # none for a document deposited before it joined
        index.change_unread(account_id, expertise.id, -1)
    folder = document.__parent__.__parent__
    platform.emit(DocumentReceived(  # its date is the receipt's
        at=receipt.at, actor=actor.facts(), object_path=path_of(document), expertise_id=expertise.id,
        folder_path=path_of(folder), document_id=document.id, sha256=document.sha256, recipient=account_id, how=how))
    return receipt


def deliver_document(platform: Platform, actor: Actor, document: Document, how: str, start: int = 0,
                     end: int | None = None) -> Delivery:
    """Serve ``document`` to the actor (its bytes ``start`` to ``end``) and
    record its receipt, the first time."""
    receipt = receive_document(platform, actor, document, how)
    delivery = read_document(platform, document, start, end)
    delivery.receipt = receipt
    return delivery


# -- withdrawal -----------------------------------------------------------------------------------


def withdraw_document(platform: Platform, actor: Actor, document: Document, reason: str) -> Withdrawal:
    """Withdraw ``document`` (its depositor, or the expert and co-experts):
    it stays in the record, readable, marked with who withdrew it, when and
    why."""
    platform.require(actor, VIEW, document, _("Vous n'avez pas accès à ce document."))
    expertise = find_expertise(document)
    if not (actor.is_platform or actor.account_id == document.depositor_id
            or platform.allows(actor, MANAGE, expertise)):
        raise Refused(_("Seuls le déposant et l'expert peuvent retirer un document."))
    if not expertise.takes_deposits:
        raise DocumentError(_("L'expertise est close : ses documents ne changent plus."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise DocumentError(_("Indiquez le motif du retrait."), "reason")
    if document.withdrawn:
        raise DocumentError(_("Ce document a déjà été retiré."))
    withdrawal = document.withdrawal = Withdrawal(actor.account_id, platform.now(), reason)
    folder = document.__parent__.__parent__
    platform.emit(DocumentWithdrawn(
        at=withdrawal.at, actor=actor.facts(), object_path=path_of(document), expertise_id=expertise.id,
        folder_path=path_of(folder), document_id=document.id, sha256=document.sha256,
        withdrawn_by=actor.account_id, reason=reason))
    return withdrawal
