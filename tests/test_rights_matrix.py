"""The rights matrix is data with a reason for every cell, amendable by
plugins, whose amended cells name the plugin instead."""

from opalexe_core.api import FolderKind, Right, RightAmendment, Role, hookimpl
from opalexe_core.plugins import make_plugin_manager
from opalexe_core.rights import DEFAULT_MATRIX, REASONS, RightsMatrix, build_rights_matrix


def test_every_cell_of_the_core_matrix_has_its_right_and_its_reason():
    cells = {(kind, role) for kind in FolderKind for role in Role}
    assert set(DEFAULT_MATRIX) == cells and set(REASONS) == cells
    assert all(str(reason).strip() for reason in REASONS.values())


def test_what_departs_from_the_first_matrix_and_why():
    matrix = RightsMatrix()
    assert matrix.right(FolderKind.GREFFE_EXPERT_PARTIES, Role.EXPERT) is Right.DEPOSIT
    assert "n'utiliser que ce canal" in REASONS[(FolderKind.GREFFE_EXPERT_PARTIES, Role.EXPERT)]
    assert matrix.right(FolderKind.MAGISTRAT_EXPERT, Role.CO_EXPERT) is Right.DEPOSIT
    assert matrix.right(FolderKind.NOTES_EXPERT, Role.SAPITEUR) is Right.DEPOSIT
    assert "art. 278" in REASONS[(FolderKind.NOTES_EXPERT, Role.SAPITEUR)]
    for role in (Role.AVOCAT, Role.INTERVENANT, Role.MEDIATEUR, Role.SAPITEUR):
        assert matrix.right(FolderKind.MAGISTRAT_EXPERT, role) is Right.NONE  # confidential


def test_a_lawyer_deposits_in_its_own_party_s_folder_only():
    matrix = RightsMatrix()
    assert matrix.right_of("partie", Role.AVOCAT, "p1", "p1") is Right.DEPOSIT
    assert matrix.right_of("partie", Role.AVOCAT, "p1", "p2") is Right.READ
    assert matrix.right_of("partie", Role.EXPERT, None, "p2") is Right.READ


def test_an_amended_cell_names_its_plugin():
    class Mediation:
        @hookimpl
        def opalexe_rights_matrix_amend(self, matrix):
            return [RightAmendment("partie", Role.MEDIATEUR, Right.NONE)]

    pm = make_plugin_manager()
    pm.register(Mediation(), name="mediation-regionale")
    matrix = build_rights_matrix(pm)
    assert matrix.right("partie", Role.MEDIATEUR) is Right.NONE
    assert matrix.reason("partie", Role.MEDIATEUR) == "mediation-regionale"
    assert matrix.reason("partie", Role.AVOCAT) == REASONS[(FolderKind.PARTIE, Role.AVOCAT)]
