"""The plugin contract: every hook a plugin may implement.

A plugin is a distribution with an entry point in the ``opalexe`` group whose
object (usually its top-level module) carries functions decorated with
``hookimpl`` from :mod:`opalexe_core.api`, the one module plugins import.
Its ``setup.cfg`` requires the contract it was written against, within
bounds (``opalexe >= 1.0, < 2``: :data:`opalexe_core.api.CONTRACT_VERSION`);
the core refuses to load a plugin whose requirement excludes the running
contract.

Hooks are named ``opalexe_<noun>_<verb>`` or ``opalexe_<when>``. Arguments
are keywords; an implementation may accept any subset of them. Arguments and
results are values of :mod:`opalexe_core.contract` (re-exported by the api
module): facts, never the stored objects.

``services`` (a :class:`~opalexe_core.api.PluginServices`), given to the
login and event hooks, is what the platform lends a plugin that keeps state
(its own storage area), sends mail (pyramid_mailer) or builds links; accept
it only if you need it.

``firstresult`` hooks stop at the first implementation that returns something
other than ``None``; the core's own defaults answer last, so any installed
plugin wins over them and removing that plugin falls back to them.

Event hooks (``opalexe_event_committed`` and the hooks of one kind of event)
are called after the change's transaction committed, never for a rolled-back
one, through a durable outbox: at least once per event and plugin, again
after a failure or a crash. An implementation must therefore be idempotent:
it recognises an event it already handled by its ``id``.

A hook marked *Reserved* is part of the contract, so plugins can be written
against it, but the platform does not call it yet. A deprecation is announced
by pluggy when the plugin registers (``warn_on_impl`` / ``warn_on_impl_args``):
a :class:`DeprecationWarning` naming what replaces it, one contract version
ahead of its removal.
"""

from .markers import hookspec

# -- Configuration -----------------------------------------------------------


@hookspec
def opalexe_config_include(config, settings):
    """Contribute Pyramid configuration: routes, views, static views,
    templates and translation directories.

    Called once per application, while it is built, after the core's own
    configuration. Use ``config.add_route``, ``config.add_view`` or
    ``config.scan`` on your own package,
    ``config.add_static_view('plugin-name-static', 'pkg:static', permission=PUBLIC)``,
    ``config.add_translation_dirs('pkg:locale')``. Page templates fill the
    core layout: ``metal:use-macro="opalexe_layout"``. A view declared
    without ``permission`` is for logged-in people only; a page for visitors
    says ``permission=PUBLIC``.

    :param config: the ``pyramid.config.Configurator`` being built.
    :param settings: the platform's typed settings.
    :return: nothing.
    """


# -- Case naming -------------------------------------------------------------


@hookspec(firstresult=True)
def opalexe_case_name_compute(facts):
    """Name an expertise from the facts of its designation order.

    Called when a case is created, before anything is stored.

    :param facts: a :class:`~opalexe_core.contract.CaseFacts`.
    :return: the case name (``str``), or ``None`` to let another rule decide.
    :raise NamingError: when the rule applies but the facts do not allow it
        (for example a missing n° EXP); nothing is stored. Its message is
        French, written for the user; its ``field`` names the form field at
        fault (``rg``, ``exp``, ``parties``…).
    """


@hookspec(firstresult=True)
def opalexe_case_number_normalize(number, kind):
    """Normalise a court number into the form the case stores, shows and
    compares.

    Called for each number given to a case (its RG number, its EXP number if
    it has one).

    :param number: the number as written (``"18/00001"``, ``"RG 18/00001"``).
    :param kind: ``"rg"`` (n° of the proceedings) or ``"exp"`` (n° of the
        expertise-control service, also called MI).
    :return: the normalised form (``"RG18-1"``), or ``None`` to pass.
    :raise NamingError: when the number is malformed.
    """


# -- Folders and rights ------------------------------------------------------


@hookspec(
    firstresult=True,
    warn_on_impl_args={
        "party_count": DeprecationWarning(
            "opalexe_folder_tree_define(party_count=…) is deprecated and goes with contract 2.0: "
            "accept `parties` (one PartyFacts per party, in order) instead"
        )
    },
)
def opalexe_folder_tree_define(jurisdiction, parties, party_count):
    """Give the folder tree of an expertise.

    Called when a case is created, and again when a party is added to a case
    (the folders whose ``party_index`` is the new party's are then added).

    :param jurisdiction: the ordering court's
        :class:`~opalexe_core.contract.JurisdictionSpec`, or ``None``.
    :param parties: the case's parties, in order (``PartyFacts``).
    :param party_count: deprecated, ``len(parties)``.
    :return: a list of :class:`~opalexe_core.contract.FolderSpec`, or ``None``
        to pass. The core default holds the three court channels, one folder
        per party, the expert's notes, the convocations and
        «Greffe / Rapport définitif».
    """


@hookspec
def opalexe_rights_matrix_amend(matrix):
    """Amend the rights matrix (folder kind × role → none / read / deposit).

    Called once when the platform starts (the application, the command line).
    Every plugin is shown the core's matrix; the amendments apply in the
    order plugins were registered, so on the same cell the plugin registered
    last wins.

    :param matrix: a read-only view of the core's matrix
        (``matrix.right(folder_kind, role)``).
    :return: an iterable of :class:`~opalexe_core.contract.RightAmendment`.
    """


# -- Authentication ----------------------------------------------------------


@hookspec
def opalexe_auth_providers_collect(settings):
    """Offer authentication providers on the login page.

    Called when the login page « Quel est votre profil d'utilisateur ? » is
    shown and when a login is attempted (only an offered provider may log
    anybody in), and once at start-up: in production the platform refuses to
    start while a provider marked ``development_only`` is installed.

    :param settings: the platform's typed settings.
    :return: a list of :class:`~opalexe_core.contract.AuthProvider`.
    """


@hookspec(firstresult=True)
def opalexe_credentials_get(attempt, settings, services):
    """Read the credentials of a login attempt.

    Called when a login form is posted to the core's login address
    ``/authentification/<provider id>`` (the provider's own page posts
    there, with the CSRF token of the session). Answer only for your own
    provider id. For a provider that names a ``certificate_trust``, the core
    has already verified the visitor's client certificate (chain, dates,
    usage, revocation) and refused the attempt if it failed: the verified
    certificate is ``attempt.certificate``.

    :param attempt: a :class:`~opalexe_core.contract.LoginAttempt`: the
        provider id, the posted fields, the client certificate forwarded by
        the trusted proxy (and its verified facts), the client's address.
    :param settings: the platform's typed settings (a plugin's own options
        are ``settings.plugin_options[<plugin name>]``).
    :param services: the request's :class:`~opalexe_core.api.PluginServices`.
    :return: :class:`~opalexe_core.contract.Credentials`, or ``None`` when
        the attempt is not for you.
    """


@hookspec(firstresult=True)
def opalexe_identity_get(credentials, settings, services):
    """Verify credentials and say who they identify.

    Called right after ``opalexe_credentials_get`` answered. The core then
    finds the account linked to the identity (or, for a verified e-mail
    address, the account holding it), opens a login and renews the session;
    an identity without an account is led to the registration form.

    :param credentials: the :class:`~opalexe_core.contract.Credentials` your
        ``opalexe_credentials_get`` returned.
    :param settings: the platform's typed settings.
    :param services: the request's :class:`~opalexe_core.api.PluginServices`.
        A refused login rolls back the request's transaction: what must
        outlive a refusal (a counter of failures) is written with
        ``services.change``; what a success consumes (a one-time code) with
        ``services.area``, so that it stays unused if the login fails later.
    :return: a verified :class:`~opalexe_core.contract.Identity`, or ``None``
        when the credentials are not yours. An identity of profile ``avocat``
        whose ``attributes`` name a ``bar`` is listed in the « Annuaire des
        avocats » at each login.
    :raise AuthenticationError: when they are yours but prove nothing
        (wrong, expired, revoked…); its French message is shown as is.
    :raise AuthenticationUnavailable: when they cannot be checked now (a
        directory that does not answer): an error page says to try later,
        and nobody is logged in.
    """


@hookspec
def opalexe_registration_fields_collect(identity):
    """Add fields to the registration form of a first connection.

    Called when a person whose identity no account holds yet is shown the
    registration form, and when that form is sent. The answers are kept on
    the new account under the fields' names.

    :param identity: the verified :class:`~opalexe_core.contract.Identity`.
    :return: a list of ``colander.SchemaNode`` (each with a ``name``, a
        French ``title`` and its validator); answer only for your own
        provider's identities. ``opalexe_core.api.registration_field`` gives
        the core's ready-made fields (telephones, postal address, country,
        cour d'appel, specialities, approval by the Cour de cassation).
    """


# -- Directories -------------------------------------------------------------


@hookspec
def opalexe_jurisdictions_collect():
    """Contribute courts to the jurisdictions directory.

    Called when the platform is created or brought up to date
    (``opalexe init``, which may be run again after installing or upgrading
    a plugin). The directory is then brought in step: courts are added or
    updated by ``code``, never removed. A plugin's result replaces the
    core's for the same ``code``, so a regional plugin can correct it.

    :return: a list of :class:`~opalexe_core.contract.JurisdictionSpec`.
    """


@hookspec
def opalexe_specialities_collect():
    """Contribute to the nomenclature of expert specialities (``A.1 Agriculture``…).

    Called when the registration form lists the specialities (and wherever
    the nomenclature is shown); entries are merged by ``code``, a plugin's
    replacing the core's. The core ships the branches and headings.

    :return: a list of :class:`~opalexe_core.contract.Speciality`.
    """


# -- Tariffs and invoicing ------------------------------------------------------


@hookspec(firstresult=True)
def opalexe_tariff_lines_compute(expertise, on_date):
    """Price an expertise.

    Reserved: declared so plugins can be written against it; no caller yet.
    Will be called when an invoice is drawn up and when the expert opens
    « Suivi du coût ».

    :param expertise: the :class:`~opalexe_core.contract.ExpertiseFacts`.
    :param on_date: the ``datetime.date`` the lines are computed for.
    :return: a list of :class:`~opalexe_core.contract.TariffLine`, or ``None``
        when this schedule does not apply.
    """


@hookspec
def opalexe_invoice_triggers_collect(expertise, event):
    """Say whether a committed change makes an invoice due.

    Reserved: declared so plugins can be written against it; no caller yet.
    Will be called after each committed change of an expertise (six months
    « en cours », the first document in « Rapport définitif », a new party…).

    :param expertise: the :class:`~opalexe_core.contract.ExpertiseFacts`.
    :param event: the :class:`~opalexe_core.contract.DomainEvent` committed.
    :return: a list of :class:`~opalexe_core.contract.InvoiceTrigger`.
    """


# -- Documents ---------------------------------------------------------------


@hookspec
def opalexe_upload_scan(upload, path):
    """Scan a received file before its deposit becomes visible (an antivirus).

    Called when a depositor deposits a file whose upload is complete, before
    the document is stored and anyone can see it; again if that deposit is
    attempted again (a conflict retried, the depositor trying once more).
    Also when a court's clerk attaches a designation order (no case yet: the
    facts' ``expertise_id`` is empty, ``folder_path`` the designation's). One
    refusal refuses the deposit: its ``reason`` is shown to the depositor,
    the received file is dropped and nothing is deposited. Without any
    implementation no plaintext copy is ever written.

    :param upload: the :class:`~opalexe_core.contract.UploadFacts` (name,
        sniffed content type, size and SHA-256 of the plaintext).
    :param path: a private file (mode 0600) holding the plaintext, readable
        during the call only: it is removed afterwards.
    :return: a :class:`~opalexe_core.contract.ScanVerdict`, or ``None``
        when the scanner has nothing to say.
    """


@hookspec(firstresult=True)
def opalexe_evidence_timestamp(digest, hash_algorithm):
    """Timestamp an evidence with an external timestamping authority (RFC 3161).

    Called when the platform signs an evidence of deposit or of receipt,
    after its own signature; an answer is kept with the evidence and
    offered for download beside it (``horodatage.tsr``). Without an answer
    the platform's own signature stands alone (the default).

    :param digest: the ``bytes`` to timestamp: the SHA-256 of the evidence's
        signed JSON (the ``messageImprint`` of the request).
    :param hash_algorithm: ``"sha256"``.
    :return: the DER-encoded ``TimeStampToken`` (``bytes``) the authority
        returned, or ``None`` to pass.
    """


# -- Courts and regions -----------------------------------------------------------


@hookspec
def opalexe_letter_templates_collect(jurisdiction):
    """Offer letter templates for a court (the clerk's letters to a registered
    and to an unregistered expert…).

    Reserved: declared so plugins can be written against it; no caller yet.
    Will be called when a clerk writes to an expert.

    :param jurisdiction: the court's :class:`~opalexe_core.contract.JurisdictionSpec`.
    :return: a list of :class:`~opalexe_core.contract.LetterTemplate`.
    """


# -- Events (after commit, through the outbox) --------------------------------------


@hookspec
def opalexe_event_committed(event, services):
    """A change of the platform's state has been committed.

    Called after commit for every domain event, at least once per plugin
    (see the module's docstring); a failing implementation is logged and
    called again later, and undoes nothing.

    :param event: a :class:`~opalexe_core.contract.DomainEvent` (its
        subclass says which change: ``AccountCreated``, ``StatusChanged``…).
    :param services: a :class:`~opalexe_core.api.PluginServices` without a
        request: ``services.change`` for storage, ``services.mailer.send_immediately``
        for mail, ``services.url`` for links (``None`` when the events are
        delivered by a script, e.g. ``opalexe init --demo``).
    :return: nothing.
    """


@hookspec
def opalexe_expertise_status_changed(event, services):
    """An expertise has changed status.

    Called after commit, besides ``opalexe_event_committed``, at least once
    per plugin; must be idempotent.

    :param event: a :class:`~opalexe_core.contract.StatusChanged`.
    :param services: as for ``opalexe_event_committed``.
    :return: nothing.
    """


@hookspec
def opalexe_document_deposited(event, services):
    """A document has been deposited and is now available.

    Called after the deposit's commit, besides ``opalexe_event_committed``,
    at least once per plugin; must be idempotent. The event's ``at`` is the
    document's date of availability; ``recipients`` the participants it was
    made available to.

    :param event: a :class:`~opalexe_core.contract.DocumentDeposited`.
    :param services: as for ``opalexe_event_committed``.
    :return: nothing.
    """
