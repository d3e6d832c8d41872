"""The e-mail login's pages, under ``/connexion/courriel``.

* ``/connexion/courriel``: « Adresse électronique » and « Mot de passe »;
  once they are right, the same address shows « Code temporaire » (the
  code form posts to the core's login address, ``api.login_url``), with
  « Renvoyer le code » and « Retour ».
* ``/connexion/courriel/mot-de-passe-oublie``: a reset link by e-mail.
* ``/connexion/courriel/nouveau-mot-de-passe?jeton=…``: the new password.
"""

from __future__ import annotations

import colander
import deform
from pyramid.httpexceptions import HTTPFound

from opalexe_core import api

from . import CHALLENGE_KEY, PLUGIN, PROVIDER_ID, _, state
from .login import LOGIN_LOST, LoginRefused, check_password, send_message
from .mails import message

TEMPLATES = "opalexe_auth_email_otp:templates/"


@colander.deferred
def _csrf(node, kw):
    return api.csrf_token(kw["request"])


class _Form(colander.MappingSchema):
    """Every form of these pages carries the session's CSRF token."""

    csrf_token = colander.SchemaNode(colander.String(), widget=deform.widget.HiddenWidget(), default=_csrf)


def _squash(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _email_node():
    return colander.SchemaNode(colander.String(), name="email", title=_("Adresse électronique"), preparer=_squash,
                               validator=colander.Email(msg=_("Adresse électronique invalide.")),
                               widget=deform.widget.TextInputWidget(attributes={"autocomplete": "email"}))


class LoginSchema(_Form):
    email = _email_node()
    password = colander.SchemaNode(colander.String(), title=_("Mot de passe"),
                                   widget=deform.widget.PasswordWidget(attributes={"autocomplete": "current-password"}))


class CodeSchema(_Form):
    challenge = colander.SchemaNode(colander.String(), widget=deform.widget.HiddenWidget())
    code = colander.SchemaNode(colander.String(), title=_("Code temporaire"), widget=deform.widget.TextInputWidget(
        attributes={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6",
                    "pattern": "[0-9]{6}"}))


class ForgotSchema(_Form):
    email = _email_node()


class ResetSchema(_Form):
    token = colander.SchemaNode(colander.String(), widget=deform.widget.HiddenWidget(), name="jeton")
    password = colander.SchemaNode(
        colander.String(), title=_("Nouveau mot de passe"),
        validator=colander.Length(min=state.MIN_PASSWORD_LENGTH, max=200,
                                  min_err=_("${min} caractères au moins."), max_err=_("${max} caractères au plus.")),
        widget=deform.widget.CheckedPasswordWidget(redisplay=False),
    )


def _form(schema, request, button, **kw) -> deform.Form:
    return deform.Form(schema().bind(request=request), buttons=(deform.Button("submit", button),),
                       formid="form", focus="off", **kw)


def _page(request, template, **values):
    from pyramid.renderers import render_to_response

    return render_to_response(TEMPLATES + template, values, request=request)


def _flash(request, text, queue="error"):
    request.session.flash(request.localizer.translate(text), queue)


def _login_url(request) -> str:
    return request.route_url("email_login")


# -- e-mail and password, then the code ---------------------------------------------------


def login_page(request):
    area = api.plugin_services(request).peek(PLUGIN)  # a page that reads: no write, even the first time
    challenge_id = request.session.get(CHALLENGE_KEY)
    record = state.live_challenge(area, challenge_id, state.now()) if area is not None else None
    if record is not None:
        return _code_page(request, challenge_id, record)
    request.session.pop(CHALLENGE_KEY, None)
    form = _form(LoginSchema, request, _("Continuer"))
    return _page(request, "login.pt", form=form.render(), forgot_url=request.route_url("email_forgot"),
                 back_url=request.resource_url(request.opalexe_root, "connexion"))


def _code_page(request, challenge_id, record, status=200):
    form = _form(CodeSchema, request, _("Continuer"), action=api.login_url(request, PROVIDER_ID))
    response = _page(request, "code.pt", form=form.render({"challenge": challenge_id}), email=record["email"],
                     minutes=int(state.CODE_VALIDITY.total_seconds() // 60),
                     resend_url=request.route_url("email_resend"), cancel_url=request.route_url("email_cancel"),
                     csrf_token=api.csrf_token(request))
    response.status = status
    return response


def login_submit(request):
    services = api.plugin_services(request)
    form = _form(LoginSchema, request, _("Continuer"))
    page = {"forgot_url": request.route_url("email_forgot"),
            "back_url": request.resource_url(request.opalexe_root, "connexion")}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        response = _page(request, "login.pt", form=failure.render(), **page)
        response.status = 400
        return response
    try:
        account, challenge_id, code = check_password(services, data["email"], data["password"],
                                                     request.client_addr)
    except LoginRefused as refused:
        request.tm.doom()
        form = _form(LoginSchema, request, _("Continuer"))
        response = _page(request, "login.pt", form=form.render({"email": data["email"]}),
                         error=refused.message, **page)
        response.status = 400
        return response
    services.send_after_commit(message("code", account.email, request.locale_name, code=code,
                                 minutes=int(state.CODE_VALIDITY.total_seconds() // 60),
                                 platform=services.platform_name))
    request.session[CHALLENGE_KEY] = challenge_id
    return HTTPFound(_login_url(request))


def resend(request):
    services = api.plugin_services(request)
    area = services.area(PLUGIN)
    challenge_id = request.session.get(CHALLENGE_KEY)
    try:
        code = state.resend_code(area, challenge_id, state.now())
    except state.SendRefused as refused:
        request.tm.doom()
        if refused.reason in ("challenge", "gone"):
            request.session.pop(CHALLENGE_KEY, None)
        _flash(request, send_message(refused))
        return HTTPFound(_login_url(request))
    record = area.tree("challenges")[challenge_id]
    services.send_after_commit(message("code", record["email"], request.locale_name, code=code,
                                 minutes=int(state.CODE_VALIDITY.total_seconds() // 60),
                                 platform=services.platform_name))
    _flash(request, _("Un nouveau code vient de vous être envoyé ; il est valable 10 minutes et remplace le "
                      "précédent."), "success")
    return HTTPFound(_login_url(request))


def cancel(request):
    request.session.pop(CHALLENGE_KEY, None)
    return HTTPFound(_login_url(request))


# -- « Mot de passe oublié ? » ----------------------------------------------------------------


def forgot_page(request):
    form = _form(ForgotSchema, request, _("Recevoir le lien"))
    if request.method != "POST":
        return _page(request, "forgot.pt", form=form.render(), login_url=_login_url(request))
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        response = _page(request, "forgot.pt", form=failure.render(), login_url=_login_url(request))
        response.status = 400
        return response
    services = api.plugin_services(request)
    known = services.peek(PLUGIN)
    account = services.find_account(data["email"])
    # The same answer whether the address is known or not: the page tells
    # nobody which addresses have an account.
    if account is not None and account.active and known is not None and state.has_password(known, account.id):
        token = state.open_reset(services.area(PLUGIN), account.id, state.now())
        if token is not None:
            link = request.route_url("email_reset", _query={"jeton": token})
            services.send_after_commit(message("reset", account.email, request.locale_name, name=account.display_name,
                                         link=link, platform=services.platform_name))
    _flash(request, _("Si un compte correspond à cette adresse, un lien pour choisir un nouveau mot de passe "
                      "vient de lui être envoyé ; il est valable une heure."), "success")
    return HTTPFound(_login_url(request))


def reset_page(request):
    services = api.plugin_services(request)
    known = services.peek(PLUGIN)
    # the link's token on the page; the form's once posted (never a mix of both)
    token = (request.POST if request.method == "POST" else request.GET).get("jeton", "")
    form = _form(ResetSchema, request, _("Changer le mot de passe"))
    if known is None or state.valid_reset(known, token, state.now()) is None:
        request.tm.doom()
        response = _page(request, "reset.pt", form=None, forgot_url=request.route_url("email_forgot"),
                         error=_("Ce lien n'est plus valable : il a déjà servi ou a expiré. Demandez-en un nouveau."))
        response.status = 400
        return response
    if request.method != "POST":
        return _page(request, "reset.pt", form=form.render({"jeton": token}),
                     forgot_url=request.route_url("email_forgot"))
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        response = _page(request, "reset.pt", form=failure.render(), forgot_url=request.route_url("email_forgot"))
        response.status = 400
        return response
    state.use_reset(services.area(PLUGIN), token, data["password"], state.now())
    request.session.pop(CHALLENGE_KEY, None)
    _flash(request, _("Votre mot de passe est changé : connectez-vous avec lui."), "success")
    return HTTPFound(_login_url(request))


def include(config):
    config.add_route("email_login", "/connexion/courriel")
    config.add_route("email_resend", "/connexion/courriel/renvoyer")
    config.add_route("email_cancel", "/connexion/courriel/annuler")
    config.add_route("email_forgot", "/connexion/courriel/mot-de-passe-oublie")
    config.add_route("email_reset", "/connexion/courriel/nouveau-mot-de-passe")
    config.add_view(login_page, route_name="email_login", request_method="GET", permission=api.PUBLIC)
    config.add_view(login_submit, route_name="email_login", request_method="POST", permission=api.PUBLIC)
    config.add_view(resend, route_name="email_resend", request_method="POST", permission=api.PUBLIC)
    config.add_view(cancel, route_name="email_cancel", request_method="POST", permission=api.PUBLIC)
    config.add_view(forgot_page, route_name="email_forgot", request_method=("GET", "POST"), permission=api.PUBLIC)
    config.add_view(reset_page, route_name="email_reset", request_method=("GET", "POST"), permission=api.PUBLIC)


__all__ = ["LOGIN_LOST", "include"]
