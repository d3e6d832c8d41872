"""Who acts in a request, and the platform a request's services work on.

``request.opalexe_actor`` is the logged-in account (or an anonymous
visitor) with how it logged in and the client's address as the trusted
proxy reported it; ``request.opalexe_platform`` is what a service needs.
Views hand both to one service call.
"""

from __future__ import annotations

from .contract import AuthMethod
from .plugin_services import plugin_services
from .services.platform import Actor, Platform

#: Session key of how the current login was made (method, provider,
#: certificate fingerprint), written by the login view with the login.
AUTH_KEY = "opalexe.auth"


def request_actor(request) -> Actor:
    account = request.identity
    if account is None:
        return Actor.anonymous(request.client_addr)
    auth = request.session.get(AUTH_KEY) or {}
    try:
        method = AuthMethod(auth.get("method"))
    except ValueError:
        method = AuthMethod.ANONYMOUS  # a session from before logins recorded their method
    return Actor(account, method, request.client_addr, auth.get("fingerprint"))


def request_platform(request) -> Platform:
    registry = request.registry
    return Platform(
        request.opalexe_root,
        registry.opalexe_pm,
        registry.opalexe_authorizer,
        registry.opalexe,
        dispatcher=registry.opalexe_outbox,
        subscribers=registry.opalexe_subscribers,
        clock=registry.opalexe_clock,
        login_limiter=registry.opalexe_login_limiter,
        plugin_services=request.opalexe_plugin_services,
    )


def includeme(config):
    config.add_request_method(request_actor, "opalexe_actor", reify=True)
    config.add_request_method(request_platform, "opalexe_platform", reify=True)
    config.add_request_method(plugin_services, "opalexe_plugin_services", reify=True)
