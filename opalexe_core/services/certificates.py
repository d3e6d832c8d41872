"""Software certificates (issue #19): the platform's CA, issuing a
certificate to a participant without a card, revoking it, publishing the
revocation list (CRL).

The CA's key is on the PKCS#11 token (:mod:`opalexe_core.authority`); the
register (``root.certificates``) keeps the CA's certificate, every issued
certificate (for revocation and billing: « certificat logiciel (3 ans) »,
15 € HT in the terms of use) and the last CRL. A participant's key is made
for its download and never stored: the PKCS#12 file is returned once.
"""

from __future__ import annotations

from asn1crypto import crl, x509

from ..authority import (
    CA_LABEL,
    REVOCATION_REASONS,
    AuthorityError,
    CertificateAuthority,
    Revoked,
    SubjectFacts,
    fingerprint,
    new_participant_key,
    pkcs12_bundle,
    public_key_der,
)
from ..contract import (
    CertificateAuthorityCreated,
    RevocationListPublished,
    Role,
    SoftwareCertificateIssued,
    SoftwareCertificateRevoked,
    UserError,
)
from ..i18n import _
from ..keystore import KeyStore, KeyStoreError
from ..permissions import ADMIN, MANAGE
from ..resources.certificates import IssuedCertificate
from .platform import Actor, Platform

#: Roles that may get a software certificate: the participants without a
#: card (a lawyer, a magistrate, a clerk and the expert log in with theirs).
CERTIFICATE_ROLES = frozenset({Role.INTERVENANT, Role.SAPITEUR, Role.CO_EXPERT, Role.MEDIATEUR})

#: The PKCS#12 file's password: the expert chooses it and tells the
#: participant by another way than the file itself.
MIN_PASSWORD_LENGTH = 12

#: Where the CA's certificate and CRL are published (public routes).
CA_CERTIFICATE_PATH = ("pki", "autorite.crt")
CRL_PATH = ("pki", "autorite.crl")


class CertificateError(UserError):
    """A request about certificates the platform refuses; nothing was changed."""


def authority(platform: Platform, keystore: KeyStore | None = None) -> CertificateAuthority:
    """The CA on the platform's token (``keystore`` replaces it in tests)."""
    if keystore is None:
        try:
            keystore = KeyStore(platform.settings.pkcs11)
        except (KeyStoreError, AttributeError):
            raise CertificateError(
                _("La plateforme n'a pas de jeton PKCS#11 : les certificats logiciels ne peuvent pas être émis.")
            ) from None
    return CertificateAuthority(keystore, CA_LABEL)


def crl_url(platform: Platform) -> str | None:
    public = getattr(platform.settings, "public_url", None)
    return f"{str(public).rstrip('/')}/{'/'.join(CRL_PATH)}" if public is not None else None


# -- the CA (the operator's `opalexe ca`) --------------------------------------------------


def create_authority(platform: Platform, actor: Actor, keystore: KeyStore | None = None) -> bytes:
    """Create the CA's key on the token, its certificate and its first CRL;
    returns the certificate (DER). When the token holds the CA already, the
    register takes its certificate from the token and nothing else changes."""
    root = platform.root
    platform.require(actor, ADMIN, root, _("Seul l'exploitant de la plateforme crée l'autorité de certification."))
    registry = root.certificates
    ca = authority(platform, keystore)
    if ca.exists():
        der = ca.certificate()
        if registry.ca_der != der:
            if registry.issued:
                raise CertificateError(_("Le jeton porte une autre autorité que celle qui a émis les certificats "
                                         "enregistrés : vérifiez le jeton configuré."))
            registry.ca_der = der
        return der
    der = ca.create(platform.now(), root.settings.platform_name)
    registry.ca_der = der
    _sign_crl(platform, ca)
    certificate = x509.Certificate.load(der)
    platform.event(CertificateAuthorityCreated, actor, root, subject=certificate.subject.human_friendly,
                   fingerprint_sha256=fingerprint(der), not_after=certificate.not_valid_after)
    return der


def publish_crl(platform: Platform, actor: Actor, keystore: KeyStore | None = None) -> bytes:
    """Sign a new CRL (to run more often than it expires: a daily timer)."""
    root = platform.root
    platform.require(actor, ADMIN, root, _("Seul l'exploitant de la plateforme publie la liste de révocation."))
    registry = root.certificates
    if registry.ca_der is None:
        raise CertificateError(_("L'autorité de certification n'est pas créée : lancez « opalexe ca »."))
    der = _sign_crl(platform, authority(platform, keystore))
    platform.event(RevocationListPublished, actor, root, crl_number=registry.crl_number,
                   next_update=registry.crl_next_update, revoked=len(registry.revoked()))
    return der


def _sign_crl(platform: Platform, ca: CertificateAuthority, also: Revoked | None = None) -> bytes:
    """Sign the next CRL (with ``also``, a revocation not recorded yet) and keep it."""
    registry = platform.root.certificates
    number = registry.crl_number + 1
    now = platform.now()
    revoked = [Revoked(c.serial, c.revoked_at, c.revocation_reason) for c in registry.revoked()]
    der = ca.sign_crl(registry.ca_der, [*revoked, *([also] if also else [])], number, now)
    registry.crl_der = der
    registry.crl_number = number
    registry.crl_next_update = crl.CertificateList.load(der)["tbs_cert_list"]["next_update"].native
    return der


# -- the expert's certificates ----------------------------------------------------------------


def eligible_participants(expertise) -> list:
    """The active participants of the case who may get a software certificate."""
    return [p for p in expertise.participants.values() if p.active and p.role in CERTIFICATE_ROLES]


def valid_certificate(platform: Platform, expertise, account_id: str) -> IssuedCertificate | None:
    now = platform.now()
    return next((c for c in platform.root.certificates.of_expertise(expertise.id)
                 if c.account_id == account_id and c.valid_at(now)), None)


def issue_certificate(platform: Platform, actor: Actor, expertise, account_id: str, password: str,
                      keystore: KeyStore | None = None) -> tuple[IssuedCertificate, bytes]:
    """Issue a software certificate, valid three years, to the participant
    ``account_id`` of the case; returns its record and the PKCS#12 file
    (key, certificate and CA, encrypted with ``password``), the only copy of
    the participant's key. Refused: an actor who does not manage the case, a
    closed case, somebody who is not an active participant without a card,
    a participant who holds a valid certificate already, a short password,
    a platform without its CA."""
    platform.require(actor, MANAGE, expertise,
                     _("Seuls l'expert et les co-experts émettent des certificats logiciels."))
    if not expertise.takes_deposits:
        raise CertificateError(_("L'expertise est close : on n'y émet plus de certificat."))
    participant = expertise.active_participant(account_id)
    account = platform.root.accounts.get(account_id) if participant is not None else None
    if account is None or not account.active:
        raise CertificateError(_("Ce compte n'est pas un participant actif de l'expertise."), "account_id")
    if participant.role not in CERTIFICATE_ROLES:
        raise CertificateError(_("${name} se connecte avec sa carte : pas de certificat logiciel pour ce rôle.",
                                 mapping={"name": account.display_name}), "account_id")
    existing = valid_certificate(platform, expertise, account_id)
    if existing is not None:
        raise CertificateError(
            _("${name} a déjà un certificat valide jusqu'au ${date} : révoquez-le avant d'en émettre un autre.",
              mapping={"name": account.display_name, "date": existing.not_after.strftime("%d/%m/%Y")}),
            "account_id")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise CertificateError(_("Le mot de passe du fichier doit compter au moins ${count} caractères.",
                                 mapping={"count": MIN_PASSWORD_LENGTH}), "password")
    registry = platform.root.certificates
    if registry.ca_der is None:
        raise CertificateError(_("L'autorité de certification de la plateforme n'est pas créée : l'exploitant "
                                 "doit lancer « opalexe ca »."))
    ca = authority(platform, keystore)
    now = platform.now()
    key = new_participant_key()
    try:
        der = ca.issue(registry.ca_der, SubjectFacts(account.display_name, account.email,
                                                     platform.root.settings.platform_name),
                       public_key_der(key), now, crl_url=crl_url(platform))
    except (AuthorityError, KeyStoreError) as error:
        raise CertificateError(_("L'autorité de certification ne répond pas : ${error}",
                                 mapping={"error": str(error)})) from None
    certificate = x509.Certificate.load(der)
    record = registry.add(IssuedCertificate(
        serial=certificate.serial_number, der=der, account_id=account.id, expertise_id=expertise.id,
        subject=certificate.subject.human_friendly, email=account.email, fingerprint_sha256=fingerprint(der),
        not_before=certificate.not_valid_before, not_after=certificate.not_valid_after, issued_at=now,
        issued_by=actor.account_id,
    ))
    expertise.certificates_issued = (*expertise.certificates_issued, (record.serial_hex, now))
    bundle = pkcs12_bundle(key, der, registry.ca_der, password, account.display_name)
    platform.event(SoftwareCertificateIssued, actor, expertise, expertise_id=expertise.id, account_id=account.id,
                   serial=record.serial_hex, fingerprint_sha256=record.fingerprint_sha256, subject=record.subject,
                   not_before=record.not_before, not_after=record.not_after)
    return record, bundle


def revoke_certificate(platform: Platform, actor: Actor, expertise, serial_hex: str, reason: str = "unspecified",
                       keystore: KeyStore | None = None) -> IssuedCertificate:
    """Revoke a certificate issued in this case and publish the new CRL."""
    platform.require(actor, MANAGE, expertise,
                     _("Seuls l'expert et les co-experts révoquent des certificats logiciels."))
    record = platform.root.certificates.get(serial_hex)
    if record is None or record.expertise_id != expertise.id:
        raise CertificateError(_("Certificat inconnu dans cette expertise."))
    if record.revoked:
        raise CertificateError(_("Ce certificat est déjà révoqué depuis le ${date}.",
                                 mapping={"date": record.revoked_at.strftime("%d/%m/%Y")}))
    if reason not in REVOCATION_REASONS:
        raise CertificateError(_("Motif de révocation inconnu."), "reason")
    ca = authority(platform, keystore)
    now = platform.now()
    try:  # signed first: a token that fails leaves the certificate as it was
        _sign_crl(platform, ca, also=Revoked(record.serial, now, reason))
    except (AuthorityError, KeyStoreError) as error:
        raise CertificateError(_("L'autorité de certification ne répond pas : ${error}",
                                 mapping={"error": str(error)})) from None
    record.revoked_at = now
    record.revoked_by = actor.account_id
    record.revocation_reason = reason
    platform.event(SoftwareCertificateRevoked, actor, expertise, expertise_id=expertise.id,
                   account_id=record.account_id, serial=record.serial_hex, reason=reason,
                   crl_number=platform.root.certificates.crl_number)
    return record


# -- for the client-certificate login (issue #18) ----------------------------------------------


def verification_material(root) -> tuple[bytes, bytes] | None:
    """What a client-certificate verifier needs to accept the platform's
    software certificates: the CA's certificate and its current CRL (DER),
    or ``None`` before ``opalexe ca``. (The same are published at
    ``/pki/autorite.crt`` and ``/pki/autorite.crl``, and written by
    ``opalexe ca --certificate-out/--crl-out``.)"""
    registry = root.certificates
    if registry.ca_der is None or registry.crl_der is None:
        return None
    return registry.ca_der, registry.crl_der


def holder_of(root, certificate_der: bytes) -> IssuedCertificate | None:
    """The record of a software certificate this CA issued (its account, its
    case, whether it is revoked), found by the certificate's SHA-256."""
    return root.certificates.by_sha256(fingerprint(certificate_der))
