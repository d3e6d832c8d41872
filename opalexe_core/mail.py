"""Mail through pyramid_mailer, with lines that end as SMTP says.

repoze.sendmail (under pyramid_mailer) hands smtplib the message as bytes
with bare line feeds, and smtplib sends bytes as they are: a server that
applies RFC 5321 (CRLF line endings, lines of at most 1000 octets) reads a
message of more than a few lines as one line too long and refuses it. The
platform's SMTP connections turn each bare LF into CRLF before sending.
"""

from __future__ import annotations

import re
import smtplib

from pyramid_mailer.interfaces import IMailer

_BARE_LF = re.compile(rb"(?<!\r)\n")


def crlf(message: bytes | str) -> bytes | str:
    if isinstance(message, bytes):
        return _BARE_LF.sub(b"\r\n", message)
    return message  # smtplib fixes the line endings of a str itself


class SMTP(smtplib.SMTP):
    def sendmail(self, from_addr, to_addrs, msg, mail_options=(), rcpt_options=()):
        return super().sendmail(from_addr, to_addrs, crlf(msg), mail_options, rcpt_options)


class SMTP_SSL(smtplib.SMTP_SSL):  # noqa: N801  smtplib's name
    def sendmail(self, from_addr, to_addrs, msg, mail_options=(), rcpt_options=()):
        return super().sendmail(from_addr, to_addrs, crlf(msg), mail_options, rcpt_options)


def crlf_mailer(mailer):
    """Make a pyramid_mailer mailer's SMTP connections send CRLF (shared by the
    copies ``get_mailer`` binds to a request); returns it. Other mailers
    (debug, testing) are returned unchanged."""
    smtp_mailer = getattr(mailer, "smtp_mailer", None)
    if smtp_mailer is None:
        return mailer
    if getattr(smtp_mailer, "smtp", None) is smtplib.SMTP:
        smtp_mailer.smtp = SMTP
    if getattr(smtp_mailer, "smtp_ssl", None) is smtplib.SMTP_SSL:
        smtp_mailer.smtp_ssl = SMTP_SSL
    return mailer


def includeme(config):
    """After ``config.include("pyramid_mailer")``: the registry's mailer sends CRLF."""
    crlf_mailer(config.registry.queryUtility(IMailer))
