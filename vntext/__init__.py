"""Vietnamese text shown to people, shared by the console, the bots and storage's notices.

A leaf package: it imports nothing from the project. Numbers and dates in Vietnamese style
(`176.386`, `99,94%`, `24/11/2026`) and the notices sent to citizens.
"""

from vntext.numbers import LOCAL_TZ, local, ratio, vn_date, vn_datetime, vn_int, vn_pct, vn_rate

__all__ = ["LOCAL_TZ", "local", "ratio", "vn_date", "vn_datetime", "vn_int", "vn_pct", "vn_rate"]
