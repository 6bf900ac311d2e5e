"""What the bot asks in each state, and how a button press or a typed number picks an option."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from bot import texts
from bot.flow import states
from bot.flow.turn import Turn
from bot.messages import BUTTON, COMMAND, TEXT, Button, Outgoing
from nlp.fields import Field, load_fields
from storage import queries
from storage.models import Meeting

PAGE_SIZE = 5
OTHER_FIELD = "khac"


@lru_cache(maxsize=8)
def fields_for(path: Path | None) -> tuple[Field, ...]:
    return tuple(load_fields(path))


def field_label(turn: Turn, code: str) -> str:
    for f in fields_for(turn.settings.fields_path):
        if f.code == code:
            return f.label
    return code


def rows(buttons: Sequence[Button], per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row))


def pick(turn: Turn, options: Sequence[Button]) -> str | None:
    """The data of the option chosen by a button, a typed number (Zalo) or the typed label."""
    inc = turn.incoming
    if inc.kind == BUTTON:
        return inc.data if any(o.data == inc.data for o in options) else None
    if inc.kind != TEXT:
        return None
    typed = inc.text.strip().rstrip(".").strip()
    if typed.isdigit() and 1 <= int(typed) <= len(options):
        return options[int(typed) - 1].data
    lowered = typed.casefold()
    for option in options:
        if option.label.casefold() == lowered:
            return option.data
    return None


def wants_skip(turn: Turn) -> bool:
    inc = turn.incoming
    if inc.kind == BUTTON:
        return inc.data == "skip"
    if inc.kind == COMMAND:
        return inc.command in ("bo_qua", "boqua", "skip")
    return inc.kind == TEXT and inc.text.strip().casefold() in ("bỏ qua", "bo qua", "1")


def open_meetings(turn: Turn) -> Sequence[Meeting]:
    return queries.list_open_meetings(turn.session)


def meeting_options(turn: Turn) -> list[Button]:
    meetings = open_meetings(turn)
    pages = max(1, (len(meetings) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(0, int(turn.data.get("page", 0))), pages - 1)
    shown = meetings[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    options = [Button(texts.meeting_label(m.title, m.unit.name, m.starts_at, m.target_group), f"meeting:{m.code}")
               for m in shown]
    if page > 0:
        options.append(Button(texts.PREV_PAGE, f"page:{page - 1}"))
    if page < pages - 1:
        options.append(Button(texts.NEXT_PAGE, f"page:{page + 1}"))
    return options


def field_options(turn: Turn, full: bool) -> list[Button]:
    every = fields_for(turn.settings.fields_path)
    if full:
        return [Button(f.label, f"field:{f.code}") for f in every]
    analysis = turn.data.get("analysis") or {}
    detected = analysis.get("field")
    known = {f.code for f in every}
    options = [Button(texts.FIELD_CORRECT, f"field:{detected}")]
    for code, _score in analysis.get("alternatives", [])[1:3]:
        if code in known and code not in (detected, OTHER_FIELD):
            options.append(Button(field_label(turn, code), f"field:{code}"))
    options.append(Button(texts.FIELD_OTHER, "field:*"))
    return options


def consent_options() -> list[Button]:
    return [Button(texts.CONSENT_YES, "consent:yes"), Button(texts.CONSENT_NO, "consent:no")]


def prompt(turn: Turn, state: str) -> Outgoing:
    """The message that asks for what `state` waits for."""
    if state == states.AWAITING_CONSENT:
        return Outgoing(texts.WELCOME, rows(consent_options(), 2))
    if state == states.CHOOSING_MEETING:
        options = meeting_options(turn)
        if not options:
            return Outgoing(texts.NO_MEETINGS)
        return Outgoing(texts.CHOOSE_MEETING, rows(options))
    skip = (Button(texts.SKIP, "skip"),)
    if state == states.ASKING_NAME:
        return Outgoing(texts.ASK_NAME, (skip,))
    if state == states.ASKING_LOCALITY:
        return Outgoing(texts.ASK_LOCALITY, (skip,))
    if state == states.ASKING_PHONE:
        return Outgoing(texts.ASK_PHONE, (skip,))
    if state == states.ASKING_QUESTION:
        if turn.data.get("draft"):
            return draft_noted(turn)
        return Outgoing(texts.ASK_QUESTION)
    if state == states.CONFIRMING_FIELD:
        label = field_label(turn, (turn.data.get("analysis") or {}).get("field") or "")
        return Outgoing(texts.FIELD_DETECTED.format(label=label), rows(field_options(turn, full=False), 2))
    if state == states.CHOOSING_FIELD:
        return Outgoing(texts.FIELD_ALL, rows(field_options(turn, full=True), 2))
    if state == states.DONE:
        return Outgoing(texts.HELP, ((Button(texts.ASK_ANOTHER, "again"),),))
    return Outgoing(texts.HELP)


def draft_noted(turn: Turn) -> Outgoing:
    chars = sum(len(p) for p in turn.data.get("draft", []))
    from vntext import vn_int

    return Outgoing(texts.DRAFT_NOTED.format(chars=vn_int(chars)), ((Button(texts.SEND, "send"),),))
