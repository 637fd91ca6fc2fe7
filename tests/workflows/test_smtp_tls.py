"""E-mail over TLS, as an agency's mail server takes it: STARTTLS or TLS from the start, with a login.

A real SMTP server (aiosmtpd) carries a certificate of a test authority (trustme); the mailer is
built from the settings as the job worker builds it, trusting that authority through SMTP_CA_FILE.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
import trustme

from tests.smtp_sink import SmtpSink
from web.core.composition import build_mailer
from web.core.settings import Settings
from workflows.delivery.mailer import MailNotSent, SmtpMailer

LOGIN = ("vanthu", "mat-khau-thu")
# aiosmtpd counts only STARTTLS as encryption and warns of a login required without it; the "ssl"
# server speaks TLS from the first byte.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(authority: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "agency-ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return path


def _server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture(params=["starttls", "ssl"])
def server(request: pytest.FixtureRequest, authority: trustme.CA) -> Iterator[SmtpSink]:
    sink = SmtpSink(tls=request.param, certificate=_server_context(authority), login=LOGIN)
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


def _mailer(
    server: SmtpSink, ca_file: Path | None, *, tls: str | None = None, password: str | None = LOGIN[1]
) -> SmtpMailer:
    environment = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(server.port),
        "SMTP_TLS": tls or server.tls,
        "MAIL_FROM": "vanthu@so.example",
    }
    if password is not None:
        environment.update(SMTP_USER=LOGIN[0], SMTP_PASSWORD=password)
    if ca_file is not None:
        environment["SMTP_CA_FILE"] = str(ca_file)
    mailer = build_mailer(Settings.from_env(environment))
    assert mailer is not None
    return mailer


def _message() -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "Nhắc việc: Báo cáo kết quả thực hiện"
    message["From"] = "vanthu@so.example"
    message["To"] = "canbo@xa.example"
    message.set_content("Hạn báo cáo: 24/03/2023.")
    return message


def test_the_message_travels_encrypted_after_a_login(server: SmtpSink, ca_file: Path) -> None:
    refused = _mailer(server, ca_file).send(_message(), ["canbo@xa.example"])
    assert refused == {}
    [received] = server.messages()
    assert received.recipients == ("canbo@xa.example",)
    assert received.text.strip() == "Hạn báo cáo: 24/03/2023."


def test_a_server_whose_certificate_is_not_trusted_gets_nothing(server: SmtpSink) -> None:
    with pytest.raises(MailNotSent) as not_sent:
        _mailer(server, None).send(_message(), ["canbo@xa.example"])
    assert "CERTIFICATE_VERIFY_FAILED" in not_sent.value.reason
    assert server.messages() == []


def test_a_wrong_password_is_the_servers_refusal(server: SmtpSink, ca_file: Path) -> None:
    with pytest.raises(MailNotSent) as not_sent:
        _mailer(server, ca_file, password="sai").send(_message(), ["canbo@xa.example"])
    assert "535" in not_sent.value.reason
    assert server.messages() == []


def test_a_password_the_login_cannot_carry_is_named_not_a_crash(server: SmtpSink, ca_file: Path) -> None:
    # SMTP logins carry ASCII only (smtplib encodes them so): the delivery row fails with a reason.
    with pytest.raises(MailNotSent) as not_sent:
        _mailer(server, ca_file, password="mật-khẩu").send(_message(), ["canbo@xa.example"])
    assert "ASCII" in not_sent.value.reason
    assert server.messages() == []


def test_a_server_that_insists_on_starttls_refuses_plain_text(authority: trustme.CA, ca_file: Path) -> None:
    sink = SmtpSink(tls="starttls", certificate=_server_context(authority))
    sink.start()
    try:
        with pytest.raises(MailNotSent) as not_sent:
            _mailer(sink, ca_file, tls="none", password=None).send(_message(), ["canbo@xa.example"])
        assert "STARTTLS" in not_sent.value.reason
        assert sink.messages() == []
    finally:
        sink.stop()
