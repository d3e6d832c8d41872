"""Templates compile one at a time (CPython 3.11's AST constructor is not
safe for two threads compiling at once, see opalexe_core.templating)."""

import threading

from opalexe_core.templating import COMPILE_LOCK
from pytest_opalexe.web import browser_client


def test_a_page_waits_while_another_template_compiles(live_app):
    client = browser_client(live_app)
    pages = []
    rendered = threading.Event()

    def visit_home():
        pages.append(client.get("/"))
        rendered.set()

    visitor = threading.Thread(target=visit_home, daemon=True)
    with COMPILE_LOCK:  # as if another thread were compiling a template
        visitor.start()
        assert not rendered.wait(2), "the home page compiled while another template was compiling"
    assert rendered.wait(60)
    visitor.join()
    assert "Bienvenue sur Opalexe" in pages[0].text


def test_a_compiled_page_renders_while_another_template_compiles(live_app):
    """Rendering a cooked template takes no lock: only compiling does."""
    client = browser_client(live_app)
    client.get("/")  # compiles the home page and its layout
    pages = []
    visitor = threading.Thread(target=lambda: pages.append(client.get("/")), daemon=True)
    with COMPILE_LOCK:  # as if another thread were compiling a template
        visitor.start()
        visitor.join(30)
        assert not visitor.is_alive(), "a compiled page waited for another template's compilation"
    assert "Bienvenue sur Opalexe" in pages[0].text
