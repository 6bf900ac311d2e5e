"""Commands that work in every state: /start, /cauhoi, /huy, /xoa_du_lieu, /tro_giup, /gui."""

from __future__ import annotations

from collections.abc import Callable

from bot import texts
from bot.flow import states
from bot.flow.prompts import prompt
from bot.flow.turn import Turn
from storage import lifecycle, queries
from storage.actions import citizens, questions
from storage.errors import DomainError
from storage.vnformat import vn_date

MAX_LISTED = 20


def run(turn: Turn, state: str, *, submit_draft: Callable[[Turn], str], start: Callable[[Turn, str], str]) -> str:
    name = turn.incoming.command or ""
    if name == "start":
        for key in ("draft", "draft_at", "analysis", "attachments"):
            turn.data.pop(key, None)
        return start(turn, turn.incoming.args)
    if name in ("cauhoi", "cau_hoi"):
        my_questions(turn)
        return state
    if name == "huy":
        withdraw(turn)
        return state
    if name in ("xoa_du_lieu", "xoadulieu"):
        citizens.erase_citizen(turn.session, turn.citizen.id)
        turn.data.pop("consent", None)
        turn.data.pop("details_done", None)
        turn.say(texts.ERASED)
        return state if state != states.START else states.START
    if name in ("tro_giup", "trogiup", "help"):
        turn.say(texts.HELP)
        return state
    if name == "gui":
        if state == states.ASKING_QUESTION:
            return submit_draft(turn)
        turn.say(texts.DRAFT_EMPTY if state in (states.DONE,) else texts.HELP)
        if state != states.START:
            turn.send(prompt(turn, state))
        return state
    turn.say(texts.UNKNOWN_COMMAND.format(command=name[:40]))
    return state


def my_questions(turn: Turn) -> None:
    rows = queries.citizen_questions(turn.session, turn.citizen.id)
    if not rows:
        turn.say(texts.MY_QUESTIONS_NONE)
        return
    lines = [texts.MY_QUESTIONS_HEAD]
    for q in rows[:MAX_LISTED]:
        short = q.original_text if len(q.original_text) <= 60 else q.original_text[:57] + "..."
        lines.append(texts.MY_QUESTION_LINE.format(ticket=q.ticket, date=vn_date(q.created_at),
                                                   status=lifecycle.label(q.status), text=short))
    turn.say("\n".join(lines))


def withdraw(turn: Turn) -> None:
    ticket = turn.incoming.args.strip().split(" ")[0] if turn.incoming.args.strip() else ""
    if not ticket:
        turn.say(texts.WITHDRAW_USAGE)
        return
    try:
        question = questions.withdraw(turn.session, ticket[:32], citizen_id=turn.citizen.id)
    except DomainError as exc:
        turn.say(exc.message)
        return
    turn.say(texts.WITHDRAWN.format(ticket=question.ticket))
