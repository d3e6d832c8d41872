"""An expertise, or one folder, as a ZIP archive streamed to the browser.

The archive is built by zipstream-ng while it is sent: each document is
decrypted one segment at a time into it, nothing is held whole in memory nor
written to disk, and its length is known beforehand (entries stored, not
compressed: documents are mostly compressed formats already). It holds what
the person exporting may read, and nothing else:

``manifeste.csv``
    one line per document (withdrawn ones and earlier versions included: the
    record): its place in the archive, title, file name, type, size, SHA-256,
    depositor, date of availability, version, withdrawal, and the receipts
    of every participant (who, when, how).
``SHA256SUMS``
    the sums in the format of ``sha256sum -c``.
the documents
    under their folders' titles.

Exporting a document is receiving it: the exporting participant's receipt
of each document is recorded first (:func:`~.documents.receive_document`).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import transaction
from zipstream import ZIP_STORED, ZipStream

from ..i18n import _
from ..keystore import KeyStore
from ..permissions import VIEW
from ..resources.expertise import Expertise, Folder, find_expertise
from . import keys
from .documents import integrity_failure, keystore, path_of, receive_document
from .notifications import paris_time
from .platform import Actor, Platform
from .sealing import IntegrityError, Opener, plaintext_range, read_header

MANIFEST = "manifeste.csv"
SUMS = "SHA256SUMS"
_HOW = {"ouverture": "ouverture", "telechargement": "téléchargement", "export": "export"}


@dataclass
class Archive:
    filename: str
    stream: ZipStream

    def __len__(self) -> int:
        return len(self.stream)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.stream)


def _visible_folders(platform: Platform, actor: Actor, container, names=()):
    for folder in container.values():
        if isinstance(folder, Folder) and platform.allows(actor, VIEW, folder):
            here = (*names, _safe(folder.title))
            yield here, folder
            yield from _visible_folders(platform, actor, folder, here)


def _safe(name: str) -> str:
    name = unicodedata.normalize("NFC", name).replace("/", "-").replace("\\", "-").strip()
    return name or "-"


def _sealed_plaintext(db, oid, store: KeyStore, facts: dict) -> Iterator[bytes]:
    """The document's plaintext, read through a connection of its own: the
    archive is sent after the request's connection closed."""
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    try:
        manager.begin()
        document = connection.get(oid)
        key = keys.unwrap_key(store, document.wrapped_key, document.file_id, document.key_label)
        with document.blob.open("r") as sealed:
            try:
                opener = Opener(key, read_header(sealed, document.size, document.file_id))
                yield from plaintext_range(sealed, opener)
            except IntegrityError as error:
                raise integrity_failure(facts["path"], facts["sha256"], error) from error
    finally:
        manager.abort()
        connection.close()


def export_archive(platform: Platform, actor: Actor, context) -> Archive:
    """The archive of ``context`` (an expertise or a folder) as the actor may
    read it; records the actor's receipt of every document in it."""
    platform.require(actor, VIEW, context, _("Vous n'avez pas accès à ces documents."))
    expertise = find_expertise(context)
    if isinstance(context, Expertise):
        folders = list(_visible_folders(platform, actor, context.folders))
        name = expertise.name
    else:
        folders = [((_safe(context.title),), context),
                   *_visible_folders(platform, actor, context, (_safe(context.title),))]
        name = f"{expertise.name} – {context.title}"
    accounts = platform.root.accounts

    def who(account_id):
        account = accounts.get(account_id) if account_id else None
        return account.display_name if account is not None else (account_id or "plateforme")

    store = keystore(platform)
    db = platform.root._p_jar.db()
    stream = ZipStream(compress_type=ZIP_STORED, sized=True)
    rows, sums, taken, documents = [], [], set(), []
    for names, folder in folders:
        for document in folder.documents.in_order():
            receive_document(platform, actor, document, "export")
            label = document.filename if document.title == document.filename else \
                f"{document.title} – {document.filename}"
            if document.version > 1:
                stem, dot, ext = label.rpartition(".")
                label = f"{stem} (version {document.version}).{ext}" if dot else f"{label} (version {document.version})"
            arcname = "/".join((*names, _safe(label)))
            count = 2
            while arcname in taken:
                stem, dot, ext = arcname.rpartition(".")
                arcname = f"{stem} ({count}).{ext}" if dot else f"{arcname} ({count})"
                count += 1
            taken.add(arcname)
            withdrawal = document.withdrawal
            receipts = sorted(document.receipts.values(), key=lambda r: r.at)
            rows.append([
                arcname, document.title, document.filename, document.content_type, document.size, document.sha256,
                who(document.depositor_id), document.deposited_at.isoformat(), paris_time(document.deposited_at),
                document.version, document.previous_id or "", document.superseded_by or "",
                f"{paris_time(withdrawal.at)} par {who(withdrawal.account_id)} : {withdrawal.reason}"
                if withdrawal else "",
                " ; ".join(f"{who(r.account_id)} : {paris_time(r.at)} ({_HOW.get(r.how, r.how)})" for r in receipts),
            ])
            sums.append(f"{document.sha256}  {arcname}\n")
            documents.append((arcname, document))
    manifest = io.StringIO()
    writer = csv.writer(manifest, delimiter=";", lineterminator="\r\n")
    writer.writerow(["chemin", "titre", "fichier", "type", "taille (octets)", "sha256", "déposé par",
                     "mis à disposition (UTC)", "mis à disposition (heure de Paris)", "version", "corrige",
                     "remplacé par", "retrait", "accusés de réception"])
    writer.writerows(rows)
    stream.add("\ufeff" + manifest.getvalue(), MANIFEST)  # the BOM: spreadsheets read it as UTF-8
    stream.add("".join(sums), SUMS)
    for arcname, document in documents:
        facts = {"path": path_of(document), "sha256": document.sha256}
        stream.add(_sealed_plaintext(db, document._p_oid, store, facts), arcname, size=document.size)
    return Archive(f"{_safe(name)}.zip", stream)
