"""The CertEurope card login: the core checks the card against the trust
store ``certeurope`` (the kit's throwaway authority), the plugin makes the
expert's identity, a first card registers with the expert's fields."""

import datetime

import pytest
from cryptography.hazmat.primitives import hashes

# isort: split
from opalexe_core.api import AuthMethod, LoginOpened, hookimpl
from pytest_opalexe.web import behind_nginx, card_login, check_boxes, file_storage_uri, platform_of, running_app
from pytest_opalexe.web import test_settings as settings_for

PAGE = "/connexion/carte-expert"
NOW = datetime.datetime.now(datetime.UTC)


class Events:
    def __init__(self):
        self.seen = []

    @hookimpl
    def opalexe_event_committed(self, event):
        self.seen.append(event)


@pytest.fixture
def events():
    return Events()


@pytest.fixture
def app(tmp_path, card_authorities, events):
    settings = settings_for(file_storage_uri(tmp_path), plugins=("auth_demo", "auth_certeurope"),
                            **card_authorities.settings(), **{"opalexe.proxy.unix_socket": "true"})
    with running_app(settings, plugins={"events": events}) as application:
        yield application


def expert_card(authority, **subject):
    return authority.issue({"cn": "Jean-Luc MARTIN", "given_name": "Jean-Luc", "surname": "MARTIN",
                            "serial_number": "EXP-0042", "organization": "Expert de justice", **subject},
                           emails=("jl.martin@example.test",))


def register(client, **answers):
    form = card_login(client, PAGE).follow().forms["form"]
    values = {"landline": "02 41 00 00 00", "mobile": "06 12 34 56 78", "email": "jl.martin@example.test",
              "postal_address": "12 rue des Lices\n49000 Angers", "court_of_appeal": "ca-angers",
              "cassation_approved": "non", **answers}
    specialities = values.pop("specialities", ["A.1.2"])  # A.1.2 Applications phytosanitaires
    for name, value in values.items():
        form[name] = value
    check_boxes(form, specialities)
    return form.submit()


def test_the_profile_is_offered_and_leads_to_the_card_page(app, card_authorities):
    client = behind_nginx(app, expert_card(card_authorities.certeurope))
    choice = client.get("/connexion")
    assert "Expert, co-expert ou sapiteur disposant d'une carte CertEurope" in choice.text
    page = client.get("/connexion", {"profil": "certeurope"}).follow()
    assert page.request.path == PAGE
    assert "Jean-Luc MARTIN" in page.text  # the certificate the browser presented


def test_a_new_card_registers_as_an_expert_with_the_expert_s_fields(app, card_authorities, events):
    card = expert_card(card_authorities.certeurope)
    client = behind_nginx(app, card)

    form_page = card_login(client, PAGE).follow()
    assert form_page.request.path == "/inscription"
    assert "CN=Jean-Luc MARTIN" in form_page.text
    for label in ("Téléphone fixe", "Téléphone mobile", "Adresse postale", "Pays", "Cour d'appel de rattachement",
                  "A.1.2 Applications phytosanitaires", "Êtes-vous agréé(e) par la Cour de cassation ?"):
        assert label in form_page.text, label
    assert "Cour administrative d'appel de Nantes" in form_page.text
    home = register(client).follow()

    assert "Mes expertises" in home.text and "Jean-Luc MARTIN" in home.text
    with platform_of(app) as platform:
        account = platform.root.accounts.find_by_email("jl.martin@example.test")
        assert account.profile == "expert"
        assert account.registration["court_of_appeal"] == "ca-angers"
        assert account.registration["specialities"] == ["A.1.2"]
        assert account.registration["cassation_approved"] == "non"
    opened = [e for e in events.seen if isinstance(e, LoginOpened)]
    assert opened[-1].actor.auth_method == AuthMethod.CERTIFICATE
    assert opened[-1].actor.certificate_fingerprint == card.certificate.fingerprint(hashes.SHA256()).hex()


def test_the_same_card_logs_in_at_once_the_next_time(app, card_authorities):
    card = expert_card(card_authorities.certeurope)
    register(behind_nginx(app, card))

    home = card_login(behind_nginx(app, card), PAGE).follow()

    assert home.request.path == "/" and "Mes expertises" in home.text


@pytest.mark.parametrize(("make", "message"), [
    (lambda ca: ca.certeurope.issue({"cn": "Vieux EXPERT"}, not_before=NOW - datetime.timedelta(days=800),
                                    not_after=NOW - datetime.timedelta(days=3)), "Ce certificat a expiré le"),
    (lambda ca: ca.stranger.issue({"cn": "Faux EXPERT"}), "n'a pas été délivré par une autorité reconnue"),
    (lambda ca: ca.certeurope.issue({"cn": "Signature EXPERT"}, usage="email"), "ne sert pas à l'authentification"),
    (lambda ca: ca.rpva.issue({"cn": "Maître AVOCAT", "organizational_unit": "Barreau de Lyon"}),
     "n'a pas été délivré par une autorité reconnue"),
])
def test_a_refused_card_is_told_why_on_the_card_page_and_logs_nobody_in(app, card_authorities, make, message):
    client = behind_nginx(app, make(card_authorities))

    answer = card_login(client, PAGE)

    assert answer.location.endswith(PAGE)
    assert message in answer.follow().text
    assert "Mes expertises" not in client.get("/").text


def test_a_revoked_card_is_refused(app, card_authorities):
    card = expert_card(card_authorities.certeurope, cn="Révoqué EXPERT", serial_number="EXP-9")
    card_authorities.certeurope.revoke(card)
    answer = card_login(behind_nginx(app, card), PAGE).follow()
    assert "Ce certificat a été révoqué le" in answer.text


def test_without_a_card_the_page_says_so(app):
    client = behind_nginx(app)
    page = client.get(PAGE)
    assert "Votre navigateur n'a présenté aucun certificat" in page.text
    assert "Aucun certificat n'a été présenté" in page.forms[0].submit().follow().text


def test_registration_refuses_a_form_without_speciality_court_or_valid_phone(app, card_authorities):
    client = behind_nginx(app, expert_card(card_authorities.certeurope))
    form = card_login(client, PAGE).follow().forms["form"]
    form["email"], form["postal_address"], form["mobile"] = "x@example.test", "1 rue X 49000 Angers", "appelez-moi"
    refused = form.submit(expect_errors=True)

    assert refused.status_int == 400
    assert "Choisissez au moins une spécialité." in refused.text
    assert "Choisissez votre cour d'appel de rattachement." in refused.text
    assert "Répondez par oui ou non." in refused.text
    assert "Numéro de téléphone invalide" in refused.text
    with platform_of(app) as platform:
        assert platform.root.accounts.find_by_email("x@example.test") is None


def test_the_card_page_in_english(app):
    client = behind_nginx(app)
    client.set_cookie("_LOCALE_", "en")
    page = client.get(PAGE)
    assert "Expert card login" in page.text
    assert "Expert, co-expert or sapiteur with a CertEurope card" in client.get("/connexion").text
