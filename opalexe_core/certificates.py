"""Client certificates: is this card's certificate one a provider may trust?

nginx asks every visitor for a client certificate without checking it
(``ssl_verify_client optional_no_ca``) and forwards it; the core checks it
here, before any provider plugin sees it, against the provider's **trust
store**: a CA bundle (its roots and intermediates, PEM) and the CRL files of
those CAs (DER or PEM). The checks are those of RFC 5280 path validation,
done by `pyhanko-certvalidator <https://github.com/MatthiasValvekens/certvalidator>`_
(the maintained fork of wbond's certvalidator, used by pyHanko for PDF
signatures) rather than code of our own: the chain up to a root of the
bundle, each certificate's validity dates, its revocation by the CRLs
(*required*: a certificate without a current CRL of its issuer is refused,
whether it names a distribution point or not), and the key usage of the certificate presented (``digitalSignature``, and
``clientAuth`` when it names extended usages).

Trust stores are named and configured in the ini file, whatever provider
uses them (:class:`TrustStoreSettings`)::

    opalexe.trust.certeurope.ca_bundle = /etc/opalexe/trust/certeurope.pem
    opalexe.trust.certeurope.crl = /var/lib/opalexe/crl/certeurope-root.crl
                                   /var/lib/opalexe/crl/certeurope-cartes.crl

A provider names the store it uses (``AuthProvider.certificate_trust``); the
platform's own CA of software certificates is one more store. The files are
read again when they change (size or modification time), so a CRL refreshed
by a timer is used at the next login, without a restart.

A refusal is a :class:`~opalexe_core.contract.CertificateRefused` whose
French message says what is wrong: no certificate, unreadable, unknown
issuer, expired or not yet valid, revoked, wrong usage, revocation unknown.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import crl as asn1_crl
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
    ValidationError,
)

from .contract import CertificateFacts, CertificateProblem, CertificateRefused
from .i18n import _

log = logging.getLogger(__name__)

_DER = Encoding.DER

#: The usages a login certificate must allow.
KEY_USAGE = frozenset({"digital_signature"})
EXTENDED_KEY_USAGE = frozenset({"client_auth"})


@dataclass(frozen=True)
class TrustStoreSettings:
    """A named trust store: ``ca_bundle`` (a PEM file of CA certificates: the
    self-signed ones are the roots, the others intermediates) and ``crls``
    (files of certificate revocation lists, DER or PEM)."""

    name: str
    ca_bundle: str
    crls: tuple[str, ...] = ()


# -- reading the files, again when they change -----------------------------------------


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def _pem_or_der(data: bytes, kind: str) -> list[bytes]:
    if asn1_pem.detect(data):
        return [der for type_name, _headers, der in asn1_pem.unarmor(data, multiple=True) if type_name == kind]
    return [data]


@dataclass(frozen=True)
class _Material:
    roots: tuple[asn1_x509.Certificate, ...]
    intermediates: tuple[asn1_x509.Certificate, ...]
    crls: tuple[asn1_crl.CertificateList, ...]
    problems: tuple[str, ...]


class TrustStore:
    """One store's certificates and CRLs, loaded once and again whenever one of
    its files changes. Thread-safe."""

    def __init__(self, settings: TrustStoreSettings):
        self.settings = settings
        self._lock = threading.Lock()
        self._stamps: tuple | None = None
        self._material: _Material | None = None

    def material(self) -> _Material:
        files = (self.settings.ca_bundle, *self.settings.crls)
        stamps = tuple(_stamp(path) for path in files)
        with self._lock:
            if stamps != self._stamps or self._material is None:
                self._material = self._load()
                self._stamps = stamps
                log.info("trust store %s: %d root(s), %d intermediate(s), %d CRL(s) loaded", self.settings.name,
                         len(self._material.roots), len(self._material.intermediates), len(self._material.crls))
            return self._material

    def _load(self) -> _Material:
        problems = []
        roots, intermediates = [], []
        try:
            with open(self.settings.ca_bundle, "rb") as bundle:
                ders = _pem_or_der(bundle.read(), "CERTIFICATE")
            for der in ders:
                certificate = asn1_x509.Certificate.load(der)
                (roots if certificate.self_signed != "no" else intermediates).append(certificate)
        except (OSError, ValueError) as error:
            problems.append(f"CA bundle {self.settings.ca_bundle}: {error}")
        crls = []
        for path in self.settings.crls:
            try:
                with open(path, "rb") as crl_file:
                    for der in _pem_or_der(crl_file.read(), "X509 CRL"):
                        crls.append(asn1_crl.CertificateList.load(der))
            except (OSError, ValueError) as error:
                problems.append(f"CRL {path}: {error}")
        for problem in problems:
            log.error("trust store %s: %s", self.settings.name, problem)
        return _Material(tuple(roots), tuple(intermediates), tuple(crls), tuple(problems))


_STORES: dict[TrustStoreSettings, TrustStore] = {}
_STORES_LOCK = threading.Lock()


def trust_store(settings: TrustStoreSettings) -> TrustStore:
    """The process's one :class:`TrustStore` for ``settings``."""
    with _STORES_LOCK:
        store = _STORES.get(settings)
        if store is None:
            store = _STORES[settings] = TrustStore(settings)
        return store


# -- the certificate presented ---------------------------------------------------------


_ATTRIBUTES = {
    "cn": NameOID.COMMON_NAME,
    "given_name": NameOID.GIVEN_NAME,
    "surname": NameOID.SURNAME,
    "serial_number": NameOID.SERIAL_NUMBER,
    "uid": NameOID.USER_ID,
    "organization": NameOID.ORGANIZATION_NAME,
    "organizational_unit": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "title": NameOID.TITLE,
    "country": NameOID.COUNTRY_NAME,
    "email": NameOID.EMAIL_ADDRESS,
}


#: Short names of the attributes RFC 4514 leaves as OIDs, as OpenSSL prints them.
_NAMES = {NameOID.GIVEN_NAME: "GN", NameOID.SURNAME: "SN", NameOID.SERIAL_NUMBER: "serialNumber",
          NameOID.TITLE: "title"}


def _refuse(problem: CertificateProblem, message, **detail) -> CertificateRefused:
    return CertificateRefused(problem, message, **detail)


def load_certificate(pem: str | None) -> x509.Certificate:
    """The certificate of ``pem``; CertificateRefused when there is none or it
    cannot be read."""
    if not pem or not pem.strip():
        raise _refuse(
            CertificateProblem.MISSING,
            _("Aucun certificat n'a été présenté : insérez votre carte ou votre clé, choisissez son certificat "
              "quand le navigateur le propose, puis recommencez."),
        )
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii", "strict"))
    except (ValueError, UnicodeEncodeError):
        raise _refuse(CertificateProblem.MALFORMED, _("Le certificat reçu est illisible.")) from None


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the DER, in lower-case hex: how the journal names a certificate."""
    return hashlib.sha256(certificate.public_bytes(_DER)).hexdigest()


def pem_fingerprint(pem: str | None) -> str | None:
    """The fingerprint of ``pem``, or None when it is missing or unreadable
    (for counting attempts before any check)."""
    try:
        return fingerprint(load_certificate(pem))
    except CertificateRefused:
        return None


def facts_of(certificate: x509.Certificate, trust: str) -> CertificateFacts:
    attributes = {}
    for key, oid in _ATTRIBUTES.items():
        values = certificate.subject.get_attributes_for_oid(oid)
        if values:
            attributes[key] = str(values[0].value).strip()
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        emails = tuple(names.get_values_for_type(x509.RFC822Name))
    except x509.ExtensionNotFound:
        emails = ()
    return CertificateFacts(
        trust=trust,
        subject=certificate.subject.rfc4514_string(_NAMES),
        issuer=certificate.issuer.rfc4514_string(_NAMES),
        serial=format(certificate.serial_number, "x"),
        fingerprint=fingerprint(certificate),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        attributes=attributes,
        emails=emails,
    )


# -- verification ---------------------------------------------------------------------------


def verify_certificate(pem: str | None, store: TrustStoreSettings, moment: datetime) -> CertificateFacts:
    """Check the certificate ``pem`` against ``store`` at ``moment`` (aware);
    its facts, or :class:`CertificateRefused` saying why not."""
    certificate = load_certificate(pem)
    material = trust_store(store).material()
    if not material.roots:
        log.error("trust store %s has no root certificate: every login with it is refused", store.name)
        raise _refuse(CertificateProblem.NOT_CONFIGURED,
                      _("La vérification des certificats n'est pas configurée pour ce profil : contactez le support "
                        "de la plateforme."))
    context = ValidationContext(
        trust_roots=list(material.roots),
        other_certs=list(material.intermediates),
        crls=list(material.crls),
        revocation_mode="require",
        moment=moment,
        allow_fetching=False,
    )
    validator = CertificateValidator(asn1_x509.Certificate.load(certificate.public_bytes(_DER)),
                                     validation_context=context)
    try:
        _run(validator.async_validate_usage(set(KEY_USAGE), set(EXTENDED_KEY_USAGE), extended_optional=True))
    except (ValidationError, PathBuildingError) as error:
        refusal = _refusal(error, certificate)
        log.info("certificate %s (%s) refused by trust store %s: %s (%s)", fingerprint(certificate),
                 certificate.subject.rfc4514_string(_NAMES), store.name, refusal.problem, error)
        raise refusal from None
    return facts_of(certificate, store.name)


def _date(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y")


def _refusal(error: Exception, certificate: x509.Certificate) -> CertificateRefused:
    if isinstance(error, RevokedError):
        return _refuse(CertificateProblem.REVOKED,
                       _("Ce certificat a été révoqué le ${date} : il ne permet plus de se connecter. Utilisez "
                         "celui qui le remplace.", mapping={"date": _date(error.revocation_dt)}))
    if isinstance(error, ExpiredError):
        return _refuse(CertificateProblem.EXPIRED,
                       _("Ce certificat a expiré le ${date} : demandez son renouvellement à qui vous l'a délivré.",
                         mapping={"date": _date(error.expired_dt)}))
    if isinstance(error, NotYetValidError):
        return _refuse(CertificateProblem.NOT_YET_VALID,
                       _("Ce certificat n'est pas encore valide (il le sera le ${date}).",
                         mapping={"date": _date(error.valid_from)}))
    if isinstance(error, InsufficientRevinfoError):
        return _refuse(CertificateProblem.REVOCATION_UNKNOWN,
                       _("La révocation de ce certificat ne peut pas être vérifiée pour le moment (liste de "
                         "révocation absente ou périmée) : réessayez plus tard ou contactez le support."))
    if isinstance(error, InvalidCertificateError):
        return _refuse(CertificateProblem.WRONG_USAGE,
                       _("Ce certificat ne sert pas à l'authentification : choisissez le certificat "
                         "d'authentification de votre carte ou clé."))
    if isinstance(error, PathBuildingError | PathValidationError):
        return _refuse(CertificateProblem.UNKNOWN_ISSUER,
                       _("Ce certificat n'a pas été délivré par une autorité reconnue pour ce profil : vérifiez le "
                         "profil choisi, ou la carte ou clé utilisée."))
    return _refuse(CertificateProblem.MALFORMED, _("Le certificat reçu est illisible."))


# pyhanko-certvalidator's API is asynchronous. A thread that already runs an
# event loop (Playwright's, in the tests' main thread) cannot start another:
# the check then runs in a thread of its own.
_EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="certificates")


def _run(coroutine):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    return _EXECUTOR.submit(asyncio.run, coroutine).result()

