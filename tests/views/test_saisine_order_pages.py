"""The designation order over HTTP (WebTest): the clerk sends a designation,
lands on its page and attaches the order's PDF; a file that is not a PDF
comes back with a French message and nothing stored; the addressed expert
reads the order before answering, nobody else outside the court's clerks
does; accepting puts it in the case's «greffe→expert-parties» folder."""

import os

import pytest
import webtest

from pytest_opalexe.web import browser_client, demo_login, platform_of
from tests.views.test_saisine_pages import saisine_fields

pytestmark = pytest.mark.parametrize("storage", ["filestorage"], indirect=True)

ORDER = b"%PDF-1.4\n" + os.urandom(64 * 1024)


@pytest.fixture
def app(documents_app):
    return documents_app


def client_of(app, key):
    client = browser_client(app)
    demo_login(client, key)
    return client


def attach(page, data, filename="Ordonnance.pdf"):
    form = page.forms["order-form"]
    form["file"] = webtest.Upload(filename, data, "application/pdf")
    return form.submit().follow()


def test_the_clerk_attaches_the_order_the_expert_reads_it_and_accepting_files_it(app):
    clerk = client_of(app, "greffier")
    token = clerk.get("/saisines/nouvelle").forms["form"]["csrf_token"].value
    page = clerk.post("/saisines/nouvelle", saisine_fields(token, email="", registered="expert@demo.opalexe.test")
                      ).follow()
    assert "Joignez-y maintenant l'ordonnance" in page.text
    url = page.request.path

    refused = attach(page, b"PK\x03\x04" + b"\0" * 600)
    assert "ne correspond pas à son extension" in refused.html.find(class_="flash error").text
    refused = attach(refused, b"\x89PNG\r\n\x1a\n" + b"\0" * 600, "Ordonnance.png")
    assert "se joint en PDF" in refused.html.find(class_="flash error").text
    with platform_of(app) as platform:
        assert platform.root.saisines[url.split("/")[2]].order is None

    attached = attach(refused, ORDER)
    assert "Ordonnance de désignation jointe" in attached.text
    assert attached.html.find("p", class_="order").a.text == "Ordonnance.pdf"
    assert clerk.get(url + "ordonnance.pdf").body == ORDER

    expert = client_of(app, "expert")
    designation = expert.get(url)
    assert designation.html.find(id="order-form") is None  # the expert reads it, does not attach one
    opened = designation.click(href=r"ordonnance\.pdf$")
    assert (opened.content_type, opened.body) == ("application/pdf", ORDER)
    for key in ("magistrat", "avocat1", "coexpert"):
        client_of(app, key).get(url + "ordonnance.pdf", status=403)
    browser_client(app).get(url + "ordonnance.pdf", status=302)  # anonymous: to the login page

    accept = designation.click(href=r"/accepter$")
    case = accept.forms["form"].submit("apercu").forms["form"].submit("creer").follow()
    folder = case.click(href=r"/dossiers/[^/]*greffe-expert[^/]*/$", index=0)
    row = folder.html.find("table", class_="documents").find("tr", attrs={"data-document": True})
    assert "Ordonnance.pdf" in row.text and "Marc LEROY" in row.text  # deposited by the clerk
    assert expert.get(url).html.find(id="order-form") is None
