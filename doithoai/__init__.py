"""doithoai: citizens' questions to dialogue meetings, from chat to answer."""

__version__ = "0.1.0"
