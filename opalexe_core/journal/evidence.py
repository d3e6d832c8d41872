"""Evidences of deposit and of receipt, modelled on ETSI EN 319 522
(electronic registered delivery): who, what (by SHA-256), when, to whom.

* A deposit (``document.deposited``) gets an evidence of submission and
  availability (ETSI events ``SubmissionAcceptance`` and
  ``ContentConsignment``): the depositor, the document, the moment it became
  available, and the participants it was made available to.
* A participant's first reading (``document.received``) gets an evidence of
  receipt (``ContentHandover``): the reader, the document, the moment.

The sequencer issues them once the journal entry is sealed: the evidence
names that entry (its number and leaf hash). Its JSON (``preuve.json``) is
the exact bytes signed with the platform's key on the token; the signature
(``preuve.json.sig``, DER ECDSA-SHA256) is detached, and verifies with the
platform's certificate::

    openssl x509 -in certificat-plateforme.pem -pubkey -noout > plateforme.pub
    openssl dgst -sha256 -verify plateforme.pub -signature preuve.json.sig preuve.json

A plugin may add an RFC 3161 timestamp token over the JSON's SHA-256 from
an external authority (hook ``opalexe_evidence_timestamp``); by default the
platform's own signature stands alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

from ..i18n import _
from .records import paris, utc_text
from .store import Evidence

DEPOSIT = "deposit"
RECEIPT = "receipt"

EVIDENCE_ACTIONS = {"document.deposited": DEPOSIT, "document.received": RECEIPT}

FORMAT = "opalexe-evidence/1"

#: French titles (also message ids of the ``opalexe`` domain, for the pages;
#: the evidence itself is French).
TITLES = {
    DEPOSIT: "Preuve de dépôt et de mise à disposition",
    RECEIPT: "Preuve de réception",
}
_TITLE_IDS = (_("Preuve de dépôt et de mise à disposition"), _("Preuve de réception"))
ETSI_EVENTS = {DEPOSIT: ["SubmissionAcceptance", "ContentConsignment"], RECEIPT: ["ContentHandover"]}


def _person(data: dict, account: str | None, name: str, with_login: bool) -> dict:
    person = {"account": account, "name": name}
    if with_login:
        person.update({"email": data.get("email"), "auth_method": data.get("method"),
                       "certificate_sha256": data.get("fingerprint"), "ip": data.get("ip")})
    return person


def build_payload(data: dict, seq: int, leaf: bytes, signer_fingerprint: str, issued_at, platform_name: str
                  ) -> tuple[str, dict]:
    """(kind, payload) of the evidence of the sealed entry ``data``."""
    kind = EVIDENCE_ACTIONS[data["action"]]
    details = data.get("details") or {}
    document = {"id": details.get("document_id"), "sha256": details.get("sha256"),
                "filename": details.get("filename", ""), "size": details.get("size", 0)}
    payload = {
        "format": FORMAT,
        "evidence_id": data["event"],
        "type": kind,
        "title": TITLES[kind],
        "etsi_en_319_522_events": ETSI_EVENTS[kind],
        "event_time": data["at"],
        "expertise": {"id": data.get("expertise"), "name": details.get("expertise_name", "")},
        "folder_path": details.get("folder_path", []),
        "document": document,
        "journal_entry": {"seq": seq, "leaf_hash": leaf.hex()},
        "issuer": {"name": platform_name, "certificate_sha256": signer_fingerprint},
        "issued_at": utc_text(issued_at),
    }
    if kind == DEPOSIT:
        payload["sender"] = _person(data, details.get("depositor") or data.get("account"),
                                    details.get("depositor_name") or data.get("name", ""), True)
        payload["recipients"] = details.get("recipients", [])
    else:
        payload["recipient"] = _person(data, details.get("recipient") or data.get("account"),
                                       details.get("recipient_name") or data.get("name", ""), True)
    return kind, payload


def payload_bytes(payload: dict) -> bytes:
    """The signed bytes: readable JSON, keys sorted, ending with a newline."""
    return (json.dumps(payload, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def issue_pending(journal, signer, pm, now, platform_name: str) -> int:
    """Sign the evidences whose journal entries are sealed (the caller commits)."""
    from ..services.evidence import timestamp  # hooks are called from services

    issued = 0
    for seq in list(journal.pending_evidences):
        _seq, _prev, entry, leaf = journal.log[seq]
        data = entry.data
        evidence_id = data["event"]
        if evidence_id not in journal.evidences:
            kind, payload = build_payload(data, seq, leaf, signer.fingerprint(), now, platform_name)
            body = payload_bytes(payload)
            details = data.get("details") or {}
            recipients = [r.get("account") for r in payload.get("recipients", [])]
            if kind == RECEIPT:
                recipients = [payload["recipient"]["account"]]
            sender = payload["sender"]["account"] if kind == DEPOSIT else details.get("depositor")
            evidence = Evidence(evidence_id, kind, details.get("document_id"), body, {
                "expertise": data.get("expertise"), "folder_path": list(details.get("folder_path", [])),
                "sender": sender, "recipients": recipients, "seq": seq})
            evidence.signature = signer.sign(body)
            evidence.signer = signer.fingerprint()
            if pm is not None:
                evidence.timestamp_token = timestamp(pm, hashlib.sha256(body).digest())
            journal.evidences[evidence_id] = evidence
            by_document = journal.evidences_by_document.get(evidence.document_id)
            if by_document is None:
                from BTrees.OOBTree import OOTreeSet

                by_document = journal.evidences_by_document[evidence.document_id] = OOTreeSet()
            by_document.add(evidence_id)
            issued += 1
        journal.pending_evidences.remove(seq)
    return issued


# -- the PDF, for people ------------------------------------------------------------------

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)


def _font(pdf) -> str:
    for folder in FONT_DIRS:
        regular, bold = os.path.join(folder, "DejaVuSans.ttf"), os.path.join(folder, "DejaVuSans-Bold.ttf")
        if os.path.exists(regular) and os.path.exists(bold):
            pdf.add_font("DejaVu", "", regular)
            pdf.add_font("DejaVu", "B", bold)
            return "DejaVu"
    return "Helvetica"


def _size(size) -> str:
    return f"{int(size or 0):,} octets".replace(",", "\u202f")


def render_pdf(evidence, certificate_pem: str) -> bytes:
    """The evidence for people (fpdf2), with its JSON, detached signature and
    the platform's certificate embedded as attached files."""
    from fpdf import FPDF

    payload = json.loads(evidence.payload)
    pdf = FPDF(format="A4")
    pdf.set_title(payload["title"])
    pdf.set_author(payload["issuer"]["name"])
    family = _font(pdf)
    unicode_font = family != "Helvetica"

    def text(value) -> str:
        value = str(value if value is not None else "—")
        return value if unicode_font else value.encode("latin-1", "replace").decode("latin-1")

    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 8, text(payload["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    pdf.multi_cell(0, 5, text(f"Émise par {payload['issuer']['name']} le {paris(payload['issued_at'])} "
                              "(heure de Paris), sur le modèle des preuves de la norme ETSI EN 319 522 "
                              f"({', '.join(payload['etsi_en_319_522_events'])})."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    def row(label, value):
        pdf.set_font(family, "B", 10)
        pdf.cell(55, 6, text(label))
        pdf.set_font(family, "", 10)
        pdf.multi_cell(0, 6, text(value), new_x="LMARGIN", new_y="NEXT")

    moment = "Date de mise à disposition" if payload["type"] == DEPOSIT else "Date de réception"
    row(moment, f"{paris(payload['event_time'])} (heure de Paris) — {payload['event_time']} (UTC)")
    row("Expertise", payload["expertise"].get("name") or payload["expertise"].get("id"))
    row("Dossier", " / ".join(payload.get("folder_path") or []))
    document = payload["document"]
    row("Document", document.get("filename") or document.get("id"))
    row("Taille", _size(document.get("size")))
    row("Empreinte SHA-256", document.get("sha256"))
    person = payload.get("sender") or payload.get("recipient")
    row("Déposant" if payload["type"] == DEPOSIT else "Destinataire", f"{person.get('name')} <{person.get('email')}>")
    row("Authentification", person.get("auth_method"))
    if person.get("certificate_sha256"):
        row("Certificat (SHA-256)", person.get("certificate_sha256"))
    row("Adresse IP", person.get("ip"))
    if payload["type"] == DEPOSIT:
        names = ", ".join(r.get("name", "") for r in payload.get("recipients", [])) or "—"
        row("Mis à disposition de", names)
    row("Entrée du journal", f"n° {payload['journal_entry']['seq']} — {payload['journal_entry']['leaf_hash']}")
    row("Identifiant de la preuve", payload["evidence_id"])
    pdf.ln(3)
    pdf.set_font(family, "B", 11)
    pdf.cell(0, 7, text("Signature"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    pdf.multi_cell(0, 4.5, text(
        "Le fichier preuve.json joint à ce PDF est signé par la plateforme (ECDSA P-256, SHA-256) avec une clé "
        "conservée dans son module de sécurité ; la signature détachée est le fichier preuve.json.sig, le "
        "certificat de la plateforme le fichier certificat-plateforme.pem (empreinte SHA-256 "
        f"{evidence.signer}). Vérification :"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Courier", "", 8)
    for line in ("openssl x509 -in certificat-plateforme.pem -pubkey -noout > plateforme.pub",
                 "openssl dgst -sha256 -verify plateforme.pub -signature preuve.json.sig preuve.json"):
        pdf.multi_cell(0, 4, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 8)
    signature = base64.b64encode(evidence.signature or b"").decode("ascii")
    pdf.multi_cell(0, 4, text(f"Signature (base64) : {signature}"), new_x="LMARGIN", new_y="NEXT")
    if evidence.timestamp_token:
        pdf.multi_cell(0, 4, text("Un jeton d'horodatage RFC 3161 d'une autorité externe est joint "
                                  "(horodatage.tsr)."), new_x="LMARGIN", new_y="NEXT")
    pdf.embed_file(bytes=evidence.payload, basename="preuve.json", desc="Preuve signée")
    pdf.embed_file(bytes=evidence.signature or b"", basename="preuve.json.sig", desc="Signature détachée")
    pdf.embed_file(bytes=certificate_pem.encode("ascii"), basename="certificat-plateforme.pem",
                   desc="Certificat de la plateforme")
    if evidence.timestamp_token:
        pdf.embed_file(bytes=evidence.timestamp_token, basename="horodatage.tsr", desc="Jeton RFC 3161")
    return bytes(pdf.output())
