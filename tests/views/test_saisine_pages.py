"""A clerk designates an expert not registered yet: the invitation e-mail
leaves through the outbox after commit; the expert, once registered,
receives the designation from the e-mail's link and accepts it, which
creates the case; the clerk reads the answer."""

import re

import pytest

from opalexe_core.services.accounts import create_account
from opalexe_core.services.platform import Actor
from pytest_opalexe.web import browser_client, demo_login, file_storage_uri, platform_of, running_app, test_settings

NEWCOMER = "nouvel.expert@example.test"
PUBLIC_URL = "http://localhost"  # where the test's browser finds the platform (not the development default)


def saisine_fields(token, *, registered="", email=NEWCOMER, rg="21/00042", exp="21/42", demandeur="Lambert",
                   defendeur="SCI Les Saules", button="submit"):
    def party(name, kind):
        return [("__start__", "party:mapping"), ("name", name), ("__start__", "kind:rename"), ("kind", kind),
                ("__end__", "kind:rename"), ("__end__", "party:mapping")]

    def day(name, value):
        return [("__start__", f"{name}:mapping"), ("date", value), ("__end__", f"{name}:mapping")]

    return [("_charset_", "UTF-8"), ("__formid__", "form"), ("csrf_token", token),
            ("__start__", "expert:mapping"), ("registered", registered), ("expert_email", email),
            ("__end__", "expert:mapping"), ("__start__", "court:mapping"), ("magistrate", "structure"),
            ("__end__", "court:mapping"), ("__start__", "numbers:mapping"), ("rg", rg), ("exp", exp),
            *day("order_date", "2021-04-02"), ("__end__", "numbers:mapping"), ("__start__", "parties:mapping"),
            ("__start__", "demandeurs:sequence"), *(party(demandeur, "physique") if demandeur else []),
            ("__end__", "demandeurs:sequence"), ("__start__", "defendeurs:sequence"), *party(defendeur, "morale"),
            ("__end__", "defendeurs:sequence"), ("__start__", "intervenants:sequence"),
            ("__end__", "intervenants:sequence"), ("__end__", "parties:mapping"), ("__start__", "mission:mapping"),
            ("mission", "Examiner la charpente."), *day("report_due", "2022-04-02"), ("__end__", "mission:mapping"),
            ("__start__", "consignation:mapping"), ("consignation_amount", "1 500,00"),
            *day("consignation_due", "2021-05-02"), ("__end__", "consignation:mapping"), (button, button)]


@pytest.fixture
def app(tmp_path, mail_sink):
    settings = test_settings(file_storage_uri(tmp_path / "var"), **{
        "mail.host": mail_sink.host, "mail.port": str(mail_sink.port), "mail.default_sender": "opalexe@example.test",
        "opalexe.public_url": PUBLIC_URL})
    with running_app(settings) as application:
        yield application


def test_an_unregistered_expert_is_invited_by_mail_and_accepts_from_its_link(app, mail_sink):
    clerk = browser_client(app)
    demo_login(clerk, "greffier")
    form_page = clerk.get("/saisines/nouvelle")
    sent = clerk.post("/saisines/nouvelle", saisine_fields(form_page.forms["form"]["csrf_token"].value)).follow()
    assert "reçoit une invitation par courrier électronique" in sent.text
    assert sent.html.find(id="order-form") is not None  # the designation's page: attach its order now
    row = clerk.get("/saisines/").html.find("tr", attrs={"data-status": "envoyee"})
    assert NEWCOMER in row.text and "pas encore inscrit" in row.text

    [mail] = mail_sink.wait_for(1)
    assert mail["To"] == NEWCOMER and "Tribunal judiciaire d'Angers" in mail["Subject"]
    body = mail.get_content()
    assert "n° RG 21/00042" in body and "Lambert" not in body  # a link, no party's name
    assert mail["Message-ID"].endswith(".invitation@opalexe>")
    link = re.search(r"http://localhost(/saisines/[0-9a-f]+/invitation\?jeton=[0-9a-f]+)", body).group(1)

    visitor = browser_client(app).get(link)
    assert "Connectez-vous" in visitor.text and "Lambert" not in visitor.text and "21/00042" not in visitor.text

    with platform_of(app) as platform:  # the expert registers (here: the administrator creates its account)
        create_account(platform, Actor.platform(), first_name="Léa", last_name="Nouvel", email="lea@example.test",
                       profile="expert")
        platform.transaction.commit()
    expert = browser_client(app)
    login = expert.get("/connexion/demo")
    next(f for f in login.forms.values() if 'data-email="lea@example.test"' in f.text).submit()
    forged = expert.get(link.replace("jeton=", "jeton=0"))
    answer = forged.forms["form"].submit("submit").follow()
    assert "pas valide" in answer.html.find(class_="flash error").text

    received = expert.get(link).forms["form"].submit("submit").follow()
    assert "La désignation vous est adressée" in received.text
    accept = received.click(href=r"/accepter$")
    assert accept.forms["form"]["rg"].value == "21/00042"
    elsewhere = accept.forms["form"]
    elsewhere["jurisdiction_code"] = "tj-laval"
    refusal = elsewhere.submit("apercu", status=400)
    assert "celle qui vous a désigné" in refusal.html.find(
        id=refusal.html.find(attrs={"name": "jurisdiction_code"})["aria-describedby"].split()[0]).text
    again = refusal.forms["form"]
    again["jurisdiction_code"] = "tj-angers"
    preview = again.submit("apercu")
    name = preview.html.find(class_="case-name").text
    assert name == "Lambert c/ SCI Les Saules – TJ Angers – RG 21/00042"
    case = preview.forms["form"].submit("creer").follow()
    assert case.html.h1.text == name
    assert "Marc LEROY" in case.html.find("table", class_="participants").text  # the clerk who sent it

    answers = clerk.get("/saisines/")
    row = answers.html.find("tr", attrs={"data-status": "acceptee"})
    assert "Léa NOUVEL" in row.text and row.find("a", string="l'expertise") is not None


def test_a_registered_expert_declines_with_a_reason_beside_its_field(app, mail_sink):
    clerk = browser_client(app)
    demo_login(clerk, "greffier")
    token = clerk.get("/saisines/nouvelle").forms["form"]["csrf_token"].value
    clerk.post("/saisines/nouvelle", saisine_fields(token, email="", registered="coexpert@demo.opalexe.test"))
    expert = browser_client(app)
    home = demo_login(expert, "coexpert")
    designation = home.click(href=r"/saisines/[0-9a-f]+/$")
    refusal = designation.forms["decline-form"].submit("submit", expect_errors=True)
    assert refusal.status_int == 400
    field = refusal.html.find("textarea", attrs={"name": "reason"}) or refusal.html.find(attrs={"name": "reason"})
    assert field["aria-invalid"] == "true"
    assert "Indiquez le motif du refus" in refusal.html.find(id=field["aria-describedby"].split()[0]).text
    form = refusal.forms["decline-form"]
    form["reason"] = "Je suis l'expert d'une des parties dans une autre affaire."
    form.submit("submit").follow()
    row = clerk.get("/saisines/").html.find("tr", attrs={"data-status": "refusee"})
    assert "Je suis l'expert d'une des parties" in row.text
    assert mail_sink.messages == []  # a registered expert gets no invitation


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"email": "", "registered": ""}, "registered", "l'un ou l'autre"),
    ({"email": NEWCOMER, "registered": "expert@demo.opalexe.test"}, "registered", "l'un ou l'autre"),
    ({"email": "avocat1@demo.opalexe.test"}, "expert_email", "n'est pas celui d'un expert"),
    ({"email": "pas-une-adresse"}, "expert_email", "Adresse électronique invalide."),
    ({"demandeur": ""}, "demandeurs", "Indiquez le premier demandeur"),
    ({"rg": "vingt"}, "rg", "n'est pas valide"),
    ({"exp": "18/00001"}, "exp", "déjà celui d'une autre expertise"),
])
def test_a_designation_with_bad_input_is_refused_beside_its_field_and_not_sent(app, mail_sink, overrides, field,
                                                                               message):
    clerk = browser_client(app)
    demo_login(clerk, "greffier")
    token = clerk.get("/saisines/nouvelle").forms["form"]["csrf_token"].value
    page = clerk.post("/saisines/nouvelle", saisine_fields(token, **overrides), expect_errors=True)
    assert page.status_int == 400
    if field == "demandeurs":
        marker = page.html.find("input", attrs={"name": "__start__", "value": "demandeurs:sequence"})
        assert message in marker.find_parent("fieldset").find(class_="section-error").text
    else:
        element = page.html.find(attrs={"name": field, "aria-invalid": "true"})
        assert message in page.html.find(id=element["aria-describedby"].split()[0]).text
    with platform_of(app) as platform:
        assert len(platform.root.saisines) == 0
    assert mail_sink.messages == []
