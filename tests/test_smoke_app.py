from pytest_opalexe.web import demo_login


def test_home_page_is_french(testapp):
    page = testapp.get("/")
    assert "Bienvenue sur Opalexe" in page.text


def test_demo_expert_sees_demo_expertises(testapp):
    home = demo_login(testapp, "expert")
    assert "Mes expertises" in home.text
    assert home.text.count("/expertises/") >= 4
