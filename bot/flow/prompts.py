"""What the bot asks in each state, and how a button press or a typed number picks an option."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from bot import texts
from bot.flow import states
from bot.flow.turn import Turn
from bot.messages import BUTTON, COMMAND, TEXT, Button, Outgoing
from nlp.fields import Field, load_fields
from storage import queries
from storage.models import Meeting, Question

PAGE_SIZE = 5
MAX_OPTION_TEXT = 400  # longer text is no option's words
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


def clean_text(text: str) -> str:
    """Drop control characters (keeping line breaks and tabs); the rest is kept exactly as typed."""
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc").strip()


def fold(text: str) -> str:
    """Text as a citizen might type it either way: no diacritics, no case, single spaces, no end marks."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return " ".join(plain.replace("«", " ").replace("»", " ").split()).strip(" .!?,;:")


def pick(turn: Turn, options: Sequence[Button]) -> str | None:
    """The data of the option chosen: its button, its number as listed on text-only channels, or
    its words typed with or without diacritics (a meeting also by its title alone)."""
    inc = turn.incoming
    if inc.kind == BUTTON:
        return inc.data if any(o.data == inc.data for o in options) else None
    if inc.kind != TEXT or len(inc.text) > MAX_OPTION_TEXT:
        return None
    typed = fold(inc.text)
    if typed.isdigit() and typed.isascii():
        number = int(typed[:6])
        return options[number - 1].data if 1 <= number <= len(options) else None
    if not typed:
        return None
    for option in options:
        label = fold(option.label)
        if typed == label or typed == fold(option.label.split(" — ", 1)[0]):
            return option.data
    return None


def wants_skip(turn: Turn) -> bool:
    inc = turn.incoming
    if inc.kind == BUTTON:
        return inc.data == "skip"
    if inc.kind == COMMAND:
        return inc.command in ("bo_qua", "boqua", "skip")
    return inc.kind == TEXT and len(inc.text) < 20 and fold(inc.text) in ("bo qua", "1", "skip")


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


def rating_options(question_id: int) -> list[Button]:
    return [Button(texts.RATING_YES, f"rate:{question_id}:yes"), Button(texts.RATING_NO, f"rate:{question_id}:no")]


def erase_options() -> list[Button]:
    return [Button(texts.ERASE_YES, "erase:yes"), Button(texts.ERASE_NO, "erase:no")]


def withdraw_options(turn: Turn) -> list[Button]:
    tickets = [str(t) for t in turn.data.get("withdrawable", [])]
    return [*(Button(texts.WITHDRAW_OPTION.format(ticket=t), f"withdraw:{t}") for t in tickets),
            Button(texts.WITHDRAW_KEEP, "withdraw:-")]


def short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 3] + "..."


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
    simple = {states.ASKING_NAME: texts.ASK_NAME, states.ASKING_LOCALITY: texts.ASK_LOCALITY,
              states.ASKING_PHONE: texts.ASK_PHONE, states.RATING_REASON: texts.RATING_WHY}
    if state in simple:
        return Outgoing(simple[state], (skip,))
    if state == states.ASKING_QUESTION:
        if turn.data.get("draft"):
            return draft_noted(turn)
        return Outgoing(texts.ASK_QUESTION)
    if state == states.CONFIRMING_FIELD:
        label = field_label(turn, (turn.data.get("analysis") or {}).get("field") or "")
        return Outgoing(texts.FIELD_DETECTED.format(label=label), rows(field_options(turn, full=False), 2))
    if state == states.CHOOSING_FIELD:
        return Outgoing(texts.FIELD_ALL, rows(field_options(turn, full=True), 2))
    if state == states.RATING:
        return rating_prompt(turn)
    if state == states.CONFIRMING_ERASE:
        return Outgoing(texts.ERASE_CONFIRM, rows(erase_options(), 2))
    if state == states.CHOOSING_WITHDRAW:
        return Outgoing(texts.WITHDRAW_CHOOSE, rows(withdraw_options(turn)))
    if state == states.DONE:
        return Outgoing(texts.HELP, ((Button(texts.ASK_ANOTHER, "again"),),))
    return Outgoing(texts.HELP)


def rating_prompt(turn: Turn) -> Outgoing:
    qid = int(turn.data.get("rating_q") or 0)
    question = turn.session.get(Question, qid)
    if question is None:
        return Outgoing(texts.RATING_QUESTION, rows(rating_options(qid), 2))
    about = texts.RATING_ABOUT.format(ticket=question.ticket, text=short(question.original_text))
    return Outgoing(about, rows(rating_options(qid), 2))


def draft_noted(turn: Turn) -> Outgoing:
    chars = sum(len(p) for p in turn.data.get("draft", []))
    from vntext import vn_int

    return Outgoing(texts.DRAFT_NOTED.format(chars=vn_int(chars)), ((Button(texts.SEND, "send"),),))
