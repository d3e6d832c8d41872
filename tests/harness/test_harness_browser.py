"""Chromium, driven by Playwright, talks to a WSGI app served by LiveServer."""

import urllib.request

import pytest

from pytest_opalexe import browser
from pytest_opalexe.errors import MissingBinaryError
from pytest_opalexe.liveserver import LiveServer

PAGE = """<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>Dossier d'expertise</title></head>
<body>
  <h1>Dossier d'expertise n° 42</h1>
  <p id="statut">Rapport en cours de rédaction</p>
  <button id="deposer" type="button">Déposer le rapport</button>
  <p id="langue"></p>
  <script>
    document.getElementById("langue").textContent = navigator.language;
    document.getElementById("deposer").addEventListener("click", function () {
      document.getElementById("statut").textContent = "Rapport déposé au greffe";
    });
  </script>
</body>
</html>
"""


def french_app(environ, start_response):
    body = PAGE.encode("utf-8")
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


@pytest.fixture
def french_site():
    with LiveServer(french_app) as server:
        yield server


def test_live_server_answers_http(french_site):
    assert french_site.url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(french_site.url + "/", timeout=10) as response:
        assert "Déposer le rapport" in response.read().decode("utf-8")


def test_live_server_stops():
    server = LiveServer(french_app).start()
    url = server.url
    server.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)


@pytest.mark.browser
def test_click_changes_text_and_screenshot(page, french_site, tmp_path):
    page.goto(french_site.url + "/")
    assert page.title() == "Dossier d'expertise"
    assert page.inner_text("#langue") == "fr-FR"
    assert page.inner_text("#statut") == "Rapport en cours de rédaction"

    page.get_by_role("button", name="Déposer le rapport").click()
    page.wait_for_function(
        "document.getElementById('statut').textContent.includes('déposé')"
    )
    assert page.inner_text("#statut") == "Rapport déposé au greffe"

    screenshot = tmp_path / "dossier.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert screenshot.stat().st_size > 1000


def test_missing_chromium_names_the_apt_package(monkeypatch):
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(MissingBinaryError, match="apt-get install chromium"):
        browser.check_chromium()
