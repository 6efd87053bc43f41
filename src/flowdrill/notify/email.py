"""The e-mail channel: SMTP with STARTTLS and login, the subject and a header marking drills.

The password is a secret looked up when sending; host, port, login and sender are plain
settings of the channel in the estate.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from flowdrill.estate.model import NotificationChannel
from flowdrill.notify.channels import (
    DeliveryError,
    Message,
    SecretLookup,
    register,
    required_secret,
)


def email_message(message: Message, *, sender: str) -> EmailMessage:
    """The MIME message: ``[EXERCISE]`` subject, ``X-Flowdrill-Exercise`` header, plain text."""
    if not message.email:
        raise DeliveryError(f"{message.party} has no e-mail address", retryable=False)
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = sender
    mail["To"] = message.email
    for name, value in message.headers.items():
        mail[name] = value
    mail.set_content(message.body())
    return mail


class EmailChannel:
    kind = "email"

    def __init__(
        self,
        config: NotificationChannel,
        secrets: SecretLookup,
        timeout: float,
        *,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.config, self.secrets, self.timeout = config, secrets, timeout
        self.tls = tls  # tests pass a context trusting their own certificate

    def send(self, message: Message) -> None:
        config = self.config
        if not config.host or not config.sender:
            raise DeliveryError(f"channel {config.id} needs host and sender", retryable=False)
        password = required_secret(config, self.secrets) if config.username else None
        mail = email_message(message, sender=config.sender)
        try:
            with smtplib.SMTP(config.host, config.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if config.starttls:
                    smtp.starttls(context=self.tls or ssl.create_default_context())
                    smtp.ehlo()
                if config.username and password is not None:
                    smtp.login(config.username, password)
                smtp.send_message(mail)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP login refused ({exc.smtp_code})", retryable=False) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP error {exc.smtp_code}") from None
        except (smtplib.SMTPException, ssl.SSLError) as exc:
            raise DeliveryError(f"SMTP error: {type(exc).__name__}: {exc}") from None
        except TimeoutError:
            raise DeliveryError(f"timed out after {self.timeout:g} s") from None
        except OSError as exc:
            raise DeliveryError(f"connection failed: {exc.strerror or exc}") from None


@register("email")
def _email(config: NotificationChannel, secrets: SecretLookup, timeout: float) -> EmailChannel:
    return EmailChannel(config, secrets, timeout)
