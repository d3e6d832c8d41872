"""The documents over HTTP (WebTest): the upload protocol (tus 1.0.0), the
folder and document pages, downloads with ranges, the ZIP export, and what a
person without the right gets: nothing, not even a name or a count."""

import io
import os
import re
import zipfile
from hashlib import sha256

import pytest
from pkcs11 import ObjectClass

from opalexe_core.keystore import KeyStore, PKCS11Settings
from opalexe_core.resources.expertise import Folder
from opalexe_core.services.keys import MASTER_KEY_LABEL
from pytest_opalexe.documents import TUS, csrf_token, deposit, patch, start
from pytest_opalexe.web import browser_client, demo_login, platform_of

pytestmark = pytest.mark.parametrize("storage", ["filestorage"], indirect=True)

PDF = b"%PDF-1.4\n"
SECRET_NAME = "Note confidentielle au juge.pdf"


def pdf(size=2 * 1024 * 1024 + 5):
    return PDF + os.urandom(size - len(PDF))


@pytest.fixture
def app(documents_app):
    return documents_app


@pytest.fixture
def paths(app):
    """Addresses of the TJ Angers demo case and of its folders, by kind (and party)."""
    with platform_of(app) as platform:
        case = next(e for e in platform.root.expertises.values() if e.jurisdiction_code == "tj-angers")
        found = {"case": f"/expertises/{case.id}/"}
        for name, folder in case.folders.items():
            party = case.party(folder.party_id)
            key = f"{folder.kind}:{party.name.split()[0]}" if party else folder.kind
            found[key] = f"/expertises/{case.id}/dossiers/{name}/"
            for child_name, child in folder.items():
                if isinstance(child, Folder):
                    found[child.kind] = f"/expertises/{case.id}/dossiers/{name}/{child_name}/"
        return found


def client_of(app, key):
    client = browser_client(app)
    demo_login(client, key)
    return client


# -- the upload protocol --------------------------------------------------------------------


def test_a_file_sent_in_chunks_is_deposited_and_listed(app, paths):
    lawyer = client_of(app, "avocat1")
    data = pdf()
    sent = deposit(lawyer, paths["partie:Dupont"], data, "Constat.pdf", chunk_size=700_000)

    assert sent.answer.json["title"] == "Pièce n°1 – Dupont"
    assert sent.answer.json["sha256"] == sha256(data).hexdigest()
    page = lawyer.get(paths["partie:Dupont"])
    row = page.html.select_one(f"tr[data-document='{sent.answer.json['id']}']")
    assert "Pièce n°1 – Dupont" in row.text and "Constat.pdf" in row.text and "Sophie MOREAU" in row.text
    assert lawyer.head(sent.location, headers=TUS, status=404)  # the upload left once deposited


def test_a_resumed_upload_starts_where_the_server_says_it_stands(app, paths):
    lawyer = client_of(app, "avocat1")
    csrf = csrf_token(lawyer)
    data = pdf(3 * 1024 * 1024)
    location = start(lawyer, paths["partie:Dupont"], len(data), "Plan.pdf", csrf).headers["Location"]
    assert location.startswith("http://localhost/televersements/")
    patch(lawyer, location, 0, data[:1024 * 1024], csrf)

    # The connection was cut during the next chunk: the client asks where it stands.
    head = lawyer.head(location, headers=TUS)
    assert head.headers["Upload-Offset"] == str(1024 * 1024) and head.headers["Upload-Length"] == str(len(data))
    assert head.headers["Tus-Resumable"] == "1.0.0" and head.headers["Cache-Control"] == "no-store"
    conflict = patch(lawyer, location, 0, data[:10], csrf, status=409)
    assert "pas à la position attendue" in conflict.text
    patch(lawyer, location, 1024 * 1024, data[1024 * 1024:], csrf)
    answer = lawyer.post(location + "/depot", b"", headers={"X-CSRF-Token": csrf})
    assert answer.json["sha256"] == sha256(data).hexdigest()


def test_refusals_come_at_once_in_french_and_leave_nothing(app, paths):
    lawyer = client_of(app, "avocat1")
    csrf = csrf_token(lawyer)
    folder = paths["partie:Dupont"]

    too_big = start(lawyer, folder, 2 * 1024**3 + 1, "video.mp4", csrf, status=413)
    assert "taille maximale autorisée (2147483648 octets, 2 Go)" in too_big.text
    assert start(lawyer, folder, 2 * 1024**3, "video.mp4", csrf).status_int == 201  # exactly the limit
    assert "format de fichier n'est pas accepté" in start(lawyer, folder, 10, "x.exe", csrf, status=415).text
    assert "Vous ne pouvez pas déposer" in start(lawyer, paths["partie:Syndicat"], 10, "a.pdf", csrf,
                                                  status=403).text
    lawyer.post(folder + "televersements", b"", status=400, headers={**TUS, "X-CSRF-Token": csrf})
    lawyer.post(folder + "televersements", b"", status=400,
                headers={**TUS, "X-CSRF-Token": csrf, "Upload-Length": "10", "Upload-Metadata": "filename %%%"})

    location = start(lawyer, folder, 100, "faux.pdf", csrf).headers["Location"]
    wrong = patch(lawyer, location, 0, b"<html>" + b" " * 94, csrf, status=415)
    assert "ne correspond pas à son extension" in wrong.text
    assert lawyer.head(location, headers=TUS).headers["Upload-Offset"] == "0"
    incomplete = lawyer.post(location + "/depot", b"", headers={"X-CSRF-Token": csrf}, status=409)
    assert "pas encore entièrement reçu" in incomplete.text
    lawyer.patch(location, b"x", status=415, headers={**TUS, "Upload-Offset": "0", "X-CSRF-Token": csrf})


def test_a_chunk_larger_than_the_setting_is_refused(app, paths):
    lawyer = client_of(app, "avocat1")
    csrf = csrf_token(lawyer)
    location = start(lawyer, paths["partie:Dupont"], 20 * 1024 * 1024, "gros.pdf", csrf).headers["Location"]
    answer = patch(lawyer, location, 0, PDF + b"\0" * (16 * 1024 * 1024), csrf, status=413)
    assert "Morceau de fichier trop grand" in answer.text


def test_an_upload_is_its_uploader_s_only_and_every_change_needs_the_csrf_token(app, paths):
    lawyer, other = client_of(app, "avocat1"), client_of(app, "avocat2")
    csrf = csrf_token(lawyer)
    location = start(lawyer, paths["partie:Dupont"], 100, "a.pdf", csrf).headers["Location"]

    assert other.head(location, headers=TUS, status=404)
    other_csrf = csrf_token(other)
    assert "n'existe pas" in patch(other, location, 0, PDF, other_csrf, status=404).text
    other.delete(location, headers={**TUS, "X-CSRF-Token": other_csrf}, status=404)
    lawyer.patch(location, PDF, status=400, headers={**TUS, "Upload-Offset": "0",
                                                     "Content-Type": "application/offset+octet-stream"})
    anonymous = browser_client(app)
    assert anonymous.head(location, headers=TUS, status=302)  # to the login page

    lawyer.delete(location, headers={**TUS, "X-CSRF-Token": csrf}, status=204)
    assert lawyer.head(location, headers=TUS, status=404)


def test_the_server_says_what_it_supports(app):
    lawyer = client_of(app, "avocat1")
    answer = lawyer.options("/televersements/" + "x" * 32, status=204)
    assert answer.headers["Tus-Version"] == "1.0.0" and "creation" in answer.headers["Tus-Extension"]
    assert answer.headers["Tus-Max-Size"] == str(2 * 1024**3)


# -- reading ------------------------------------------------------------------------------------


def test_a_download_is_the_file_whole_or_by_range_and_the_first_one_is_the_receipt(app, paths):
    data = pdf(3 * 1024 * 1024 + 11)
    url = deposit(client_of(app, "avocat1"), paths["partie:Dupont"], data, "Plan – étage.pdf").answer.json["url"]
    expert = client_of(app, "expert")

    page = expert.get(url)
    assert "Pièce n°1 – Dupont" in page.text and sha256(data).hexdigest() in page.text
    whole = expert.get(url + "telecharger")
    assert whole.body == data and whole.headers["Content-Length"] == str(len(data))
    assert whole.headers["Content-Disposition"] == (
        "attachment; filename=\"Plan _ _tage.pdf\"; filename*=UTF-8''Plan%20%E2%80%93%20%C3%A9tage.pdf")
    assert whole.headers["Cache-Control"] == "private, no-store" and whole.headers["Accept-Ranges"] == "bytes"
    part = expert.get(url + "telecharger", headers={"Range": "bytes=1048570-2097160"}, status=206)
    assert part.body == data[1048570:2097161] and part.headers["Content-Range"] == f"bytes 1048570-2097160/{len(data)}"
    assert expert.get(url + "ouvrir").headers["Content-Disposition"].startswith("inline;")
    expert.get(url + "telecharger", headers={"Range": f"bytes={len(data) + 5}-"}, status=416)

    depositor = client_of(app, "avocat1")
    receipts = depositor.get(url).html.select_one("table.receipts")
    rows = {tr.select("td")[0].text: tr.select("td")[-1].text for tr in receipts.select("tbody tr")}
    assert re.match(r"\d\d/\d\d/\d{4} à \d\d:\d\d", rows["Jean MARTIN"]) and rows["Hélène DURAND"] == "pas encore"
    assert "Sophie MOREAU" not in rows  # the depositor
    assert expert.get(url).html.select_one("table.receipts") is not None  # the expert sees them too
    assert client_of(app, "magistrat").get(url).html.select_one("table.receipts") is None


def test_a_person_without_the_right_gets_nothing_not_even_a_name_or_a_count(app, paths):
    expert = client_of(app, "expert")
    url = deposit(expert, paths["magistrat_expert"], pdf(), SECRET_NAME).answer.json["url"]
    lawyer = client_of(app, "avocat1")

    for path in (url, url + "telecharger", url + "ouvrir", paths["magistrat_expert"],
                 paths["magistrat_expert"] + "export.zip"):
        answer = lawyer.get(path, status=403)
        assert "Note confidentielle" not in answer.text and "Accès refusé" in answer.text
    for path in ("/", paths["case"]):
        page = lawyer.get(path)
        assert "Note confidentielle" not in page.text
        folders = page.html.select_one("#coffres")  # (the matrix, shown to all, names every folder)
        assert folders is None or "magistrat→expert" not in folders.text
    assert "magistrat" not in lawyer.get(paths["case"]).html.select_one("#coffres ul.folders").text
    archive = zipfile.ZipFile(io.BytesIO(lawyer.get(paths["case"] + "export.zip").body))
    assert not [name for name in archive.namelist() if "confidentielle" in name or "magistrat" in name]
    assert "confidentielle" not in archive.read("manifeste.csv").decode()
    assert client_of(app, "magistrat").get(url).status_int == 200


def test_an_altered_document_answers_a_clear_page_and_a_log_line(app, paths, caplog):
    url = deposit(client_of(app, "avocat1"), paths["partie:Dupont"], pdf(), "a.pdf").answer.json["url"]
    with platform_of(app) as platform:
        from pyramid.traversal import find_resource

        from pytest_opalexe.documents import tamper

        tamper(find_resource(platform.root, url).blob.committed(), "truncate")
    expert = client_of(app, "expert")
    answer = expert.get(url + "telecharger", status=500)
    assert "Document altéré" in answer.text and "ses données stockées ont été altérées" in answer.text
    assert "INTEGRITY" in caplog.text
    with platform_of(app) as platform:
        assert len(find_resource(platform.root, url).receipts) == 0  # a failed download is no receipt



def test_a_key_module_out_of_reach_is_not_called_an_altered_document(app, paths, document_token, caplog):
    url = deposit(client_of(app, "avocat1"), paths["partie:Dupont"], pdf(), "a.pdf").answer.json["url"]
    store = KeyStore(PKCS11Settings(document_token.module_path, document_token.label, document_token.pin))
    with store.session(rw=True) as session:  # the token no longer holds the documents' master key
        session.get_key(object_class=ObjectClass.SECRET_KEY, label=MASTER_KEY_LABEL).destroy()
    expert = client_of(app, "expert")
    answer = expert.get(url + "telecharger", status=503)
    assert "Documents momentanément indisponibles" in answer.text and "module de clés" in answer.text
    assert "altér" not in answer.text and "INTEGRITY" not in caplog.text
    with platform_of(app) as platform:
        from pyramid.traversal import find_resource

        assert len(find_resource(platform.root, url).receipts) == 0

# -- withdrawal, correction, export -----------------------------------------------------------------


def test_the_depositor_withdraws_with_a_reason_and_the_folder_still_lists_it(app, paths):
    lawyer = client_of(app, "avocat1")
    url = deposit(lawyer, paths["partie:Dupont"], pdf(), "a.pdf").answer.json["url"]
    page = lawyer.get(url)
    form = page.forms["form"]
    form["reason"] = ""
    assert "Indiquez le motif du retrait." in form.submit(status=400).text
    form = lawyer.get(url).forms["form"]
    form["reason"] = "Déposée dans le mauvais coffre"
    after = form.submit().follow()
    assert "Document retiré le" in after.text and "Déposée dans le mauvais coffre" in after.text
    assert "form" not in after.forms
    assert "retiré" in lawyer.get(paths["partie:Dupont"]).html.select_one("table.documents tbody tr").text
    assert lawyer.get(url + "telecharger").status_int == 200  # still in the record

    other = client_of(app, "avocat2")
    assert "form" not in other.get(url).forms
    other.post(url + "retrait", {"csrf_token": csrf_token(other), "reason": "Non"}, status=403)


def test_a_correction_is_a_new_version_linked_both_ways(app, paths):
    lawyer = client_of(app, "avocat1")
    first = deposit(lawyer, paths["partie:Dupont"], pdf(), "a.pdf").answer.json
    page = lawyer.get(first["url"])
    correct = page.html.find("a", string="Déposer une correction (nouvelle version)")["href"]
    assert correct.endswith(f"?remplace={first['id']}")
    assert "Déposer une correction de « Pièce n°1 – Dupont »" in lawyer.get(correct).text
    second = deposit(lawyer, paths["partie:Dupont"], pdf(), "b.pdf", replaces=first["id"]).answer.json

    assert second["title"] == "Pièce n°1 – Dupont"
    old = lawyer.get(first["url"]).text
    assert "Ce document a été corrigé" in old and second["url"] in old
    assert first["url"] in lawyer.get(second["url"]).text


def test_the_export_is_a_zip_with_the_documents_their_sums_and_the_manifest(app, paths):
    lawyer = client_of(app, "avocat1")
    data = [pdf(1_500_000), pdf(10_000)]
    deposit(lawyer, paths["partie:Dupont"], data[0], "Un.pdf")
    deposit(lawyer, paths["partie:Dupont"], data[1], "Deux.pdf")
    expert = client_of(app, "expert")

    answer = expert.get(paths["partie:Dupont"] + "export.zip")
    assert answer.headers["Content-Type"] == "application/zip"
    assert answer.headers["Content-Length"] == str(len(answer.body))
    archive = zipfile.ZipFile(io.BytesIO(answer.body))
    names = archive.namelist()
    assert names[:2] == ["manifeste.csv", "SHA256SUMS"]
    assert archive.read("Dupont/Pièce n°1 – Dupont – Un.pdf") == data[0]
    assert archive.read("Dupont/Pièce n°2 – Dupont – Deux.pdf") == data[1]
    sums = archive.read("SHA256SUMS").decode().splitlines()
    assert f"{sha256(data[0]).hexdigest()}  Dupont/Pièce n°1 – Dupont – Un.pdf" in sums
    manifest = archive.read("manifeste.csv").decode("utf-8-sig").splitlines()
    assert manifest[0].startswith("chemin;titre;fichier;type;taille (octets);sha256;déposé par;mis à disposition")
    assert "Jean MARTIN" in manifest[1] and "(export)" in manifest[1]  # the export is the expert's receipt
    whole = zipfile.ZipFile(io.BytesIO(expert.get(paths["case"] + "export.zip").body))
    assert "Dupont/Pièce n°1 – Dupont – Un.pdf" in whole.namelist()


# -- notifications page ---------------------------------------------------------------------------


def test_a_participant_chooses_the_daily_digest_on_its_page(app):
    expert = client_of(app, "expert")
    page = expert.get("/notifications")
    mode = page.html.select_one("input[type=radio][value=digest]")["name"]  # Deform's radios rename
    assert page.forms["form"][mode].value == "immediate"
    form = page.forms["form"]
    form[mode] = "digest"
    assert "Choix enregistré." in form.submit().follow().text
    assert expert.get("/notifications").forms["form"][mode].value == "digest"
    bad = expert.post("/notifications", {"csrf_token": csrf_token(expert), "mode": "pigeon"}, status=400)
    assert "form" in bad.forms
    browser_client(app).get("/notifications", status=302)
