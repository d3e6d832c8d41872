"""The expert's exceptions to the rights matrix: one participant, one folder,
through the write path, and honoured by the folder's ACL (so by every URL)."""

import pytest

from opalexe_core.api import FolderAccessGranted, FolderAccessWithdrawn, Right, Role
from opalexe_core.services.expertises import ExpertiseError, change_status
from opalexe_core.services.folder_access import effective_right, grant_folder_access, withdraw_folder_access
from opalexe_core.services.participants import add_participant, deactivate_participant
from opalexe_core.services.platform import Refused


@pytest.fixture
def case(world):
    from opalexe_core.services.accounts import create_account
    from opalexe_core.services.platform import Actor

    case = world.case(lawyers={0: [world["avocat1"]]}, magistrate=world["magistrat"])
    add_participant(world.platform, world.actor("expert"), case, world["other_expert"], Role.SAPITEUR)
    world.people["mediateur"] = create_account(world.platform, Actor.platform(), first_name="Yves",
                                               last_name="Roux", email="mediateur@example.test",
                                               profile="mediateur")
    add_participant(world.platform, world.actor("expert"), case, world["mediateur"], Role.MEDIATEUR)
    return case


def may(world, key, folder, permission):
    return bool(world.platform.authorizer.permits(world[key], folder, permission))


def test_a_grant_opens_a_folder_the_matrix_keeps_closed_and_a_withdrawal_closes_one_it_opens(world, case):
    confidential, report = case.folders["03-magistrat-expert"], case.folders["09-greffe"]["01-rapport-definitif"]
    sapiteur = world["other_expert"]
    assert not may(world, "other_expert", confidential, "view")

    grant_folder_access(world.platform, world.actor("expert"), report, sapiteur.id, Right.DEPOSIT)
    withdraw_folder_access(world.platform, world.actor("expert"), confidential, world["magistrat"].id)

    assert may(world, "other_expert", report, "view") and may(world, "other_expert", report, "deposit")
    assert not may(world, "magistrat", confidential, "view")
    assert may(world, "expert", confidential, "deposit")  # nobody else's rights moved
    assert report.grant_of(sapiteur.id) is Right.DEPOSIT and confidential.grant_of(world["magistrat"].id) is Right.NONE
    [granted], [withdrawn] = world.events(FolderAccessGranted), world.events(FolderAccessWithdrawn)
    assert (granted.folder_path, granted.account_id, granted.right) == (("09-greffe", "01-rapport-definitif"),
                                                                         sapiteur.id, Right.DEPOSIT)
    assert (withdrawn.folder_path, withdrawn.account_id) == (("03-magistrat-expert",), world["magistrat"].id)


def test_a_read_grant_takes_away_a_deposit_the_role_has(world, case):
    own = case.folders["04-partie"]  # Dupont's, avocat1's client
    assert may(world, "avocat1", own, "deposit")
    grant_folder_access(world.platform, world.actor("expert"), own, world["avocat1"].id, "read")
    assert may(world, "avocat1", own, "view") and not may(world, "avocat1", own, "deposit")


def test_an_exception_equal_to_the_matrix_is_forgotten(world, case):
    notes = case.folders["07-notes-expert"]
    lawyer = world["avocat1"].id
    withdraw_folder_access(world.platform, world.actor("expert"), notes, lawyer)
    assert notes.grant_of(lawyer) is Right.NONE
    grant_folder_access(world.platform, world.actor("expert"), notes, lawyer, "read")  # what the matrix gives
    assert notes.grant_of(lawyer) is None and may(world, "avocat1", notes, "view")
    assert effective_right(world.platform, notes, case.participants[lawyer]) is Right.READ


def test_grants_sleep_with_an_inactive_participant_and_a_closed_case_takes_no_deposit(world, case):
    report = case.folders["09-greffe"]["01-rapport-definitif"]
    sapiteur = world["other_expert"]
    grant_folder_access(world.platform, world.actor("expert"), report, sapiteur.id, "deposit")
    deactivate_participant(world.platform, world.actor("expert"), case, sapiteur.id)
    assert not may(world, "other_expert", report, "view")
    from opalexe_core.services.participants import reactivate_participant

    reactivate_participant(world.platform, world.actor("expert"), case, sapiteur.id)
    for status in ("en_cours", "terminee"):
        change_status(world.platform, world.actor("expert"), case, status)
    assert may(world, "other_expert", report, "view") and not may(world, "other_expert", report, "deposit")


@pytest.mark.parametrize(("who", "target", "right", "error", "field"), [
    ("avocat1", "other_expert", "read", Refused, None),
    ("magistrat", "other_expert", "read", Refused, None),
    ("coexpert", "other_expert", "read", Refused, None),  # not a participant of this case
    ("expert", "avocat2", "read", ExpertiseError, "account_id"),  # not a participant
    ("expert", "other_expert", "all", ExpertiseError, "right"),
    ("expert", "other_expert", "none", ExpertiseError, "right"),  # withdrawing is its own service
    ("expert", "magistrat", "deposit", ExpertiseError, "account_id"),  # already has it
    ("expert", "mediateur", "deposit", ExpertiseError, "right"),  # read-only, whatever the folder
])
def test_grant_refusals(world, case, who, target, right, error, field):
    folder = case.folders["03-magistrat-expert"]
    before = world.outbox_size
    with pytest.raises(error) as refusal:
        grant_folder_access(world.platform, world.actor(who), folder, world[target].id, right)
    assert refusal.value.field == field and world.outbox_size == before and folder.grants is None


def test_the_expert_keeps_every_folder_and_nothing_changes_in_an_archived_case(world, case):
    folder = case.folders["01-expert-greffe-parties"]
    with pytest.raises(ExpertiseError, match="garde l'accès"):
        withdraw_folder_access(world.platform, world.actor("expert"), folder, world["expert"].id)
    with pytest.raises(ExpertiseError, match="déjà pas accès"):
        withdraw_folder_access(world.platform, world.actor("expert"), case.folders["03-magistrat-expert"],
                               world["avocat1"].id)
    for status in ("en_cours", "terminee", "archivee"):
        change_status(world.platform, world.actor("expert"), case, status)
    with pytest.raises(ExpertiseError, match="archivée"):
        grant_folder_access(world.platform, world.actor("expert"), folder, world["other_expert"].id, "deposit")
