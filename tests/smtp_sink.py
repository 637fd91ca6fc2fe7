"""A real SMTP server for tests (aiosmtpd), on a port of 127.0.0.1, keeping every message it accepts.

Start it on a free port, or leave the port closed to play a server that is down and start it later
on the same port. Each accepted message is kept with its envelope recipients, parsed. Like a real
submission server it can offer STARTTLS (and insist on it), speak TLS from the first byte, and ask
for a login.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.served import free_port


@dataclass(frozen=True)
class Received:
    """One message the server accepted: who it went to, and the message itself."""

    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def text(self) -> str:
        """The plain-text body."""
        body = self.message.get_body(("plain",))
        assert body is not None, "the e-mail has no text part"
        return str(body.get_content())


@dataclass
class SmtpSink:
    """An SMTP server that accepts everything and keeps it; started and stopped by the test."""

    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    #: Offered after EHLO and required before any mail ("starttls"), or spoken from the start ("ssl").
    tls: str = "none"
    certificate: ssl.SSLContext | None = None
    #: The only (user, password) accepted when set; a login is then required.
    login: tuple[str, str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        """Keep the message (aiosmtpd calls this for every message it accepts)."""
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append(Received(tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        """Listen on the port."""
        options: dict[str, Any] = {}
        if self.tls == "starttls":
            options.update(tls_context=self.certificate, require_starttls=True)
        elif self.tls == "ssl":
            # aiosmtpd only counts STARTTLS as encrypted; a connection in TLS from the start is too.
            options.update(ssl_context=self.certificate, auth_require_tls=False)
        if self.login is not None:
            options.update(authenticator=self._authenticate, auth_required=True)
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening (the port refuses connections again)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> AuthResult:
        given = (data.login.decode(), data.password.decode()) if isinstance(data, LoginPassword) else None
        return AuthResult(success=given == self.login, handled=False)

    def messages(self) -> list[Received]:
        """What arrived so far."""
        with self._lock:
            return list(self.received)

    def to(self, address: str) -> list[Received]:
        """The messages that went to `address`."""
        return [item for item in self.messages() if address in item.recipients]

    @property
    def environment(self) -> dict[str, str]:
        """The settings that point the application at this server (plain SMTP, no TLS, no login)."""
        return {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.port),
            "SMTP_TLS": "none",
            "MAIL_FROM": "vanthu@so.example",
        }


@contextmanager
def smtp_sink(*, started: bool = True) -> Iterator[SmtpSink]:
    """An SMTP sink on a free port, listening unless `started` is False; stopped at the end."""
    sink = SmtpSink()
    if started:
        sink.start()
    try:
        yield sink
    finally:
        sink.stop()
