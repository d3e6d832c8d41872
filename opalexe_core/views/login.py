"""Login: the profile choice built from the auth providers, the one address
providers' forms post to (``/authentification/<provider>``), the
registration of a first connection, « Changer d'authentification », and
logout.

These views are the only ones that call ``remember`` and ``forget``: a
provider plugin reads and verifies credentials (its hooks), the core opens
the login and renews the session.

The profile chosen on « Quel est votre profil d'utilisateur ? » is
remembered in the browser (cookie :data:`PROFILE_COOKIE`) for a week from
the last login with it: the login page then leads straight to that
provider's page, and asks again once the week has passed.
« Changer d'authentification » forgets the choice (and closes the login), so
another profile can be chosen without a private window.
"""

import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.security import forget, remember
from pyramid.view import view_config

from ..actors import AUTH_KEY
from ..contract import AuthenticationError, AuthenticationUnavailable, LoginAttempt, LoginEnd, UserError
from ..forms.base import make_form, refusal
from ..forms.registration import CORE_FIELDS, registration_schema
from ..i18n import _
from ..permissions import PUBLIC
from ..proxy import client_certificate
from ..resources.root import Root
from ..security import current_login
from ..services import auth, terms
from . import back_to, refused
from .invitations import landing_url

PENDING_KEY = "opalexe.registration"
#: Session key of the version of the terms the logged-in account must accept
#: before anything else (:mod:`opalexe_core.views.terms`).
TERMS_PENDING_KEY = "opalexe.terms_pending"
#: The cookie remembering the profile chosen (a provider id).
PROFILE_COOKIE = "opalexe_profil"
#: « Changer d'authentification »: GET for a visitor, POST (a form) once logged in.
SWITCH = "changer-authentification"
#: A week: the profile is asked again a week after the last login.
PROFILE_AGE = 7 * 24 * 3600


def _offered(request) -> dict:
    return {provider.id: provider for provider in auth.providers(request.opalexe_platform)}


def remember_profile(request, response, provider_id: str) -> None:
    response.set_cookie(PROFILE_COOKIE, provider_id, max_age=PROFILE_AGE, path="/", httponly=True, samesite="Lax",
                        secure=request.registry.opalexe.secure_cookies)


def forget_profile(response) -> None:
    response.delete_cookie(PROFILE_COOKIE, path="/")


@view_config(context=Root, name="connexion", renderer="opalexe_core:templates/login.pt", permission=PUBLIC)
def login(context, request):
    offered = _offered(request)
    remembered = offered.get(request.cookies.get(PROFILE_COOKIE, ""))
    if remembered is not None:
        return HTTPFound(request.route_url(remembered.login_route))
    providers = [
        {"label": p.label, "description": p.description, "id": p.id, "checked": index == 0}
        for index, p in enumerate(offered.values())
    ]
    return {"providers": providers, "choose_url": request.resource_url(context, "connexion")}


@view_config(context=Root, name="connexion", renderer="opalexe_core:templates/login.pt", permission=PUBLIC,
             request_param="profil")
def choose_profile(context, request):
    """The profile choice's « Continuer » (``/connexion?profil=<provider>``,
    a GET form: nothing of the platform changes); remembered in the browser."""
    provider = _offered(request).get(request.GET.get("profil", ""))
    if provider is None:
        return back_to(request, request.resource_url(context, "connexion"),
                       _("Choisissez l'un des profils proposés."), "error")
    response = HTTPFound(request.route_url(provider.login_route))
    remember_profile(request, response, provider.id)
    return response


@view_config(context=Root, name=SWITCH, request_method="GET", permission=PUBLIC)
def forget_choice(context, request):
    """« Changer d'authentification » for a visitor: the profile is asked again."""
    response = HTTPFound(request.resource_url(context, "connexion"))
    forget_profile(response)
    return response


@view_config(context=Root, name=SWITCH, request_method="POST", permission=PUBLIC)
def switch_authentication(context, request):
    """« Changer d'authentification » once logged in: the login is closed,
    the session and the profile choice forgotten, and the profile asked again
    (no private window needed)."""
    _account_id, login_id = current_login(request)
    if login_id and request.identity is not None:
        auth.close_login(request.opalexe_platform, request.opalexe_actor, login_id, LoginEnd.SWITCHED)
    response = HTTPFound(request.resource_url(context, "connexion"), headers=forget(request))
    forget_profile(response)
    return response


@view_config(route_name="authenticate", request_method="POST", permission=PUBLIC)
def authenticate(request):
    """A provider's login form posts here."""
    provider = request.matchdict["provider"]
    attempt = LoginAttempt(
        provider=provider,
        params={key: value for key, value in request.POST.items() if key != "csrf_token"},
        client_address=request.client_addr,
        client_certificate_pem=client_certificate(request),
    )
    platform = request.opalexe_platform
    try:
        outcome = auth.authenticate(platform, attempt)
    except (AuthenticationUnavailable, auth.TooManyAttempts) as error:
        request.tm.doom()
        unavailable = isinstance(error, AuthenticationUnavailable)
        request.response.status = 503 if unavailable else 429
        title = _("Service momentanément indisponible") if unavailable else _("Trop de tentatives")
        return _error_page(request, title, error.message)
    except AuthenticationError as error:
        request.tm.doom()
        return back_to(request, _provider_page(request, provider), error.message, "error")
    if isinstance(outcome, auth.RegistrationRequired):
        request.session[PENDING_KEY] = auth.pending_registration(outcome.identity, platform.now())
        response = HTTPFound(request.resource_url(request.opalexe_root, "inscription"))
    else:
        response = _logged_in(request, outcome)
    remember_profile(request, response, provider)
    return response


def _error_page(request, title, message):
    from pyramid.renderers import render_to_response

    return render_to_response("opalexe_core:templates/error.pt", {"title": title, "message": message},
                              request=request, response=request.response)


def _provider_page(request, provider_id: str) -> str:
    provider = _offered(request).get(provider_id)
    if provider is not None:
        return request.route_url(provider.login_route)
    return request.resource_url(request.opalexe_root, "connexion")


def _logged_in(request, outcome: auth.LoggedIn) -> HTTPFound:
    """Close the browser's previous login, renew the session for the new one;
    then the terms of use to accept, if any, or the case the account was
    last invited to (else the dashboard), with the announcement of a terms
    version to come."""
    _account_id, previous = current_login(request)
    if previous and request.identity is not None:
        auth.close_login(request.opalexe_platform, request.opalexe_actor, previous, LoginEnd.REPLACED)
    identity = outcome.identity
    headers = remember(request, outcome.account.id, login_id=outcome.login_id)
    request.session[AUTH_KEY] = {"method": str(identity.auth_method), "provider": identity.provider,
                                 "fingerprint": identity.certificate_fingerprint}
    platform = request.opalexe_platform
    pending = terms.to_accept(platform, outcome.account)
    root = request.opalexe_root
    if pending is not None:
        request.session[TERMS_PENDING_KEY] = pending.version
        return HTTPFound(request.resource_url(root.terms), headers=headers)
    coming = terms.announced(platform, outcome.account)
    if coming is not None:
        request.session.flash(request.localizer.translate(
            _("De nouvelles conditions générales d'utilisation (version ${version}) entrent en vigueur le ${date} : "
              "consultez-les dans « Conditions générales ».",
              mapping={"version": coming.version, "date": coming.effective_on.strftime("%d/%m/%Y")})), "success")
    return HTTPFound(landing_url(request, outcome.account), headers=headers)


@view_config(context=Root, name="inscription", renderer="opalexe_core:templates/registration.pt",
             permission=PUBLIC)
def registration(context, request):
    """The registration form of a first connection, for the identity a
    provider has just verified (kept in the signed session for a while)."""
    platform = request.opalexe_platform
    identity = auth.identity_of_pending(request.session.get(PENDING_KEY), platform.now())
    if identity is None:
        request.session.pop(PENDING_KEY, None)
        return back_to(request, request.resource_url(context, "connexion"),
                       _("Connectez-vous d'abord : l'inscription suit la première connexion."), "error")
    current = terms.in_force(platform)
    schema = registration_schema(auth.registration_fields(platform, identity), current,
                                 request.resource_url(context.terms))
    form = make_form(lambda: schema, request, _("Valider"))
    page = {"identity": identity, "terms": current}
    if request.method != "POST":
        return {**page, "form": form.render({"first_name": identity.first_name, "last_name": identity.last_name,
                                             "email": identity.email or ""})}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return {**page, "form": failure.render()}
    answers = {key: sorted(value) if isinstance(value, set) else value
               for key, value in data.items() if key not in CORE_FIELDS}
    try:
        outcome = auth.register(platform, identity, first_name=data["first_name"], last_name=data["last_name"],
                                email=data["email"], answers=answers, client_address=request.client_addr,
                                accepted_terms=current.version if current is not None and data.get("cgu") else None)
    except UserError as error:
        refused(request, error)
        return {**page, "form": refusal(form, data, error)}
    request.session.pop(PENDING_KEY, None)
    return _logged_in(request, outcome)


@view_config(context=Root, name="deconnexion", request_method="POST", permission=PUBLIC)
def logout(context, request):
    _account_id, login_id = current_login(request)
    if login_id and request.identity is not None:
        auth.close_login(request.opalexe_platform, request.opalexe_actor, login_id, LoginEnd.LOGOUT)
    headers = forget(request)
    return HTTPFound(request.resource_url(request.opalexe_root), headers=headers)
