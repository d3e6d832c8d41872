"""Opalexe plugin: the demo login, for development only.

Any account of the platform can be logged into from a list, without a card
or a code: useful to try the platform and to drive it in tests, unthinkable
in production. The provider is marked ``development_only``, so the platform
refuses to start in production while this distribution is installed.

It is also the worked example of an authentication provider: it uses only
the public hooks and :mod:`opalexe_core.api`.

1. ``opalexe_auth_providers_collect``: offer the profile « Compte de
   démonstration » on the login page, leading to this plugin's page.
2. ``opalexe_config_include``: the page, at ``/connexion/demo``, lists the
   accounts; each button posts ``email`` to the core's login address
   (``api.login_url``), with the session's CSRF token.
3. ``opalexe_credentials_get``: the core hands the posted attempt; read the
   e-mail address from it.
4. ``opalexe_identity_get``: vouch for that address (a real provider
   checks a certificate, a password, a code…).

The core then finds the account holding the address, opens the login and
renews the session; an address no account holds leads to the registration
form, as a first connection does.
"""

from __future__ import annotations

import re

from pyramid.i18n import TranslationStringFactory

from opalexe_core import api
from opalexe_core.api import AuthenticationError, AuthMethod, AuthProvider, Credentials, Identity, hookimpl

PROVIDER_ID = "demo"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
ROUTE = "login_demo"
DOMAIN = "opalexe_auth_demo"
_ = TranslationStringFactory(DOMAIN)


@hookimpl
def opalexe_auth_providers_collect(settings):
    return [
        AuthProvider(
            id=PROVIDER_ID,
            label=_("Compte de démonstration (développement)"),
            journey="form",
            login_route=ROUTE,
            description=_("Se connecter sans carte en tant que l'un des comptes de démonstration."),
            order=1000,
            development_only=True,
        )
    ]


@hookimpl
def opalexe_config_include(config, settings):
    config.add_route(ROUTE, "/connexion/demo")
    config.add_view(demo_page, route_name=ROUTE, request_method="GET", permission=api.PUBLIC,
                    renderer="opalexe_auth_demo:templates/login_demo.pt")
    config.add_translation_dirs("opalexe_auth_demo:locale/")


def demo_page(request):
    return {
        "accounts": [account for account in api.account_directory(request) if account.active],
        "login_url": api.login_url(request, PROVIDER_ID),
        "csrf_token": api.csrf_token(request),
        "label": api.label,
    }


@hookimpl
def opalexe_credentials_get(attempt):
    if attempt.provider != PROVIDER_ID:
        return None
    return Credentials(provider=PROVIDER_ID, values={"email": attempt.params.get("email", "")})


@hookimpl
def opalexe_identity_get(credentials):
    if credentials.provider != PROVIDER_ID:
        return None
    email = credentials.values.get("email", "").strip().lower()
    if not EMAIL.fullmatch(email):
        raise AuthenticationError(
            _("Adresse électronique manquante ou invalide : choisissez l'un des comptes ci-dessous.")
        )
    # Vouching for a verified address: the core logs in the account holding
    # it, or leads an address no account holds to the registration form.
    return Identity(provider=PROVIDER_ID, subject=email, auth_method=AuthMethod.DEMO, email=email,
                    email_verified=True)
