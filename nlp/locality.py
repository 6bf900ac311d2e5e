"""Old addresses (before the 2025 mergers of provinces and communes) to the current units."""

from __future__ import annotations

import logging
from dataclasses import dataclass

__all__ = ["CurrentAddress", "to_current"]


_log = logging.getLogger("doithoai.nlp.locality")


@dataclass(frozen=True)
class CurrentAddress:
    converted: str
    """The address in today's units, e.g. "Xã Long Hưng, Tỉnh Đồng Tháp"."""
    province: str
    ward: str
    """Today's commune / ward ("" when only the province could be mapped)."""
    exact: bool
    """False when only the province was found."""


def to_current(address: str) -> CurrentAddress | None:
    """Map an old address with underthesea's `convert_address`; None when nothing matched."""
    if not isinstance(address, str) or not address.strip() or len(address) > 500:
        return None
    try:
        from underthesea.address import ConversionStatus, convert_address

        result = convert_address(address)
    except Exception:  # noqa: BLE001 - a third-party matcher; an address it cannot read maps to nothing
        _log.warning("address conversion failed", exc_info=True)
        return None
    if result.status == ConversionStatus.NOT_FOUND or not result.converted:
        return None
    return CurrentAddress(
        converted=str(result.converted),
        province=str(result.new.province),
        ward=str(result.new.ward),
        exact=result.status == ConversionStatus.SUCCESS,
    )
