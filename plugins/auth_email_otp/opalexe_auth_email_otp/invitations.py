"""The invitation's two mails, sent by the event hook after the invitation
was committed.

The hook is called at least once per event (the outbox calls it again after
a failure or a crash), so each step is recorded in the storage area, keyed
by the event's id, before the next: the invitation mail goes out once; the
password is generated, its hash stored with « password pending », then
mailed, then recorded as sent. A crash between the mail and its record
sends that mail again; for the password, a new one replaces the first, so
the last password mail received is the one that works.
"""

from __future__ import annotations

from opalexe_core.api import Role, label

from . import EMAIL_PROFILES, PLUGIN, state
from .mails import message


class MailUnavailable(RuntimeError):
    """No mailer: the outbox calls the hook again later."""


def password_needed(event) -> bool:
    return event.account_created or event.profile in EMAIL_PROFILES


def mail_invitation(event, services) -> None:
    if services is None or services.mailer is None:
        raise MailUnavailable("no mailer to send the invitation: it will be retried")
    moment = state.now()
    def progress(area):
        current = state.invitation_state(area, event.id)
        sends_password = current.get("password_pending") or (
            not current.get("done") and password_needed(event) and not state.has_password(area, event.account_id))
        return current, sends_password

    done, sends_password = services.change(PLUGIN, progress)
    platform = services.platform_name
    link = services.url("connexion", "courriel")
    name = f"{event.first_name} {event.last_name.upper()}".strip()
    if not done.get("invitation_sent"):
        role = label(Role(event.role)).interpolate() if event.role else ""  # the French label
        services.mailer.send_immediately(message(
            "invitation", event.email, name=name, inviter=event.invited_by or platform, platform=platform,
            expertise=event.expertise_name, role=role, party=event.party_name, link=link,
            password_follows=bool(sends_password),
        ))
        services.change(PLUGIN, lambda area: state.set_invitation_state(area, event.id, moment,
                                                                       invitation_sent=True))

    def make_password(area):
        current = state.invitation_state(area, event.id)
        if current.get("password_sent"):
            return None
        if not current.get("password_pending") and (not password_needed(event)
                                                   or state.has_password(area, event.account_id)):
            state.set_invitation_state(area, event.id, moment, password_sent=False, done=True)
            return None
        password = state.generate_password()
        state.set_password(area, event.account_id, password)
        state.set_invitation_state(area, event.id, moment, password_pending=True)
        return password

    password = services.change(PLUGIN, make_password)
    if password is None:
        return
    services.mailer.send_immediately(message("password", event.email, name=name, email=event.email,
                                             password=password, platform=platform, link=link))
    services.change(PLUGIN, lambda area: state.set_invitation_state(area, event.id, moment, password_sent=True,
                                                                   password_pending=False, done=True))

