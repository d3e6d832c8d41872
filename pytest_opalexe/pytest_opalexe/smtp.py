"""An SMTP server that keeps every message it receives, for tests.

    with MailSink() as sink:
        mailer = Mailer(host=sink.host, port=sink.port)
        ...
        [message] = sink.wait_for(1)
        assert message["Subject"] == "..."

Messages are ``email.message.EmailMessage`` objects parsed with
``email.policy.default``; the SMTP envelope of each one is kept in
``sink.envelopes``.
"""

import email
import email.policy
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Self

from aiosmtpd.controller import Controller

from .ports import LOOPBACK


@dataclass(frozen=True)
class Envelope:
    """What the SMTP client declared, as opposed to the message headers."""

    mail_from: str
    rcpt_tos: list[str] = field(default_factory=list)
    message: EmailMessage | None = None


class _CollectingHandler:
    """aiosmtpd handler: parse each DATA payload and hand it to the sink."""

    def __init__(self, sink: "MailSink"):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        self.sink._add(Envelope(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class _PortZeroController(Controller):
    """A ``Controller`` that may bind port 0.

    aiosmtpd 1.4 connects to ``self.port`` right after binding, to check the
    server answers; with port 0 that connection fails. Read the port the OS
    actually assigned before that check.
    """

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class MailSink:
    """A local SMTP server on 127.0.0.1 and an OS-chosen port."""

    def __init__(self, host: str = LOOPBACK):
        self.host = host
        self.port: int | None = None
        self._envelopes: list[Envelope] = []
        self._condition = threading.Condition()
        self._controller: Controller | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> Self:
        if self._controller is None:
            controller = _PortZeroController(
                _CollectingHandler(self), hostname=self.host, port=0
            )
            controller.start()
            self._controller = controller
            self.port = controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
            self.port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- received mail -----------------------------------------------------

    @property
    def envelopes(self) -> list[Envelope]:
        with self._condition:
            return list(self._envelopes)

    @property
    def messages(self) -> list[EmailMessage]:
        """A snapshot of the messages received so far, oldest first."""
        return [envelope.message for envelope in self.envelopes]

    def clear(self) -> None:
        with self._condition:
            self._envelopes.clear()

    def wait_for(self, count: int = 1, timeout: float = 10) -> list[EmailMessage]:
        """Wait until at least ``count`` messages arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while len(self._envelopes) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_report(count, timeout))
                self._condition.wait(remaining)
            return [envelope.message for envelope in self._envelopes]

    def _add(self, envelope: Envelope) -> None:
        with self._condition:
            self._envelopes.append(envelope)
            self._condition.notify_all()

    def _timeout_report(self, count: int, timeout: float) -> str:
        received = len(self._envelopes)
        lines = [
            (
                f"expected at least {count} mail(s) on smtp://{self.host}:{self.port}"
                f" within {timeout}s, received {received}"
            )
        ]
        for envelope in self._envelopes:
            lines.append(
                f"  - to {', '.join(envelope.rcpt_tos)}: "
                f"{envelope.message['Subject']!r}"
            )
        return "\n".join(lines)
