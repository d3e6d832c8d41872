"""Software certificates from the platform's CA, whose key is on a SoftHSM2
token: issued to a participant without a card, checked with the verifier
the card login uses (pyhanko-certvalidator: chain to the CA, dates, usage,
CRL), refused once revoked; every refusal changes nothing."""

import asyncio
import concurrent.futures
from datetime import timedelta

import pkcs11
import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from pkcs11 import Attribute, ObjectClass
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import RevokedError

from opalexe_core.api import (
    AuthMethod,
    CertificateAuthorityCreated,
    Role,
    SoftwareCertificateIssued,
    SoftwareCertificateRevoked,
    hookimpl,
)
from opalexe_core.authority import CA_LABEL, CertificateAuthority
from opalexe_core.keystore import KeyStore
from opalexe_core.services.certificates import (
    CertificateError,
    create_authority,
    holder_of,
    issue_certificate,
    publish_crl,
    revoke_certificate,
    verification_material,
)
from opalexe_core.services.demo import demo_email
from opalexe_core.services.expertises import add_participant
from opalexe_core.services.platform import Actor, Refused
from pytest_opalexe.web import file_storage_uri, platform_of, running_app, test_settings

PASSWORD = "cheval-agrafe-pile-47"


class Events:
    def __init__(self):
        self.seen = []

    @hookimpl
    def opalexe_event_committed(self, event):
        self.seen.append(event)

    def of(self, kind):
        return [e for e in self.seen if isinstance(e, kind)]


def pkcs11_settings(token) -> dict:
    return {"opalexe.pkcs11.module": token.module_path, "opalexe.pkcs11.token_label": token.label,
            "opalexe.pkcs11.pin": token.pin}


@pytest.fixture
def events():
    return Events()


@pytest.fixture
def app(tmp_path, softhsm_token, events):
    settings = test_settings(file_storage_uri(tmp_path / "var"), **pkcs11_settings(softhsm_token),
                             **{"opalexe.public_url": "https://opalexe.example.test"})
    with running_app(settings, plugins={"events": events}) as application:
        yield application


def tilleuls(platform):
    """The demo case « en cours » at the TJ Angers, and its expert."""
    accounts = platform.root.accounts
    expert = accounts.find_by_email(demo_email("expert"))
    case = next(e for e in platform.root.expertises.values() if e.jurisdiction_code == "tj-angers")
    return case, Actor(expert, AuthMethod.DEMO)


def with_intervenant(platform):
    """The demo intervenant joins the Tilleuls case for its first party."""
    case, expert = tilleuls(platform)
    intervenant = platform.root.accounts.find_by_email(demo_email("intervenant"))
    if intervenant.id not in case.participants:
        add_participant(platform, expert, case, intervenant, Role.INTERVENANT, case.parties[0].id)
    return case, expert, intervenant


def verify(certificate_der, ca_der, crl_der, moment=None):
    """The card login's verifier: the chain to the CA, dates, client
    authentication usage and the CRL (hard-fail: no CRL, no login). Run in
    a thread of its own: Playwright may hold this thread's event loop."""

    def run():
        context = ValidationContext(trust_roots=[x509.Certificate.load(ca_der)], crls=[crl_der],
                                    revocation_mode="hard-fail", moment=moment)
        validator = CertificateValidator(x509.Certificate.load(certificate_der), validation_context=context)
        return asyncio.run(validator.async_validate_usage({"digital_signature"}, extended_key_usage={"client_auth"}))

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def test_the_ca_key_is_made_on_the_token_sensitive_and_never_extractable(app, softhsm_token, events):
    with platform_of(app) as platform:
        der = create_authority(platform, Actor.platform())
        platform.transaction.commit()
    ca = x509.Certificate.load(der)
    assert ca.ca and ca.max_path_length == 0 and ca.key_usage_value.native == {"key_cert_sign", "crl_sign"}
    assert ca.self_signed == "maybe" and ca.not_valid_after - ca.not_valid_before > timedelta(days=3650 - 1)
    with softhsm_token.open_session() as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=CA_LABEL)
        assert key[Attribute.SENSITIVE] and not key[Attribute.EXTRACTABLE] and key[Attribute.TOKEN]
        with pytest.raises(pkcs11.PKCS11Error):
            key[Attribute.VALUE]  # noqa: B018  the token never gives the private value
    [created] = events.of(CertificateAuthorityCreated)
    assert created.fingerprint_sha256 and "autorité des certificats logiciels" in created.subject
    with platform_of(app) as platform:  # the first CRL is published with the CA
        assert platform.root.certificates.ca_der == der and platform.root.certificates.crl_number == 1


def test_creating_the_ca_again_changes_nothing(app, events):
    with platform_of(app) as platform:
        first = create_authority(platform, Actor.platform())
        platform.transaction.commit()
    with platform_of(app) as platform:
        assert create_authority(platform, Actor.platform()) == first
        platform.transaction.commit()
        assert platform.root.certificates.crl_number == 1
    assert len(events.of(CertificateAuthorityCreated)) == 1


def test_an_issued_certificate_passes_the_chain_and_crl_check_and_is_refused_once_revoked(app, events):
    with platform_of(app) as platform:
        create_authority(platform, Actor.platform())
        case, expert, intervenant = with_intervenant(platform)
        record, bundle = issue_certificate(platform, expert, case, intervenant.id, PASSWORD)
        platform.transaction.commit()
        ca_der, crl_der = platform.root.certificates.ca_der, platform.root.certificates.crl_der
        serial = record.serial_hex

    key, certificate, extra = pkcs12.load_key_and_certificates(bundle, PASSWORD.encode())
    assert key is not None and [c.subject for c in extra] == [x509_name(ca_der)]
    from cryptography.hazmat.primitives.serialization import Encoding

    der = certificate.public_bytes(Encoding.DER)
    path = verify(der, ca_der, crl_der)
    assert len(path) == 2
    issued = x509.Certificate.load(der)
    assert issued.subject.native["common_name"] == "Nadia GIRARD"
    assert issued.subject_alt_name_value.native == ["intervenant@demo.opalexe.test"]
    assert issued.crl_distribution_points[0].url == "https://opalexe.example.test/pki/autorite.crl"
    lifetime = issued.not_valid_after - issued.not_valid_before
    assert timedelta(days=3 * 365) <= lifetime <= timedelta(days=3 * 366 + 1)
    [billed] = events.of(SoftwareCertificateIssued)
    assert (billed.serial, billed.account_id, billed.tariff_code) == (serial, intervenant.id, "certificat_logiciel")
    with platform_of(app) as platform:
        assert len(the_facts(platform, case.id).software_certificates) == 1

    with platform_of(app) as platform:
        case, expert = tilleuls(platform)
        revoke_certificate(platform, expert, case, serial, "key_compromise")
        platform.transaction.commit()
        new_crl = platform.root.certificates.crl_der
    with pytest.raises(RevokedError):
        verify(der, ca_der, new_crl)
    with platform_of(app) as platform:  # what the card login's verifier reads (issue #18)
        assert verification_material(platform.root) == (ca_der, new_crl)
        holder = holder_of(platform.root, der)
        assert (holder.account_id, holder.revoked) == (intervenant.id, True)
    listed = asn1_crl.CertificateList.load(new_crl)
    assert [entry["user_certificate"].native for entry in listed["tbs_cert_list"]["revoked_certificates"]] == [
        int(serial, 16)]
    [revoked] = events.of(SoftwareCertificateRevoked)
    assert (revoked.serial, revoked.reason, revoked.crl_number) == (serial, "key_compromise", 2)


def test_a_certificate_of_another_ca_or_past_its_dates_is_refused(app, tmp_path):
    with platform_of(app) as platform:
        create_authority(platform, Actor.platform())
        case, expert, intervenant = with_intervenant(platform)
        record, _bundle = issue_certificate(platform, expert, case, intervenant.id, PASSWORD)
        platform.transaction.commit()
        ca_der, crl_der, der = platform.root.certificates.ca_der, platform.root.certificates.crl_der, record.der
    later = record.not_after + timedelta(days=1)
    with pytest.raises(Exception, match="expired|not valid|no longer valid"):
        verify(der, ca_der, crl_der, moment=later)
    with pytest.raises(Exception, match="path"):  # the trusted root is not its issuer
        verify(der, other_ca(), crl_der)


def other_ca():
    """A self-signed CA made with cryptography, unrelated to the platform's."""
    from datetime import UTC, datetime

    from cryptography import x509 as cx
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = cx.Name([cx.NameAttribute(NameOID.COMMON_NAME, "Autre autorité")])
    now = datetime.now(UTC)
    certificate = (cx.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=30))
                   .add_extension(cx.BasicConstraints(ca=True, path_length=0), critical=True)
                   .sign(key, hashes.SHA256()))
    return certificate.public_bytes(serialization.Encoding.DER)


def x509_name(der):
    from cryptography import x509 as cx

    return cx.load_der_x509_certificate(der).subject


def the_facts(platform, expertise_id):
    return platform.root.expertises[expertise_id].facts()


def test_refusals_change_nothing(app, events):
    with platform_of(app) as platform:
        case, expert, intervenant = with_intervenant(platform)
        platform.transaction.commit()
    with platform_of(app) as platform:  # no CA yet
        case, expert = tilleuls(platform)
        with pytest.raises(CertificateError, match="opalexe ca"):
            issue_certificate(platform, expert, case, intervenant.id, PASSWORD)
        create_authority(platform, Actor.platform())
        platform.transaction.commit()
    events.seen.clear()
    with platform_of(app) as platform:
        case, expert = tilleuls(platform)
        accounts = platform.root.accounts
        lawyer = accounts.find_by_email(demo_email("avocat1"))
        other = Actor(accounts.find_by_email(demo_email("avocat2")), AuthMethod.DEMO)
        with pytest.raises(Refused):
            issue_certificate(platform, other, case, intervenant.id, PASSWORD)
        with pytest.raises(CertificateError, match="carte"):
            issue_certificate(platform, expert, case, lawyer.id, PASSWORD)
        with pytest.raises(CertificateError, match="participant actif"):
            issue_certificate(platform, expert, case, accounts.find_by_email(demo_email("admin")).id, PASSWORD)
        with pytest.raises(CertificateError, match="au moins 12"):
            issue_certificate(platform, expert, case, intervenant.id, "court")
        record, _bundle = issue_certificate(platform, expert, case, intervenant.id, PASSWORD)
        with pytest.raises(CertificateError, match="déjà un certificat valide"):
            issue_certificate(platform, expert, case, intervenant.id, PASSWORD)
        with pytest.raises(CertificateError, match="Motif"):
            revoke_certificate(platform, expert, case, record.serial_hex, "parce que")
        with pytest.raises(CertificateError, match="inconnu"):
            revoke_certificate(platform, expert, case, "abcdef", "unspecified")
        with pytest.raises(Refused):
            revoke_certificate(platform, other, case, record.serial_hex, "unspecified")
        assert not record.revoked and platform.root.certificates.crl_number == 1
        revoke_certificate(platform, expert, case, record.serial_hex, "superseded")
        with pytest.raises(CertificateError, match="déjà révoqué"):
            revoke_certificate(platform, expert, case, record.serial_hex, "superseded")
        assert platform.root.certificates.crl_number == 2
        # a new certificate once the old one is revoked
        issue_certificate(platform, expert, case, intervenant.id, PASSWORD)
        platform.transaction.commit()
    assert [type(e).__name__ for e in events.seen] == [
        "SoftwareCertificateIssued", "SoftwareCertificateRevoked", "SoftwareCertificateIssued"]


def test_a_closed_case_issues_no_certificate(app):
    with platform_of(app) as platform:
        create_authority(platform, Actor.platform())
        expert = Actor(platform.root.accounts.find_by_email(demo_email("expert")), AuthMethod.DEMO)
        closed = next(e for e in platform.root.expertises.values() if not e.takes_deposits)
        intervenant = platform.root.accounts.find_by_email(demo_email("intervenant"))
        with pytest.raises(CertificateError, match="close"):
            issue_certificate(platform, expert, closed, intervenant.id, PASSWORD)


def test_publishing_the_crl_again_renumbers_it_and_keeps_the_revoked(app):
    with platform_of(app) as platform:
        create_authority(platform, Actor.platform())
        case, expert, intervenant = with_intervenant(platform)
        record, _bundle = issue_certificate(platform, expert, case, intervenant.id, PASSWORD)
        revoke_certificate(platform, expert, case, record.serial_hex, "unspecified")
        publish_crl(platform, Actor.platform())
        platform.transaction.commit()
        registry = platform.root.certificates
        listed = asn1_crl.CertificateList.load(registry.crl_der)
        assert registry.crl_number == 3 and listed.crl_number_value.native == 3
        assert len(listed["tbs_cert_list"]["revoked_certificates"]) == 1
        with pytest.raises(Refused):
            publish_crl(platform, tilleuls(platform)[1])


def test_the_authority_refuses_to_create_a_second_key(softhsm_token):
    from datetime import UTC, datetime

    from opalexe_core.authority import AuthorityError
    from opalexe_core.keystore import PKCS11Settings

    ca = CertificateAuthority(KeyStore(PKCS11Settings(softhsm_token.module_path, softhsm_token.label,
                                                      softhsm_token.pin)))
    ca.create(datetime.now(UTC))
    with pytest.raises(AuthorityError, match="already holds"):
        ca.create(datetime.now(UTC))
