"""The plugin contract: every hook the core calls, and when.

A plugin is a distribution with an entry point in the ``opalexe`` group whose
object (usually its top-level module) carries functions decorated with
``opalexe_core.hookimpl``. Names read ``opalexe_<noun>_<verb>`` or
``opalexe_<when>``. Arguments are keywords; a plugin may accept any subset of
them. Value types come from :mod:`opalexe_core.contract`.

``firstresult`` hooks stop at the first implementation that returns something
other than ``None``; the core's own defaults are registered as the plugin
``core-defaults`` with ``trylast=True``, so any installed plugin wins over them
and removing that plugin falls back to them without error.
"""

from .markers import hookspec

# -- Configuration -----------------------------------------------------------


@hookspec
def opalexe_config_include(config, settings):
    """Contribute Pyramid configuration: routes, views, static views,
    templates and translation directories.

    Called once by the app factory, after the core's own configuration and
    before the WSGI app is made. Use ``config.add_route``,
    ``config.add_view``/``config.scan`` on your own package,
    ``config.add_static_view('plugin-name-static', 'pkg:static')``,
    ``config.add_translation_dirs('pkg:locale')`` and
    ``config.override_asset`` for templates. Page templates may fill the
    core layout: ``metal:use-macro="opalexe_layout"`` (see
    :mod:`opalexe_core.templating`).

    :param config: the ``pyramid.config.Configurator`` being built.
    :param settings: the typed :class:`opalexe_core.settings.Settings`.
    :return: nothing.
    """


# -- Case naming -------------------------------------------------------------


@hookspec(firstresult=True)
def opalexe_case_name_compute(facts):
    """Name an expertise from the facts of its designation order.

    Called when an expertise is created or its parties, numbers, court or
    expert change, and to preview the name in the creation form.

    :param facts: a :class:`~opalexe_core.contract.CaseFacts`.
    :return: the case name (``str``), or ``None`` to let another rule decide.
    :raise NamingError: when the rule applies but the facts do not allow it
        (for example a missing n° EXP); its French message is shown to the user
        and nothing is saved.
    """


@hookspec(firstresult=True)
def opalexe_case_number_normalize(number, kind):
    """Normalise a court number for display and for uniqueness checks.

    Called when an RG or EXP number is entered or compared.

    :param number: the number as written (``"18/00001"``, ``"RG 18/00001"``).
    :param kind: ``"rg"`` (n° of the proceedings) or ``"exp"`` (n° of the
        expertise-control service, also called MI).
    :return: the normalised form (``"RG18-1"``), or ``None`` to pass.
    :raise NamingError: when the number is malformed.
    """


# -- Folders and rights ------------------------------------------------------


@hookspec(firstresult=True)
def opalexe_folder_tree_define(jurisdiction, party_count):
    """Give the default folder tree of a new expertise.

    Called once when an expertise is created (and when a party is added, to
    create that party's folder from the same tree).

    :param jurisdiction: the ordering court's
        :class:`~opalexe_core.contract.JurisdictionSpec`, or ``None``.
    :param party_count: how many parties the case has.
    :return: a list of :class:`~opalexe_core.contract.FolderSpec`, or ``None``
        to pass. The core default holds the three court channels, one folder
        per party, the expert's notes, the convocations and
        «Greffe / Rapport définitif».
    """


@hookspec
def opalexe_rights_matrix_amend(matrix):
    """Amend the rights matrix (folder kind × role → none / read / deposit).

    Called once at start-up, after the core's matrix is built; amendments of
    every plugin are applied in hook order, the last one winning per cell.

    :param matrix: a read-only view of the current matrix
        (``matrix.right(folder_kind, role)``).
    :return: an iterable of :class:`~opalexe_core.contract.RightAmendment`.
    """


# -- Authentication ----------------------------------------------------------


@hookspec
def opalexe_auth_providers_collect(settings):
    """Offer authentication providers on the login page.

    Called when the login page "Quel est votre profil d'utilisateur ?" is
    built; each result adds choices.

    :param settings: the typed :class:`opalexe_core.settings.Settings`.
    :return: a list of :class:`~opalexe_core.contract.AuthProvider`.
    """


# -- Directory of courts -----------------------------------------------------


@hookspec
def opalexe_jurisdictions_collect():
    """Contribute courts to the jurisdictions directory.

    Called by ``opalexe init`` and ``opalexe evolve`` to fill the directory; a
    later result with the same ``code`` replaces an earlier one, so a regional
    plugin can correct the core's data.

    :return: a list of :class:`~opalexe_core.contract.JurisdictionSpec`.
    """


# -- Tariffs -----------------------------------------------------------------


@hookspec(firstresult=True)
def opalexe_tariff_lines_compute(expertise, on_date):
    """Price an expertise.

    Called by the billing run for each expertise that may be due, and by the
    "Suivi du coût" tab.

    :param expertise: the expertise (read it, do not change it).
    :param on_date: the ``datetime.date`` the lines are computed for.
    :return: a list of :class:`~opalexe_core.contract.TariffLine`, or ``None``
        when this schedule does not apply.
    """


# -- Events (after commit) ---------------------------------------------------


@hookspec
def opalexe_document_deposited(event):
    """A document has been deposited and is now available.

    Called after the deposit's transaction has committed, never before and
    never for a rolled-back deposit. Must be idempotent: a replay may call it
    again with the same event.

    :param event: a :class:`~opalexe_core.contract.DepositEvent`.
    :return: nothing.
    """


@hookspec
def opalexe_expertise_status_changed(event):
    """An expertise has changed status.

    Called after the transition's transaction has committed, never for a
    rolled-back one. Must be idempotent.

    :param event: a :class:`~opalexe_core.contract.StatusChange`.
    :return: nothing.
    """
