"""The expert creates an expertise from its form and sees its computed name,
with two parties and their lawyers; flags a party served on paper; moves
the case « en cours ». A lawyer then sees exactly what the rights matrix
allows it. A clerk sends a designation that a second expert accepts."""


import pytest
from playwright.sync_api import expect

NAME = "Lambert c/ SCI Les Saules – TJ Angers – RG 21/00321"
PARTICIPANTS = "Participants de l'expertise, leur rôle et la partie qu'ils représentent"
MATRIX = "Matrice des droits : droits de chaque rôle dans chaque coffre"


def choose(select, text):
    """Select the option whose label holds ``text``."""
    select.select_option(select.locator("option", has_text=text).get_attribute("value"))


def sequence(page, name):
    """The sequence ``name`` of the form (``demandeurs``…), by Deform's marker."""
    return page.locator(f"div.deform-seq:has(> fieldset > input[value='{name}:sequence'])")


def fill_party(section, name, *, physical=False, lawyer=None):
    """The last party of a sequence: its name, its nature, one lawyer."""
    party = section.locator(":scope > fieldset > .deform-seq-container > .sequence-item").last
    party.get_by_label("Nom", exact=True).fill(name)
    party.get_by_label("personne physique" if physical else "personne morale").check()
    if lawyer:
        party.get_by_role("button", name="Ajouter un avocat").click()
        choose(party.locator("select").last, lawyer)


@pytest.mark.browser
def test_an_expert_creates_a_case_and_a_lawyer_sees_what_the_matrix_allows(page, visitor):
    visitor.log_in("expert")
    page.get_by_role("link", name="Créer une expertise").click()
    expect(visitor.heading()).to_have_text("Nouvelle expertise")

    page.get_by_label("Juridiction qui ordonne la mesure").select_option(label="Tribunal judiciaire d'Angers")
    page.get_by_label("Magistrat chargé du contrôle des expertises").select_option(label="Hélène DURAND")
    page.get_by_label("Greffier du contrôle des expertises").select_option(
        label="L'adresse structurelle du contrôle des expertises de la juridiction")
    page.get_by_label("N° RG").fill("21/00321")
    page.get_by_label("N° EXP").fill("21/321")
    page.get_by_label("Date de l'ordonnance").fill("2021-02-15")
    demandeurs, defendeurs = sequence(page, "demandeurs"), sequence(page, "defendeurs")
    fill_party(demandeurs, "Lambert", physical=True, lawyer="Sophie MOREAU")
    fill_party(defendeurs, "SCI Les Saules", lawyer="Louis FOURNIER")
    defendeurs.get_by_role("button", name="Ajouter un défendeur").click()
    fill_party(defendeurs, "SARL Charpentes du Maine")
    page.get_by_label("Mission").fill("Décrire les désordres de la charpente.")
    page.get_by_label("Montant de la consignation (€)").fill("1 800,00")

    page.get_by_role("button", name="Voir le nom de l'expertise").click()
    expect(page.locator(".case-name")).to_have_text(NAME)
    page.screenshot(path="test-artifacts/creation-preview.png", full_page=True)
    page.get_by_role("button", name="Créer l'expertise").click()

    expect(visitor.heading()).to_have_text(NAME)
    expect(page.locator(".flash.success")).to_contain_text("Expertise créée")
    participants = page.get_by_role("table", name=PARTICIPANTS)
    expect(participants.locator("tr", has_text="Sophie MOREAU")).to_contain_text("Lambert")
    expect(participants.locator("tr", has_text="Louis FOURNIER")).to_contain_text("SCI Les Saules")

    row = page.locator("tr", has_text="SARL Charpentes du Maine").filter(has=page.locator("details"))
    row.locator("summary").click()
    row.get_by_label("Motif").select_option(label="partie défaillante")
    row.get_by_role("button", name="Signaler la partie").click()
    expect(page.get_by_role("alert")).to_contain_text("SARL Charpentes du Maine")

    page.get_by_role("button", name="Passer l'expertise « En cours »").click()
    expect(page.locator(".status-line")).to_contain_text("En cours")
    expect(page.get_by_role("table", name="Statuts successifs de l'expertise, par qui et quand")).to_contain_text(
        "Jean MARTIN")
    page.screenshot(path="test-artifacts/case-created.png", full_page=True)
    visitor.log_out()

    visitor.log_in("avocat1")
    visitor.open_case("Lambert", "21/00321")
    folders = page.locator("ul.folders li")
    expect(folders.get_by_role("link")).to_have_text([
        "expert→greffe-parties", "greffe→expert-parties", "Lambert", "SCI Les Saules", "SARL Charpentes du Maine",
        "Notes de l'expert", "Convocations", "Greffe", "Rapport définitif"])  # never «magistrat→expert»
    expect(folders.filter(has_text="dépôt autorisé")).to_have_count(1)
    expect(folders.filter(has_text="dépôt autorisé")).to_contain_text("Lambert")  # its client's folder only
    expect(page.get_by_role("alert")).to_contain_text("SARL Charpentes du Maine")  # served on paper: it knows
    expect(page.locator("form[action$='/participants']")).to_have_count(0)  # no change offered
    expect(page.get_by_role("table", name=MATRIX)).to_be_visible()
    page.goto(page.url + "dossiers/03-magistrat-expert/")
    expect(visitor.heading()).to_have_text("Accès refusé")


@pytest.mark.browser
def test_a_clerk_sends_a_designation_that_a_second_expert_accepts(page, visitor):
    visitor.log_in("greffier")
    page.get_by_role("link", name="Envoyer une désignation").click()
    choose(page.get_by_label("Expert inscrit sur la plateforme"), "Claire BERNARD")
    page.get_by_label("Magistrat chargé du contrôle des expertises").select_option(label="Hélène DURAND")
    page.get_by_label("N° RG").fill("21/00777")
    page.get_by_label("N° EXP").fill("21/777")
    page.get_by_label("Date de l'ordonnance").fill("2021-05-10")
    page.locator(".sequence-item").nth(0).get_by_label("Nom", exact=True).fill("Roussel")
    page.locator(".sequence-item").nth(1).get_by_label("Nom", exact=True).fill("SA Toitures de l'Anjou")
    page.get_by_label("Mission").fill("Examiner la toiture.")
    page.get_by_role("button", name="Envoyer la désignation").click()
    expect(page.locator(".flash.success")).to_contain_text("l'expert la trouve sur son tableau de bord")
    page.get_by_role("link", name="Désignations").click()  # the list, from the designation's own page
    expect(page.locator("tr[data-status=envoyee]")).to_contain_text("Claire BERNARD")
    visitor.log_out()

    visitor.log_in("coexpert")
    page.get_by_role("region", name="Désignations reçues").get_by_role("link").click()
    page.get_by_role("link", name="Accepter la désignation").click()
    expect(page.get_by_label("N° RG")).to_have_value("21/00777")
    page.get_by_role("button", name="Voir le nom de l'expertise").click()
    expect(page.locator(".case-name")).to_have_text("Roussel c/ SA Toitures de l'Anjou – TJ Angers – RG 21/00777")
    page.get_by_role("button", name="Créer l'expertise").click()
    expect(visitor.heading()).to_have_text("Roussel c/ SA Toitures de l'Anjou – TJ Angers – RG 21/00777")
    participants = page.get_by_role("table", name=PARTICIPANTS)
    expect(participants).to_contain_text("Marc LEROY")  # the clerk who sent it
    expect(participants).to_contain_text("Hélène DURAND")
    visitor.log_out()

    visitor.log_in("greffier")
    page.get_by_role("link", name="Désignations").first.click()
    expect(page.locator("tr[data-status=acceptee]")).to_contain_text("Claire BERNARD")
