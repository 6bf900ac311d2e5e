"""One signing key for console sessions and web chat cookies."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from doithoai.config import Settings


def test_configured_key_wins(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, secret_key=SecretStr("k" * 40), upload_dir=tmp_path / "uploads")  # type: ignore[call-arg]
    assert settings.signing_key() == "k" * 40
    assert not (tmp_path / "secret_key").exists()


def test_generated_key_is_kept_private_and_reused(tmp_path: Path) -> None:
    first = Settings(_env_file=None, upload_dir=tmp_path / "uploads").signing_key()  # type: ignore[call-arg]
    again = Settings(_env_file=None, upload_dir=tmp_path / "uploads").signing_key()  # type: ignore[call-arg]
    stored = tmp_path / "secret_key"
    assert first == again == stored.read_text(encoding="utf-8") and len(first) >= 48
    assert stored.stat().st_mode & 0o777 == 0o600
