"""The e-mail login with the real SMTP server of the test kit: invitation,
two mails, password, code mail, login; and every refusal (expired code,
reused code, wrong code N times, resend limits, reused reset link) with a
clear message, changing nothing."""

from datetime import timedelta

# isort: split
from opalexe_core.api import ActorFacts, AuthMethod, ParticipantInvited, PluginServices, Profile, Role
from opalexe_core.services.accounts import create_account
from opalexe_core.services.platform import Actor
from pytest_opalexe.web import platform_of

# isort: split
from opalexe_auth_email_otp import PLUGIN, opalexe_event_committed, state

NEW = "camille.roche@example.test"


def logged_in(client) -> bool:
    return "Se déconnecter" in client.get("/").text


def invited(site, email=NEW, **kw):
    site.invite(email, **kw)
    site.wait_mails(len(site.sink.messages) + 0)
    return site.password_of(email)


def test_invitation_two_mails_password_code_and_login_in_the_invited_case(site):
    answer = site.invite(NEW).follow()
    assert f"{NEW} est invité(e) à l'expertise" in answer.text
    invitation, password_mail = site.wait_mails(2)
    assert invitation["To"] == NEW and password_mail["To"] == NEW
    assert invitation["Subject"] == "Invitation à participer à une expertise sur Opalexe"
    text = site.body(invitation)
    assert "Jean MARTIN vous invite à participer à l'expertise suivante" in text
    assert "Les Tilleuls" in text and "Votre rôle : Intervenant de partie" in text and "Pour la partie : Dupont" in text
    assert "http://localhost/connexion/courriel" in text
    assert password_mail["Subject"] == "Votre mot de passe sur Opalexe"
    password = site.password_of(NEW)
    assert password not in text  # the password travels alone

    person = site.client()
    sent = site.log_in_with_password(person, NEW, password)
    assert sent.location.endswith("/connexion/courriel")
    code_mail = site.wait_mails(3)[-1]
    assert code_mail["Subject"] == "Votre code de connexion à Opalexe"
    assert "valable 10 minutes" in site.body(code_mail)
    page = sent.follow()
    assert "Saisissez votre code temporaire" in page.text and "Renvoyer le code" in page.text
    assert page.forms["form"].action.endswith("/authentification/courriel")

    landed = site.submit_code(person, site.last_code(NEW))
    assert landed.location.endswith(f"/expertises/{site.case()}/")
    case_page = landed.follow()
    assert "Les Tilleuls" in case_page.html.h1.text and "Camille ROCHE" in case_page.text

    with platform_of(site.app) as platform:
        account = platform.root.accounts.find_by_email(NEW)
        stored = platform.root.plugin_areas.area(PLUGIN).tree("passwords")[account.id]
        assert stored.startswith("$argon2id$")
        assert platform.root.accounts.find_by_identity("courriel", account.id) is account


def test_the_password_and_codes_are_never_stored_in_clear(site, tmp_path):
    password = invited(site)
    person = site.client()
    site.log_in_with_password(person, NEW, password)
    code = site.last_code(NEW)
    stored = b"".join(path.read_bytes() for path in (tmp_path / "var").rglob("*") if path.is_file())
    assert password.encode() not in stored
    with platform_of(site.app) as platform:
        [challenge] = platform.root.plugin_areas.area(PLUGIN).tree("challenges").values()
        assert code.encode() not in repr(challenge).encode()


def test_an_existing_intervenant_gets_the_invitation_only_and_lands_in_the_last_case(site):
    password = invited(site)
    site.invite(NEW, court="tj-laval")
    mails = site.wait_mails(3)
    assert len(site.mails_to(NEW)) == 3 and mails[-1]["Subject"].startswith("Invitation")
    assert "second courriel" not in site.body(mails[-1])
    person = site.client()
    site.log_in_with_password(person, NEW, password)
    landed = site.submit_code(person, site.last_code(NEW))
    assert landed.location.endswith(f"/expertises/{site.case('tj-laval')}/")
    home = person.get("/")
    tabs = home.html.select_one("nav.invitation-tabs")
    assert [a.text for a in tabs.select("a")] == ["Accéder à l'expertise", "Accéder aux expertises"]
    assert tabs.select("a")[0]["href"].endswith(f"/expertises/{site.case('tj-laval')}/")
    assert len(home.html.select("table.expertises tbody tr")) == 2


def test_a_wrong_password_is_refused_and_counted(site):
    invited(site)
    person = site.client()
    refused = site.log_in_with_password(person, NEW, "pas-le-bon-mot-de-passe", status=400)
    assert "Adresse électronique ou mot de passe incorrect." in refused.text
    unknown = site.log_in_with_password(person, "personne@example.test", "x" * 16, status=400)
    assert "Adresse électronique ou mot de passe incorrect." in unknown.text  # the same: no account is revealed
    assert not [m for m in site.sink.messages if "code" in m["Subject"]]
    with platform_of(site.app) as platform:
        account = platform.root.accounts.find_by_email(NEW)
        assert state.failure_count(platform.root.plugin_areas.area(PLUGIN), account.id, state.now()) == 1


def test_an_expired_code_is_refused_and_a_new_one_works(site, clock):
    password = invited(site)
    person = site.client()
    site.log_in_with_password(person, NEW, password)
    code = site.last_code(NEW)
    clock.forward(state.CODE_VALIDITY + timedelta(seconds=1))
    refused = site.submit_code(person, code)
    page = refused.follow()
    assert "Ce code a expiré : il était valable 10 minutes." in page.text
    assert "Saisissez votre code temporaire" in page.text  # still on the code page, with « Renvoyer le code »
    assert not logged_in(person)
    resent = page.forms[1].submit().follow()
    assert "Un nouveau code vient de vous être envoyé" in resent.text
    assert site.submit_code(person, site.last_code(NEW)).location.endswith(f"/expertises/{site.case()}/")
    assert logged_in(person)


def test_a_reused_code_is_refused(site):
    password = invited(site)
    person = site.client()
    site.log_in_with_password(person, NEW, password)
    code = site.last_code(NEW)
    form = site.code_form(person)
    replay = site.client()
    replay.cookiejar = person.cookiejar.__class__()
    for cookie in person.cookiejar:  # somebody kept a copy of the session before the login
        replay.cookiejar.set_cookie(cookie)
    form["code"] = code
    form.submit("submit")
    assert logged_in(person)
    again = replay.post("/authentification/courriel", {"csrf_token": form["csrf_token"].value,
                                                       "challenge": form["challenge"].value, "code": code})
    assert "Ce code a déjà servi" in again.follow().text
    assert not logged_in(replay)


def test_wrong_codes_lock_the_account_for_a_while(site, clock):
    password = invited(site)
    person = site.client()
    site.log_in_with_password(person, NEW, password)
    code = site.last_code(NEW)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    messages = [site.submit_code(person, wrong).follow().text for _ in range(state.ACCOUNT_THRESHOLD)]
    assert "il vous reste 4 essai(s)" in messages[0] and "il vous reste 1 essai(s)" in messages[3]
    assert "Trop d'échecs : votre compte est bloqué jusqu'à" in messages[-1]
    assert not logged_in(person)
    # locked: even the right password is refused, saying so, and no code is mailed
    sent = len(site.sink.messages)
    locked = site.log_in_with_password(site.client(), NEW, password, status=400)
    assert "votre compte est bloqué jusqu'à" in locked.text and len(site.sink.messages) == sent
    # after the lock, the password and a new code log in
    clock.forward(state.LOCK + timedelta(seconds=1))
    again = site.client()
    site.log_in_with_password(again, NEW, password)
    assert site.submit_code(again, site.last_code(NEW)).location.endswith(f"/expertises/{site.case()}/")


def test_wrong_passwords_lock_the_account(site):
    password = invited(site)
    for _ in range(state.ACCOUNT_THRESHOLD - 1):
        site.log_in_with_password(site.client(), NEW, "mauvais-mot-de-passe", status=400)
    last = site.log_in_with_password(site.client(), NEW, "mauvais-mot-de-passe", status=400)
    assert "votre compte est bloqué" in last.text
    assert "votre compte est bloqué" in site.log_in_with_password(site.client(), NEW, password, status=400).text


def test_failures_from_one_address_lock_that_address(site):
    password = invited(site)
    person = site.client()
    for number in range(state.ADDRESS_THRESHOLD):
        site.log_in_with_password(person, f"inconnu{number}@example.test", "n'importe-lequel", status=400)
    refused = site.log_in_with_password(person, NEW, password, status=400)
    assert "Trop d'échecs depuis votre adresse réseau" in refused.text
    other = site.client()
    other.extra_environ["REMOTE_ADDR"] = "192.0.2.7"
    assert site.log_in_with_password(other, NEW, password).status_int == 302


def test_resend_is_rate_limited(site, clock):
    password = invited(site)
    person = site.client()
    site.log_in_with_password(person, NEW, password)
    first = site.last_code(NEW)
    too_soon = person.post("/connexion/courriel/renvoyer", {"csrf_token": site.code_form(person)["csrf_token"].value})
    assert "vous pourrez en demander un autre dans" in too_soon.follow().text
    assert site.last_code(NEW) == first
    for _ in range(state.SENDS_PER_CHALLENGE - 1):
        clock.forward(state.RESEND_INTERVAL)
        token = site.code_form(person)["csrf_token"].value
        assert "Un nouveau code" in person.post("/connexion/courriel/renvoyer", {"csrf_token": token}).follow().text
    newest = site.last_code(NEW)
    assert first != newest
    clock.forward(state.RESEND_INTERVAL)
    token = site.code_form(person)["csrf_token"].value
    refused = person.post("/connexion/courriel/renvoyer", {"csrf_token": token}).follow()
    assert "Trop de codes envoyés pour cette connexion" in refused.text
    assert "Mot de passe" in refused.text  # back to the password: the login is given up


def test_an_earlier_code_stops_working_once_a_new_one_is_sent(site, clock):
    password = invited(site)
    person = site.client()
    site.log_in_with_password(person, NEW, password)
    first = site.last_code(NEW)
    clock.forward(state.RESEND_INTERVAL)
    person.post("/connexion/courriel/renvoyer", {"csrf_token": site.code_form(person)["csrf_token"].value})
    second = site.last_code(NEW)
    assert len(site.mails_to(NEW)) == 4  # invitation, password, two codes
    if first != second:  # one chance in a million that the new code is the same
        assert "Code incorrect" in site.submit_code(person, first).follow().text
    assert site.submit_code(person, second).status_int == 302 and logged_in(person)


def test_hourly_code_mails_per_account_are_limited(site, clock):
    password = invited(site)
    for _ in range(state.SENDS_PER_HOUR):
        site.log_in_with_password(site.client(), NEW, password)
        clock.forward(timedelta(seconds=1))
    refused = site.log_in_with_password(site.client(), NEW, password, status=400)
    assert "Trop de codes envoyés à votre adresse en une heure" in refused.text


def reset_link(site, email):
    mail = [m for m in site.mails_to(email) if m["Subject"].startswith("Changer")][-1]
    line = next(line.strip() for line in site.body(mail).splitlines() if "nouveau-mot-de-passe" in line)
    return line.replace("http://localhost", "")


def test_a_forgotten_password_is_reset_once_by_the_mailed_link(site):
    old = invited(site)
    person = site.client()
    form = person.get("/connexion/courriel").click(href="mot-de-passe-oublie").forms["form"]
    form["email"] = NEW
    done = form.submit("submit").follow()
    assert "Si un compte correspond à cette adresse" in done.text
    link = reset_link(site, NEW)
    page = person.get(link)
    reset = page.forms["form"]
    reset["password"] = reset["password-confirm"] = "un-nouveau-secret-solide"
    assert "Votre mot de passe est changé" in reset.submit("submit").follow().text
    assert site.log_in_with_password(site.client(), NEW, old, status=400)
    assert site.log_in_with_password(site.client(), NEW, "un-nouveau-secret-solide").status_int == 302
    # the link served once: shown again or posted again, it is refused and changes nothing
    assert "Ce lien n'est plus valable" in person.get(link, status=400).text
    reset["password"] = reset["password-confirm"] = "encore-un-autre-secret"
    assert "Ce lien n'est plus valable" in reset.submit("submit", status=400).text
    assert site.log_in_with_password(site.client(), NEW, "un-nouveau-secret-solide").status_int == 302


def test_a_reset_link_expires_and_an_unknown_address_gets_no_mail(site, clock):
    invited(site)
    person = site.client()
    for email in (NEW, "personne@example.test"):
        form = person.get("/connexion/courriel/mot-de-passe-oublie").forms["form"]
        form["email"] = email
        assert "Si un compte correspond" in form.submit("submit").follow().text
    assert not site.mails_to("personne@example.test")
    link = reset_link(site, NEW)
    clock.forward(state.RESET_VALIDITY + timedelta(seconds=1))
    assert "Ce lien n'est plus valable" in person.get(link, status=400).text


def test_bad_input_on_the_pages_is_refused(site):
    invited(site)
    person = site.client()
    form = person.get("/connexion/courriel").forms["form"]
    form["email"], form["password"] = "pas-une-adresse", "x"
    assert "Adresse électronique invalide." in form.submit("submit", status=400).text
    assert "Formulaire expiré" in person.post("/connexion/courriel", {"email": NEW, "password": "x"},
                                              status=400).text
    refused = person.post("/authentification/courriel", {"csrf_token": form["csrf_token"].value,
                                                         "challenge": "inventé", "code": "123456"})
    assert "Cette connexion a expiré" in refused.follow().text
    assert not logged_in(person)


def test_the_invitation_hook_is_idempotent(site):
    """The outbox calls the hook at least once: a second call with the same
    event sends nothing more."""
    with platform_of(site.app) as platform:
        account = create_account(platform, Actor.platform(), first_name="Inès", last_name="Vidal",
                                 email="ines@example.test", profile=Profile.INTERVENANT)
        platform.transaction.commit()
        account_id = account.id
    event = ParticipantInvited(
        id="evenement-deja-vu", at=state.now(), actor=ActorFacts(None, AuthMethod.CLI), object_path=(),
        expertise_id=site.case(), account_id=account_id, role=Role.INTERVENANT, email="ines@example.test",
        first_name="Inès", last_name="Vidal", profile=Profile.INTERVENANT, account_created=False,
        expertise_name="Affaire", invited_by="Jean MARTIN")
    services = PluginServices.for_registry(site.app.registry)
    before = len(site.sink.messages)
    opalexe_event_committed(event=event, services=services)
    opalexe_event_committed(event=event, services=services)
    mails = site.sink.messages[before:]
    assert [m["Subject"].split()[0] for m in mails] == ["Invitation", "Votre"]  # one invitation, one password


def test_the_pages_in_english(site):
    person = site.client()
    person.set_cookie("_LOCALE_", "en")
    page = person.get("/connexion/courriel")
    assert page.html.h1.text == "Log in with your e-mail address"
    assert "Forgot your password?" in page.text


def test_an_inactive_participant_no_longer_reaches_the_case_and_a_new_one_is_invited(site):
    password = invited(site)
    with platform_of(site.app) as platform:
        case = platform.root.expertises[site.case()]
        account = platform.root.accounts.find_by_email(NEW)
        case.participants[account.id].active = False  # « inactif » (the expert's action, issue #15)
        platform.transaction.commit()
    person = site.client()
    site.log_in_with_password(person, NEW, password)
    landed = site.submit_code(person, site.last_code(NEW))
    assert not landed.location.endswith(f"/expertises/{site.case()}/")
    person.get(f"/expertises/{site.case()}", status=403)
    site.invite("remplacant@example.test", first="Hugo", last="Blanc")
    assert site.wait_mails(len(site.sink.messages)) and site.password_of("remplacant@example.test")


def test_an_existing_lawyer_is_invited_without_a_password(site):
    with platform_of(site.app) as platform:
        create_account(platform, Actor.platform(), first_name="Paul", last_name="Vasseur",
                       email="vasseur@avocats.example.test", profile=Profile.AVOCAT)
        platform.transaction.commit()
    site.invite("vasseur@avocats.example.test", role="avocat", first="Paul", last="Vasseur")
    [invitation] = site.wait_mails(1)
    assert invitation["Subject"].startswith("Invitation") and "second courriel" not in site.body(invitation)
    assert len(site.mails_to("vasseur@avocats.example.test")) == 1


def test_a_reset_form_posted_with_another_token_is_refused(site):
    invited(site)
    person = site.client()
    form = person.get("/connexion/courriel/mot-de-passe-oublie").forms["form"]
    form["email"] = NEW
    form.submit("submit")
    reset = person.get(reset_link(site, NEW)).forms["form"]
    reset["jeton"] = "un-jeton-inventé"  # the page's address still holds the real one
    reset["password"] = reset["password-confirm"] = "un-nouveau-secret-solide"
    assert "Ce lien n'est plus valable" in reset.submit("submit", status=400).text
