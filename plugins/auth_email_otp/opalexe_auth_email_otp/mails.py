"""The e-mail login's mails: the invitation, the password, the code and the
password-reset link, from Chameleon text templates of this package
(``templates/mail/``), in French unless the visitor chose English.

The invitation and the password are sent by the event hook after the
invitation was committed (the outbox: at least once). The code and the
reset link are never stored in clear, so they cannot ride on the outbox:
they are sent by the request that made them, after its commit (never for a
refused or rolled-back one; a failing SMTP server is logged, and the person
asks again).
"""

from __future__ import annotations

import os
import textwrap

from chameleon import PageTemplateFile
from pyramid.i18n import TranslationString, make_localizer
from pyramid_mailer.message import Attachment, Message

from . import DOMAIN, _

_HERE = os.path.dirname(os.path.abspath(__file__))
LOCALE_DIR = os.path.join(_HERE, "locale")
TEMPLATES = os.path.join(_HERE, "templates", "mail")

SUBJECTS = {
    "invitation": _("Invitation à participer à une expertise sur ${platform}"),
    "password": _("Votre mot de passe sur ${platform}"),
    "code": _("Votre code de connexion à ${platform}"),
    "reset": _("Changer votre mot de passe sur ${platform}"),
}

_templates: dict[str, PageTemplateFile] = {}


def _localizer(locale: str):
    return make_localizer(locale, [LOCALE_DIR])


def render(kind: str, locale: str = "fr", **values) -> tuple[str, str]:
    """The subject and the plain-text body of the mail ``kind`` (``invitation``…)."""
    localizer = _localizer(locale)

    def translate(msgid, domain=None, mapping=None, context=None, target_language=None, default=None):
        if not isinstance(msgid, TranslationString):
            msgid = TranslationString(msgid, domain=domain or DOMAIN, default=default, mapping=mapping)
        return localizer.translate(msgid)

    template = _templates.get(kind)
    if template is None:
        template = _templates[kind] = PageTemplateFile(os.path.join(TEMPLATES, f"{kind}.pt"))
    body = template(translate=translate, **values)
    subject = localizer.translate(_(SUBJECTS[kind], mapping={"platform": values.get("platform", "Opalexe")}))
    return subject, _wrapped(body)


def _wrapped(text: str, width: int = 76) -> str:
    """Paragraphs wrapped at ``width``; indented lines (a link, a code, a
    password) kept whole, so that they can be copied."""
    lines = []
    for line in text.strip().splitlines():
        line = line.rstrip()
        if not line or line.startswith(" "):
            lines.append(line)
        else:
            lines.extend(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False))
    return "\n".join(lines) + "\n"


def message(kind: str, recipient: str, locale: str = "fr", **values) -> Message:
    subject, body = render(kind, locale, **values)
    # quoted-printable: 8-bit French text in lines SMTP accepts whatever their length
    return Message(subject=subject, recipients=[recipient],
                   body=Attachment(data=body, content_type="text/plain; charset=utf-8",
                                   disposition="inline", transfer_encoding="quoted-printable"))
