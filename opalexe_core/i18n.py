"""Translation: French is the source language, English a catalog.

Message ids are the French texts themselves, so a missing translation still
shows French; ``locale/en`` translates them to English.
"""

from pyramid.i18n import TranslationStringFactory

DOMAIN = "opalexe"
_ = TranslationStringFactory(DOMAIN)

LOCALES = ("fr", "en")
