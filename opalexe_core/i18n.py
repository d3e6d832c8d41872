"""Translation: French is the source language, English a catalog.

Message ids are the French texts themselves, so a missing translation still
shows French; ``locale/en`` translates them to English.

A page is in one of :data:`LOCALES` only: the visitor asks for another one
with ``_LOCALE_`` (a query parameter or a cookie), and anything else reads as
French. The browser's ``Accept-Language`` is not consulted: the proceedings
are French, and English is a choice the visitor makes, not one a browser
makes for them.
"""

from pyramid.i18n import TranslationStringFactory, default_locale_negotiator

DOMAIN = "opalexe"
_ = TranslationStringFactory(DOMAIN)

#: The languages a page can be in; the first one is the default.
LOCALES = ("fr", "en")
DEFAULT_LOCALE = LOCALES[0]


def supported_locale(name) -> str | None:
    """``name`` as one of :data:`LOCALES` (``en-GB``, ``en_GB`` and ``EN``
    read as ``en``), or ``None``."""
    if not isinstance(name, str):
        return None
    language = name.strip().replace("_", "-").split("-", 1)[0].lower()
    return language if language in LOCALES else None


def negotiate_locale(request) -> str:
    """The page's language: the ``_LOCALE_`` Pyramid's default negotiator
    finds (request attribute, query parameter, cookie) if it is supported,
    else the ``pyramid.default_locale_name`` setting if supported, else French."""
    try:
        asked = default_locale_negotiator(request)
    except UnicodeDecodeError:  # an undecodable query string: its error page is French
        asked = None
    return (
        supported_locale(asked)
        or supported_locale(request.registry.settings.get("default_locale_name"))
        or DEFAULT_LOCALE
    )


def includeme(config):
    config.set_locale_negotiator(negotiate_locale)
