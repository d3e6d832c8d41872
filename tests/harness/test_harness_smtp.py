"""The SMTP sink receives mail from smtplib and from pyramid_mailer."""

import smtplib
from email.message import EmailMessage

import pytest
from pyramid_mailer.mailer import Mailer
from pyramid_mailer.message import Message


def test_smtplib(mail_sink):
    message = EmailMessage()
    message["From"] = "greffe@tribunal.example"
    message["To"] = "expert@example.fr"
    message["Subject"] = "Désignation d'expert"
    message.set_content("Vous êtes désigné(e) en qualité d'expert.")
    with smtplib.SMTP(mail_sink.host, mail_sink.port, timeout=10) as smtp:
        smtp.send_message(message)

    [received] = mail_sink.wait_for(1)
    assert received["Subject"] == "Désignation d'expert"
    assert received["To"] == "expert@example.fr"
    assert "désigné(e) en qualité" in received.get_content()
    assert mail_sink.envelopes[0].rcpt_tos == ["expert@example.fr"]


def test_pyramid_mailer_send_immediately(mail_sink):
    mailer = Mailer(host=mail_sink.host, port=mail_sink.port)
    mailer.send_immediately(
        Message(
            subject="Convocation à la réunion d'expertise",
            sender="expert@example.fr",
            recipients=["avocat@example.fr", "partie@example.fr"],
            body="Réunion le 3 mars à 14 h.",
        )
    )

    [received] = mail_sink.wait_for(1)
    assert received["Subject"] == "Convocation à la réunion d'expertise"
    assert "avocat@example.fr" in received["To"]
    assert received.get_body(("plain",)).get_content().strip() == (
        "Réunion le 3 mars à 14 h."
    )
    assert sorted(mail_sink.envelopes[0].rcpt_tos) == [
        "avocat@example.fr",
        "partie@example.fr",
    ]


def test_wait_for_reports_what_arrived(mail_sink):
    with pytest.raises(AssertionError, match="received 0"):
        mail_sink.wait_for(1, timeout=0.2)
    mail_sink.clear()
    assert mail_sink.messages == []
