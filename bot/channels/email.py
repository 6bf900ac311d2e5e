"""E-mail over SMTP as one more outbox channel: notices to agency officers and organisers.

DOITHOAI_SMTP_URL: `smtp://host:25` (plain), `smtp+starttls://user:pass@host:587` (STARTTLS),
`smtps://user:pass@host:465` (TLS from the first byte). The outbox text's first line is the subject;
a notice about a question ends with the link to its page on the console (DOITHOAI_PUBLIC_URL).
"""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from bot.delivery import SendError
from bot.messages import Outgoing

CHANNEL = "email"
SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class SmtpUrlError(ValueError):
    """DOITHOAI_SMTP_URL cannot be used; the message never contains the password."""


@dataclass(frozen=True)
class SmtpConfig:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str, timeout: float = 30.0) -> SmtpConfig:
        parts = urlsplit(url.strip())
        if parts.scheme not in SCHEMES:
            raise SmtpUrlError("DOITHOAI_SMTP_URL cần bắt đầu bằng smtp://, smtp+starttls:// hoặc smtps://.")
        if not parts.hostname:
            raise SmtpUrlError("DOITHOAI_SMTP_URL thiếu tên máy chủ.")
        try:
            port = parts.port or SCHEMES[parts.scheme]
        except ValueError as exc:
            raise SmtpUrlError("DOITHOAI_SMTP_URL có cổng không hợp lệ.") from exc
        return cls(parts.scheme, parts.hostname, port, unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None, timeout)

    def __repr__(self) -> str:  # never print the password
        return f"SmtpConfig({self.scheme}://{self.host}:{self.port}, user={self.username!r})"


def message_id(chat_id: str, text: str, domain: str) -> str:
    """The same message to the same address on the same day has the same Message-ID: should a send be
    repeated after a crash between sending and recording it, mail programs show it once."""
    day = datetime.now(LOCAL_TZ).date().isoformat()
    digest = hashlib.sha256(f"{chat_id.lower()}\n{day}\n{text}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def build_message(sender: str, to: str, text: str, link: str | None = None) -> EmailMessage:
    """The e-mail of an outbox text; `link` (the question's console page) closes the body."""
    subject, _, body = text.partition("\n\n")
    name, address = parseaddr(sender)
    msg = EmailMessage()
    msg["From"] = formataddr((name, address)) if name else address
    msg["To"] = to
    msg["Subject"] = subject.strip() or "doithoai"
    msg["Date"] = format_datetime(datetime.now(LOCAL_TZ))
    msg["Message-ID"] = message_id(to, text, address.rpartition("@")[2] or "doithoai.local")
    msg["Auto-Submitted"] = "auto-generated"
    content = body.strip() or subject.strip()
    if link:
        content += f"\n\nMở câu hỏi trên trang quản trị: {link}"
    msg.set_content(content, charset="utf-8")
    return msg


class EmailSender:
    """Sends outbox rows of the e-mail channel; SMTP errors become SendError (5xx: no retry)."""

    channel = CHANNEL

    def __init__(self, config: SmtpConfig, mail_from: str, rate_per_second: float = 5.0, *,
                 console_url: str | None = None) -> None:
        self.config = config
        self.mail_from = mail_from
        self.console_url = console_url.rstrip("/") if console_url else None
        self.rate_per_second = rate_per_second
        self.rate_per_chat = 0.0

    async def send(self, chat_id: str, out: Outgoing) -> None:
        link = f"{self.console_url}{out.console_path}" if self.console_url and out.console_path else None
        message = build_message(self.mail_from, chat_id, out.text, link)
        await asyncio.to_thread(self._send_sync, message)

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        if cfg.scheme == "smtps":
            return smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=ssl.create_default_context())
        client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        if cfg.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
        return client

    def _send_sync(self, message: EmailMessage) -> None:
        try:
            with self._connect() as client:
                if self.config.username:
                    client.login(self.config.username, self.config.password or "")
                client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendError(f"Máy chủ thư từ chối địa chỉ nhận: {_codes(exc)}", permanent=True) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise SendError(f"Đăng nhập máy chủ thư thất bại ({exc.smtp_code}); kiểm tra DOITHOAI_SMTP_URL.") from exc
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise SendError(f"Máy chủ thư trả lời {exc.smtp_code}: {_text(exc.smtp_error)}",
                            permanent=permanent) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"Không gửi được thư: {type(exc).__name__}: {exc}") from exc


def _text(raw: bytes | str) -> str:
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)[:300]


def _codes(exc: smtplib.SMTPRecipientsRefused) -> str:
    return "; ".join(f"{code} {_text(msg)}" for code, msg in exc.recipients.values())
