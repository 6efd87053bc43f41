"""The e-mail channel against a real aiosmtpd server on 127.0.0.1: STARTTLS, login, the
[EXERCISE] subject and header; SMTP errors and a refused port are reported, not raised."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from flowdrill.estate.model import ChannelKind, NotificationChannel
from flowdrill.notify.delivery import deliver
from flowdrill.notify.email import EmailChannel
from tests.notify.servers import free_port, self_signed
from tests.notify.test_webhook import MESSAGE

aiosmtpd = pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

PASSWORD = "s3cret-smtp-pass"
MAIL = MESSAGE.__class__(**{**MESSAGE.__dict__, "email": "dev.anand@northwind.example"})


class Inbox:
    def __init__(self, refuse_rcpt: bool = False) -> None:
        self.messages: list[bytes] = []
        self.refuse_rcpt = refuse_rcpt
        self.logins: list[str] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse_rcpt:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 Message accepted"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    made = self_signed(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip("openssl is not available to make a test certificate")
    cert, key = made
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


def _smtp(inbox: Inbox, server_tls: ssl.SSLContext) -> Controller:
    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == PASSWORD.encode()
        if ok:
            inbox.logins.append(data.login.decode())
        return AuthResult(success=ok)

    return Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )


@pytest.fixture
def smtp(tls: tuple[ssl.SSLContext, ssl.SSLContext]) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = _smtp(inbox, tls[0])
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def config(port: int, **extra: Any) -> NotificationChannel:
    return NotificationChannel(
        id="email", kind=ChannelKind.email, host="127.0.0.1", port=port, starttls=True,
        username="drills", sender="drills@northwind.example", secret_name="smtp-password",
        **extra,
    )  # fmt: skip


def channel(port: int, client_tls: ssl.SSLContext, password: str = PASSWORD) -> EmailChannel:
    return EmailChannel(config(port), {"smtp-password": password}.get, 5.0, tls=client_tls)


def test_an_email_over_starttls_with_login(smtp: tuple[Inbox, int], tls: Any) -> None:
    inbox, port = smtp
    outcome = deliver(channel(port, tls[1]), MAIL, retries=0, backoff=0)
    assert outcome.ok, outcome.error
    assert inbox.logins == ["drills"]
    (raw,) = inbox.messages
    mail = message_from_bytes(raw)
    assert mail["Subject"].startswith("[EXERCISE] ")
    assert mail["X-Flowdrill-Exercise"] == "ex-1"
    assert mail["To"] == "dev.anand@northwind.example"
    body = mail.get_payload(decode=True).decode()
    assert "not a real incident" in body and MESSAGE.ack_url in body
    assert PASSWORD not in raw.decode()


def test_a_wrong_password_is_reported_without_it(smtp: tuple[Inbox, int], tls: Any) -> None:
    inbox, port = smtp
    wrong = EmailChannel(config(port), {"smtp-password": "wrong-pass"}.get, 0.5, tls=tls[1])
    outcome = deliver(wrong, MAIL, retries=0, backoff=0, secrets=["wrong-pass"])
    assert not outcome.ok and outcome.attempts == 1  # aiosmtpd stalls a failed login
    assert "wrong-pass" not in outcome.error and inbox.messages == []


def test_an_smtp_error_is_retried_then_reported(tls: Any) -> None:
    inbox = Inbox(refuse_rcpt=True)
    controller = _smtp(inbox, tls[0])
    controller.start()
    try:
        outcome = deliver(
            channel(controller.port, tls[1]), MAIL, retries=2, backoff=0, sleep=lambda _: None
        )
    finally:
        controller.stop()
    assert not outcome.ok and outcome.attempts == 3 and "SMTP" in outcome.error
    assert inbox.messages == []


def test_a_refused_smtp_port_is_reported(tls: Any) -> None:
    outcome = deliver(
        channel(free_port(), tls[1]), MAIL, retries=1, backoff=0, sleep=lambda _: None
    )
    assert not outcome.ok and outcome.attempts == 2 and "refused" in outcome.error.lower()


def test_no_address_is_not_retried(tls: Any) -> None:
    outcome = deliver(channel(free_port(), tls[1]), MESSAGE, retries=3, backoff=0)
    assert not outcome.ok and outcome.attempts == 1 and "no e-mail address" in outcome.error


def test_paths_are_not_needed(tmp_path: Path) -> None:
    assert config(25).port == 25  # plain settings only; the password is a named secret
