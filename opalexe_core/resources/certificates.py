"""What the platform's certificate authority has done: its certificate, the
software certificates it issued (for billing and revocation) and its
latest revocation list (CRL). Public data only: the CA's key is on the
PKCS#11 token (:mod:`opalexe_core.authority`), a participant's key was in
its download and nowhere else.
"""

from __future__ import annotations

from datetime import datetime

from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent


class IssuedCertificate(Persistent):
    """One software certificate: for whom, in which case, by whom, until
    when; ``revoked_at`` once revoked."""

    revoked_at: datetime | None = None
    revoked_by: str | None = None
    revocation_reason: str = ""

    def __init__(self, *, serial: int, der: bytes, account_id: str, expertise_id: str, subject: str,
                 email: str, fingerprint_sha256: str, not_before: datetime, not_after: datetime,
                 issued_at: datetime, issued_by: str | None):
        self.serial = serial
        self.der = der
        self.account_id = account_id
        self.expertise_id = expertise_id
        self.subject = subject
        self.email = email
        self.fingerprint_sha256 = fingerprint_sha256
        self.not_before = not_before
        self.not_after = not_after
        self.issued_at = issued_at
        self.issued_by = issued_by

    @property
    def serial_hex(self) -> str:
        return format(self.serial, "x")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def valid_at(self, moment: datetime) -> bool:
        return not self.revoked and self.not_before <= moment < self.not_after

    def facts(self):
        """What a plugin may know of this certificate (plain data)."""
        from ..contract import SoftwareCertificateFacts

        return SoftwareCertificateFacts(
            serial=self.serial_hex, account_id=self.account_id, expertise_id=self.expertise_id,
            subject=self.subject, fingerprint_sha256=self.fingerprint_sha256, not_before=self.not_before,
            not_after=self.not_after, revoked_at=self.revoked_at)


class CertificateRegistry(Persistent):
    """``root.certificates``: the CA's certificate (DER, also kept on the
    token), every certificate issued by serial (hexadecimal), indexes by case
    and by fingerprint, and the last CRL signed."""

    ca_der: bytes | None = None
    crl_der: bytes | None = None
    crl_number = 0
    crl_next_update: datetime | None = None

    def __init__(self):
        self.issued = OOBTree()  # serial (hex) -> IssuedCertificate
        self.by_expertise = OOBTree()  # expertise id -> OOTreeSet of serials (hex)
        self.by_fingerprint = OOBTree()  # SHA-256 (hex) -> serial (hex)

    def add(self, certificate: IssuedCertificate) -> IssuedCertificate:
        key = certificate.serial_hex
        if key in self.issued:
            raise KeyError(f"serial already issued: {key}")
        self.issued[key] = certificate
        serials = self.by_expertise.get(certificate.expertise_id)
        if serials is None:
            serials = self.by_expertise[certificate.expertise_id] = OOTreeSet()
        serials.add(key)
        self.by_fingerprint[certificate.fingerprint_sha256] = key
        return certificate

    def get(self, serial_hex: str) -> IssuedCertificate | None:
        return self.issued.get((serial_hex or "").lower())

    def of_expertise(self, expertise_id: str) -> list[IssuedCertificate]:
        return [self.issued[key] for key in self.by_expertise.get(expertise_id, ())]

    def by_sha256(self, fingerprint: str) -> IssuedCertificate | None:
        key = self.by_fingerprint.get((fingerprint or "").lower())
        return self.issued.get(key) if key else None

    def revoked(self) -> list[IssuedCertificate]:
        return sorted((c for c in self.issued.values() if c.revoked), key=lambda c: c.revoked_at)
