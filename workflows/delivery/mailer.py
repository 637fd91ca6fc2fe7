"""Sending e-mail: a small port (`Mailer`) and its real implementation over SMTP (smtplib)."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import Message
from typing import Final, Protocol

TLS_MODES: Final = ("none", "starttls", "ssl")
#: The port each TLS mode uses unless told otherwise.
DEFAULT_PORTS: Final = {"none": 25, "starttls": 587, "ssl": 465}


class MailNotSent(Exception):
    """The server could not be reached or did not take the message; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Mailer(Protocol):
    """Hands one message to the mail system; raises MailNotSent when it did not take it."""

    def send(self, message: Message, recipients: list[str]) -> dict[str, str]:
        """Send to `recipients`; the addresses the server refused (the others got it), with its answer."""
        ...


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to reach the SMTP server; the password comes from the environment only."""

    host: str
    port: int
    tls: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "directive-flow@localhost"
    timeout: float = 30.0
    # The certificate authorities the server's certificate is checked against: the system's, or
    # this file's (an agency's own mail server often carries a certificate of its own authority).
    ca_file: str | None = None

    def __post_init__(self) -> None:
        if self.tls not in TLS_MODES:
            raise ValueError(f"unknown SMTP TLS mode {self.tls!r}; expected one of {', '.join(TLS_MODES)}")


class SmtpMailer:
    """Sends each message in one SMTP session of its own (they are few; a session kept open would go stale)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: Message, recipients: list[str]) -> dict[str, str]:
        """One SMTP transaction for every recipient: the server takes the message once, or not at all."""
        s = self.settings
        try:
            if s.tls == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._tls())
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with client:
                if s.tls == "starttls":
                    client.starttls(context=self._tls())
                if s.user:
                    client.login(s.user, s.password or "")
                refused = client.send_message(message, from_addr=s.sender, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailNotSent(f"every recipient refused: {_answers(exc.recipients)}") from exc
        except UnicodeEncodeError as exc:
            # smtplib sends the login in ASCII only; say so rather than fail the whole delivery pass.
            raise MailNotSent(f"the SMTP user or password is not ASCII, which SMTP login cannot carry: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailNotSent(f"{type(exc).__name__}: {exc}") from exc
        return {address: _answer(answer) for address, answer in refused.items()}

    def _tls(self) -> ssl.SSLContext:
        # Certificates and host names are always checked: a mail server that cannot prove who it is
        # gets no password and no message.
        return ssl.create_default_context(cafile=self.settings.ca_file)


def _answer(answer: tuple[int, bytes]) -> str:
    code, text = answer
    return f"{code} {text.decode('utf-8', 'replace')}"


def _answers(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{address}: {_answer(answer)}" for address, answer in refused.items())
