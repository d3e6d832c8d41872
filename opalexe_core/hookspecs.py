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

Each docstring says when the core calls the hook today. A hook marked
*Reserved* is declared so plugins can be written against it, but nothing in
the core calls it yet (``tests/test_hookspecs.py`` keeps that mark true).
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

    Called once per case, when it is created
    (:func:`opalexe_core.services.expertises.create_expertise`), before
    anything is stored. Today only the demo cases of ``opalexe init --demo``
    are created this way: no page creates a case, and a case is never renamed
    (parties, numbers, court or expert do not change after creation yet).

    :param facts: a :class:`~opalexe_core.contract.CaseFacts`.
    :return: the case name (``str``), or ``None`` to let another rule decide.
    :raise NamingError: when the rule applies but the facts do not allow it
        (for example a missing n° EXP); nothing is stored. Its message is
        French, written for the user.
    """


@hookspec(firstresult=True)
def opalexe_case_number_normalize(number, kind):
    """Normalise a court number into the form the case stores and shows.

    Called when a case is created
    (:func:`opalexe_core.services.expertises.create_expertise`), once for its
    RG number and once for its EXP number if it has one; the case keeps the
    results. Nothing compares numbers yet (no uniqueness check, no search).

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

    Called once per case, when it is created, after the case is named
    (:func:`opalexe_core.services.expertises.create_expertise`). Adding a
    party to an existing case does not exist yet, so the tree is never asked
    for again.

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

    Called once when the application starts (the app factory), after the
    core's matrix is built. Every plugin is shown the core's matrix; the
    amendments apply in the order plugins were registered, so on the same
    cell the plugin registered last wins.

    :param matrix: a read-only view of the core's matrix
        (``matrix.right(folder_kind, role)``).
    :return: an iterable of :class:`~opalexe_core.contract.RightAmendment`.
    """


# -- Authentication ----------------------------------------------------------


@hookspec
def opalexe_auth_providers_collect(settings):
    """Offer authentication providers on the login page.

    Called each time the login page « Quel est votre profil d'utilisateur ? »
    (``/connexion``) is rendered; the choices of every plugin are shown
    together, sorted by ``order`` then ``label``.

    :param settings: the typed :class:`opalexe_core.settings.Settings`.
    :return: a list of :class:`~opalexe_core.contract.AuthProvider`.
    """


# -- Directory of courts -----------------------------------------------------


@hookspec
def opalexe_jurisdictions_collect():
    """Contribute courts to the jurisdictions directory.

    Called by ``opalexe init`` only, each time it runs (it may be run again
    on an existing platform, after installing or upgrading a plugin). The
    directory is then brought in step: courts are added or updated by
    ``code``, never removed. A plugin's result replaces the core's for the
    same ``code``, so a regional plugin can correct the core's data.
    ``opalexe evolve`` and the server's start do not call it.

    :return: a list of :class:`~opalexe_core.contract.JurisdictionSpec`.
    """


# -- Tariffs -----------------------------------------------------------------


@hookspec(firstresult=True)
def opalexe_tariff_lines_compute(expertise, on_date):
    """Price an expertise.

    Reserved: declared so plugins can be written against it; no caller yet
    (it arrives with the billing work: the billing run and the « Suivi du
    coût » tab).

    :param expertise: the expertise (read it, do not change it).
    :param on_date: the ``datetime.date`` the lines are computed for.
    :return: a list of :class:`~opalexe_core.contract.TariffLine`, or ``None``
        when this schedule does not apply.
    """


# -- Events (after commit) ---------------------------------------------------


@hookspec
def opalexe_document_deposited(event):
    """A document has been deposited and is now available.

    Reserved: declared so plugins can be written against it; no caller yet
    (documents arrive with the document-deposit work). It will be called
    after the deposit's transaction has committed, never for a rolled-back
    one, like ``opalexe_expertise_status_changed``; an implementation must be
    idempotent, as a replay may call it again with the same event.

    :param event: a :class:`~opalexe_core.contract.DepositEvent`.
    :return: nothing.
    """


@hookspec
def opalexe_expertise_status_changed(event):
    """An expertise has changed status.

    Called after the transaction that changed the status has committed,
    never before and never for a rolled-back one
    (:func:`opalexe_core.services.expertises.change_status`); a failing
    implementation is logged and undoes nothing. Must be idempotent. Today
    only ``opalexe init --demo`` changes statuses (to bring its demo cases to
    theirs): no page changes a case's status yet.

    :param event: a :class:`~opalexe_core.contract.StatusChange`.
    :return: nothing.
    """
