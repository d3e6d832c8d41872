"""Evidences of deposit and receipt: who may see one, and the timestamping
hook. The sequencer issues them (:mod:`opalexe_core.journal.evidence`)."""

from __future__ import annotations

import logging

from ..contract import Role
from ..i18n import _
from ..journal.evidence import DEPOSIT
from ..journal.store import get_journal
from ..journal.writer import journal_connection
from ..permissions import VIEW
from .platform import Actor, Platform, Refused

log = logging.getLogger(__name__)

#: Roles that see every evidence of their case.
OVERSEERS = frozenset({Role.EXPERT, Role.CO_EXPERT, Role.MAGISTRAT})


class EvidenceNotFound(LookupError):
    """No such evidence (or not issued yet: ``pending`` says so)."""

    def __init__(self, pending: bool = False):
        super().__init__("evidence pending" if pending else "no such evidence")
        self.pending = pending


def timestamp(pm, digest: bytes) -> bytes | None:
    """An RFC 3161 token over ``digest`` from a plugin's authority, or None
    (also when the authority fails: the platform's signature stands alone)."""
    try:
        return pm.hook.opalexe_evidence_timestamp(digest=digest, hash_algorithm="sha256")
    except Exception:  # noqa: BLE001 — an authority's failure never blocks an evidence
        log.exception("evidence: the timestamping authority failed; the platform's signature stands alone")
        return None


def journal_of(platform: Platform):
    return get_journal(journal_connection(platform.root))


def _announced(journal, evidence_id: str) -> bool:
    """Whether an entry will give the evidence ``evidence_id``: sealed and
    waiting for a signature, or not sealed yet."""
    from ..journal.evidence import EVIDENCE_ACTIONS

    if any(journal.log[seq][2].data.get("event") == evidence_id for seq in journal.pending_evidences):
        return True
    cursors = journal.state.cursors
    for lane_id, lane in journal.lanes.items():
        for index in range(cursors.get(lane_id, 0), lane.count):
            data = lane.entries[index].data
            if data.get("event") == evidence_id and data.get("action") in EVIDENCE_ACTIONS:
                return True
    return False


def may_see(platform: Platform, actor: Actor, evidence) -> bool:
    """The sender and the recipients, the expert, co-experts and magistrate
    of the case, the platform's administrator; for a deposit, whoever may
    read its folder."""
    if actor.is_platform:
        return True
    account = actor.account
    if account is None or not account.active:
        return False
    facts = evidence.facts
    if account.is_admin or account.id == facts.get("sender") or account.id in facts.get("recipients", ()):
        return True
    expertise = platform.root.expertises.get(facts.get("expertise") or "")
    participant = expertise.active_participant(account.id) if expertise is not None else None
    if participant is None:
        return False
    if participant.role in OVERSEERS:
        return True
    if evidence.kind == DEPOSIT:
        from ..journal.writer import _folder

        folder = _folder(platform.root, expertise, tuple(facts.get("folder_path", ())))
        return folder is not None and platform.allows(actor, VIEW, folder)
    return False


def evidence_for(platform: Platform, actor: Actor, evidence_id: str):
    """The evidence ``evidence_id`` if ``actor`` may see it: :class:`Refused`
    otherwise, :class:`EvidenceNotFound` when there is none (yet)."""
    journal = journal_of(platform)
    evidence = journal.evidences.get(evidence_id)
    if evidence is None:
        raise EvidenceNotFound(pending=_announced(journal, evidence_id))
    if not may_see(platform, actor, evidence):
        raise Refused(_("Cette preuve ne vous est pas destinée."))
    return evidence


def evidences_of_document(platform: Platform, actor: Actor, document_id: str) -> list:
    """The evidences of ``document_id`` that ``actor`` may see, deposit first."""
    journal = journal_of(platform)
    found = [journal.evidences[i] for i in journal.evidences_by_document.get(document_id, ())]
    visible = [e for e in found if may_see(platform, actor, e)]
    return sorted(visible, key=lambda e: (e.kind != DEPOSIT, e.facts.get("seq", 0)))


def platform_certificate(platform: Platform, signer=None) -> str | None:
    """The platform's certificate (PEM): the token's, else the last one the
    journal recorded."""
    if signer is not None:
        try:
            return signer.certificate_pem()
        except Exception:  # noqa: BLE001 — the token unreachable: the journal's copy
            pass
    journal = journal_of(platform)
    if not len(journal.heads):
        return None
    return journal.certificates.get(journal.heads[journal.heads.maxKey()][0]["signer"])
