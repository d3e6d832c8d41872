"""The English catalog: compiled, complete, and used by the pages.

French is the source language (message ids are the French texts); English
comes from ``opalexe_core/locale/en``. How to update it:
``opalexe_core/locale/README.md``.
"""

import io
import subprocess
import sys

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from opalexe_core.i18n import DOMAIN
from pytest_opalexe.checkout import checkout_root
from pytest_opalexe.fixtures import Storage
from pytest_opalexe.web import demo_login, file_storage_uri, platform_of

REPO_ROOT = checkout_root()

LOCALE_DIR = REPO_ROOT / "opalexe_core" / "locale"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / f"{DOMAIN}.po"
EN_MO = EN_PO.with_suffix(".mo")


@pytest.fixture
def storage(tmp_path):
    """FileStorage only: the pages' language does not depend on the storage
    (the kit's ``storage`` runs each test on RelStorage too)."""
    return Storage("filestorage", file_storage_uri(tmp_path / "var"))


def read_catalog(path):
    with open(path, "rb") as f:
        return read_po(f)


def mo_messages(data: bytes) -> dict:
    """The messages of a compiled catalog, without its metadata header."""
    return {message.id: message.string for message in read_mo(io.BytesIO(data)) if message.id}


def extract_msgids(output) -> set[str]:
    """Every message id of the domain in the code as it is now, extracted the
    way the README says (lingua's ``pot-create``)."""
    pot_create = [sys.executable, "-m", "lingua.extract", "-c", str(LOCALE_DIR / "lingua.cfg"), "-d", DOMAIN]
    subprocess.run([*pot_create, "-o", str(output), "templates", "opalexe_core"], cwd=REPO_ROOT, check=True)
    return {message.id for message in read_catalog(output) if message.id}


def test_committed_mo_is_the_compiled_po():
    compiled = io.BytesIO()
    write_mo(compiled, read_catalog(EN_PO))
    assert mo_messages(EN_MO.read_bytes()) == mo_messages(compiled.getvalue()), (
        "opalexe.mo is stale: run `pybabel compile -d opalexe_core/locale -D opalexe`"
    )


def test_every_french_message_has_an_english_translation(tmp_path):
    msgids = extract_msgids(tmp_path / "opalexe.pot")
    assert "Bienvenue sur Opalexe" in msgids  # templates are read
    assert "Compte créé." in msgids  # Python is read
    english = {message.id: message for message in read_catalog(EN_PO) if message.id}
    untranslated = sorted(
        msgid for msgid in msgids if msgid not in english or not english[msgid].string or english[msgid].fuzzy
    )
    assert untranslated == [], "translate these in opalexe_core/locale/en (see its README.md)"


def test_home_page_is_french_by_default(testapp):
    page = testapp.get("/")
    assert page.html.html["lang"] == "fr"
    assert page.html.h1.text == "Bienvenue sur Opalexe"


def test_home_page_in_english_on_request(testapp):
    page = testapp.get("/", params={"_LOCALE_": "en"})
    assert page.html.html["lang"] == "en"
    assert page.html.h1.text == "Welcome to Opalexe"
    assert "Bienvenue" not in page.text
    assert page.html.find("a", class_="button").text == "Log in"


def accounts_page_in_english(testapp):
    demo_login(testapp, "admin")
    testapp.set_cookie("_LOCALE_", "en")
    return testapp.get("/comptes")


def test_accounts_page_in_english(testapp):
    page = accounts_page_in_english(testapp)
    assert page.html.h1.text == "Accounts"
    assert page.html.h2.text == "Add an account"
    admin_row = page.html.find("td", string="admin@demo.opalexe.test").find_parent("tr")
    assert admin_row.find_all("td")[2].get_text(strip=True) == "Platform administrator · administrator"
    form = page.html.find("form", id="form")
    labels = [label.get_text(strip=True) for label in form.find_all("label")]
    assert labels[:4] == ["First name", "Last name", "Email address", "Profile"]
    options = [option.text for option in form.find("select", attrs={"name": "profile"}).find_all("option")]
    assert options[:3] == ["— Choose —", "Court-appointed expert", "Judge"]
    assert form.find("button", attrs={"name": "submit"}).get_text(strip=True) == "Create the account"


def fill_account_form(page, email):
    form = page.forms["form"]
    form["first_name"] = "Zoé"
    form["last_name"] = "Lambert"
    form["email"] = email
    form["profile"] = "avocat"
    return form


def test_account_form_errors_in_english(testapp):
    page = accounts_page_in_english(testapp)
    answer = fill_account_form(page, "not-an-address").submit(status=400)
    assert "Invalid email address." in answer.text
    answer = fill_account_form(answer, "expert@demo.opalexe.test").submit(status=400)
    assert "An account already exists with this email address." in answer.text


def test_account_created_flash_in_english(testapp):
    page = accounts_page_in_english(testapp)
    answer = fill_account_form(page, "zoe.lambert@example.org").submit(status=302).follow()
    assert answer.html.find("div", class_="flash").text == "Account created."


@pytest.mark.parametrize("asked", ["de", "zz", "de-DE", "fr-CA", "", "<script>", "%FF"])
def test_an_unsupported_locale_reads_as_french(testapp, asked):
    page = testapp.get("/?_LOCALE_=" + asked)
    assert page.html.html["lang"] == "fr"
    assert page.html.h1.text == "Bienvenue sur Opalexe"


def test_an_unsupported_locale_cookie_reads_as_french(testapp):
    testapp.set_cookie("_LOCALE_", "de")
    page = testapp.get("/")
    assert page.html.html["lang"] == "fr"
    assert page.html.h1.text == "Bienvenue sur Opalexe"


@pytest.mark.parametrize("asked", ["en", "en-GB", "en_US", "EN"])
def test_english_in_any_region_reads_as_english(testapp, asked):
    page = testapp.get("/", params={"_LOCALE_": asked})
    assert page.html.html["lang"] == "en"
    assert page.html.h1.text == "Welcome to Opalexe"


def test_the_browser_language_does_not_switch_the_page(testapp):
    page = testapp.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert page.html.html["lang"] == "fr"
    assert page.html.h1.text == "Bienvenue sur Opalexe"


def case_page(testapp, key="expert", locale="en"):
    """The demo case at the TJ Angers (three parties), as ``key`` sees it."""
    home = demo_login(testapp, key)
    testapp.set_cookie("_LOCALE_", locale)
    return home.click(href=home.html.find("a", string=lambda text: "Les Tilleuls" in text)["href"])


def folder_titles(page):
    return [link.text for link in page.html.find("ul", class_="folders").find_all("a")]


def test_case_page_in_english_translates_folder_titles_not_party_names(testapp):
    page = case_page(testapp)
    assert folder_titles(page) == [
        "expert→registry-parties",
        "registry→expert-parties",
        "judge→expert",
        "Dupont",
        "Syndicat des copropriétaires de la résidence Les Tilleuls",
        "SARL Bâti Ouest",
        "Expert's notes",
        "Notices to attend",
        "Court registry",
        "Final report",
    ]
    assert page.html.find("h2", id="parties-titre").text == "Parties"


def test_case_page_in_french_shows_the_stored_titles(testapp):
    page = case_page(testapp, locale="fr")
    titles = folder_titles(page)
    assert titles[:3] == ["expert→greffe-parties", "greffe→expert-parties", "magistrat→expert"]
    assert titles[-4:] == ["Notes de l'expert", "Convocations", "Greffe", "Rapport définitif"]


def test_folders_store_their_french_title_as_a_plain_str(app):
    """Pages translate the stored title: a database keeps reading the same
    whatever the catalog says, and pickles no TranslationString."""
    with platform_of(app) as platform:
        expertise = next(iter(platform.root.expertises.values()))
        titles = [folder.title for folder in expertise.folders.values()]
    assert [type(title) for title in titles] == [str] * len(titles)
    assert titles[-1] == "Greffe"


def test_folder_page_in_english_names_its_case_and_parent(testapp):
    case = case_page(testapp)
    page = case.click(href=r"/dossiers/09-greffe/01-rapport-definitif/$")
    assert page.html.h1.text == "Final report"
    assert page.html.title.text == f"Final report — {case.html.h1.text} — Opalexe"
    crumbs = page.html.find("nav", class_="crumbs")
    assert crumbs["aria-label"] == "Breadcrumb"
    assert [link.text for link in crumbs.find_all("a")] == [case.html.h1.text, "Court registry"]
    assert page.html.find("p", class_="right").text == "You may deposit documents in this folder."


def test_party_folder_page_in_english_keeps_the_party_name(testapp):
    page = case_page(testapp, key="avocat1").click(href=r"/dossiers/04-partie/$")
    assert page.html.h1.text == "Dupont"
    assert page.html.title.text.startswith("Dupont — ")
