"""Mail leaves encrypted by default: against a real SMTP server (aiosmtpd) that requires STARTTLS,
with a certificate made for the test and trusted through SSL_CERT_FILE, as a clinic's mail
server's would be through the system's CAs."""

from __future__ import annotations

import datetime as dt
import ipaddress
import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.delivery.smtp import SmtpSender
from bot.settings import SmtpSettings
from testkit.servers import free_port


def certificate(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class TlsSink:
    """Keeps each message with whether its session was encrypted."""

    def __init__(self) -> None:
        self.received: list[tuple[bool, bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((session.ssl is not None, envelope.content))
        return "250 OK"


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TlsSink, int]]:
    cert, key = certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the sender trusts it, and nothing weaker
    sink, port = TlsSink(), free_port()
    controller = Controller(
        sink, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
    )
    controller.start()
    yield sink, port
    controller.stop()


def message(text: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "a@aluma.test", "b@aluma.test", "New question"
    mail.set_content(text)
    return mail


def test_the_default_settings_send_over_starttls_with_a_verified_certificate(
    tls_server: tuple[TlsSink, int],
) -> None:
    sink, port = tls_server
    assert SmtpSettings().starttls is True
    SmtpSender(SmtpSettings(host="127.0.0.1", port=port)).send(message("over TLS"))
    [(encrypted, content)] = sink.received
    assert encrypted and b"over TLS" in content


def test_without_starttls_a_server_that_requires_it_refuses_the_mail(
    tls_server: tuple[TlsSink, int],
) -> None:
    sink, port = tls_server
    with pytest.raises(smtplib.SMTPException, match=r"STARTTLS"):
        SmtpSender(SmtpSettings(host="127.0.0.1", port=port, starttls=False)).send(message("x"))
    assert sink.received == []


def test_a_certificate_nobody_trusts_is_refused(
    tls_server: tuple[TlsSink, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sink, port = tls_server
    (tmp_path / "other").mkdir()
    other, _ = certificate(tmp_path / "other")  # the same name, another key
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    with pytest.raises(ssl.SSLCertVerificationError):
        SmtpSender(SmtpSettings(host="127.0.0.1", port=port)).send(message("x"))
    assert sink.received == []
