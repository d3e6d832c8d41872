"""A lawyer sees the case but not the judge's folder for the expert."""

import pytest
from playwright.sync_api import expect

CONFIDENTIAL = "magistrat→expert"


@pytest.mark.browser
def test_lawyer_cannot_see_or_open_the_judge_expert_folder(page, visitor, tilleuls):
    visitor.log_in("expert")
    visitor.open_case(*tilleuls)
    confidential_url = visitor.folder_link(CONFIDENTIAL).get_attribute("href")
    assert confidential_url.endswith("/dossiers/03-magistrat-expert/")
    visitor.log_out()

    visitor.log_in("avocat1")
    visitor.open_case(*tilleuls)
    expect(visitor.folder_link("expert→greffe-parties")).to_be_visible()
    expect(visitor.folder_link(CONFIDENTIAL)).to_have_count(0)

    response = page.goto(confidential_url)
    assert response.status == 403
    expect(visitor.heading()).to_have_text("Accès refusé")
