"""What works in every state: the commands (/start, /cauhoi, /huy, /xoa_du_lieu, /tro_giup, /gui) and
a typed ticket code. Erasing and choosing a question to withdraw ask first, in states of their own,
then go back to where the conversation was."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot import texts
from bot.flow import states
from bot.flow.prompts import pick, prompt, short, withdraw_options
from bot.flow.turn import Turn
from storage import lifecycle, queries
from storage.actions import citizens, officer_chats, questions
from storage.errors import DomainError
from storage.queries import chat
from vntext import vn_date

MAX_LISTED = 20
TICKET = re.compile(r"([A-Za-z]{1,10})\s*-\s*(\d{4})\s*-\s*(\d{1,9})")
# Details asked only with consent: after an erasure the conversation goes on with the question.
_DETAILS = (states.ASKING_NAME, states.ASKING_LOCALITY, states.ASKING_PHONE)


def run(turn: Turn, state: str, *, submit_draft: Callable[[Turn], str], start: Callable[[Turn, str], str]) -> str:
    name = turn.incoming.command or ""
    if name == "start" and officer_chats.looks_like_code(turn.incoming.args):
        link_officer(turn)
        return state
    if name == "start":
        for key in ("draft", "draft_at", "analysis", "attachments", "rating_q", "rating_resume", "resume"):
            turn.data.pop(key, None)
        return start(turn, turn.incoming.args)
    if name in ("cauhoi", "cau_hoi"):
        my_questions(turn)
        return state
    if name == "huy":
        return withdraw(turn, state)
    if name in ("xoa_du_lieu", "xoadulieu"):
        _remember(turn, state)
        turn.send(prompt(turn, states.CONFIRMING_ERASE))
        return states.CONFIRMING_ERASE
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


def _remember(turn: Turn, state: str) -> None:
    if state not in (states.CONFIRMING_ERASE, states.CHOOSING_WITHDRAW):
        turn.data["resume"] = state


def _resume(turn: Turn) -> str:
    """Back where the conversation was, asking again what that state waits for."""
    state = str(turn.data.pop("resume", states.DONE))
    if state not in states.ALL or state in (states.CONFIRMING_ERASE, states.CHOOSING_WITHDRAW):
        state = states.DONE
    if state in _DETAILS and not turn.consented:
        state = states.ASKING_QUESTION if turn.data.get("meeting_id") else states.START
    if state not in (states.DONE, states.START):
        turn.send(prompt(turn, state))
    return state


def on_confirming_erase(turn: Turn) -> str:
    choice = pick(turn, [b for row in prompt(turn, states.CONFIRMING_ERASE).buttons for b in row])
    if choice is None:
        turn.say(texts.ERASE_HINT)
        turn.send(prompt(turn, states.CONFIRMING_ERASE))
        return states.CONFIRMING_ERASE
    if choice == "erase:yes":
        citizens.erase_citizen(turn.session, turn.citizen.id, analyzer=turn.analyzer,
                               upload_dir=turn.settings.upload_dir)
        # The draft (text and attachments) goes too; what the conversation was doing stays.
        for key in ("consent", "details_done", "draft", "draft_at", "analysis", "attachments", "withdrawable"):
            turn.data.pop(key, None)
        if turn.data.get("resume") in (states.CONFIRMING_FIELD, states.CHOOSING_FIELD):
            turn.data["resume"] = states.ASKING_QUESTION
        turn.say(texts.ERASED)
    else:
        turn.say(texts.ERASE_KEPT)
    return _resume(turn)


def my_questions(turn: Turn) -> None:
    rows = queries.citizen_questions(turn.session, turn.citizen.id)
    if not rows:
        turn.say(texts.MY_QUESTIONS_NONE)
        return
    lines = [texts.MY_QUESTIONS_HEAD]
    for q in rows[:MAX_LISTED]:
        lines.append(texts.MY_QUESTION_LINE.format(ticket=q.ticket, date=vn_date(q.created_at),
                                                   status=lifecycle.label(q.status), text=short(q.original_text, 60)))
    lines.append(texts.MY_QUESTIONS_TICKET_HINT.format(ticket=rows[0].ticket))
    turn.say("\n".join(lines))


def withdraw(turn: Turn, state: str) -> str:
    ticket = turn.incoming.args.strip().split(" ")[0] if turn.incoming.args.strip() else ""
    if ticket:
        _withdraw_one(turn, normal_ticket(ticket) or ticket[:32])
        return state
    open_ones = [q.ticket for q in queries.citizen_questions(turn.session, turn.citizen.id)
                 if q.ticket and lifecycle.WITHDRAWN in lifecycle.ALLOWED.get(q.status, frozenset())]
    if not open_ones:
        turn.say(texts.WITHDRAW_NONE)
        return state
    _remember(turn, state)
    turn.data["withdrawable"] = open_ones[:MAX_LISTED]
    turn.send(prompt(turn, states.CHOOSING_WITHDRAW))
    return states.CHOOSING_WITHDRAW


def on_choosing_withdraw(turn: Turn) -> str:
    choice = pick(turn, withdraw_options(turn))
    if choice is None:
        turn.say(texts.WITHDRAW_HINT)
        turn.send(prompt(turn, states.CHOOSING_WITHDRAW))
        return states.CHOOSING_WITHDRAW
    turn.data.pop("withdrawable", None)
    ticket = choice.split(":", 1)[1]
    if ticket == "-":
        turn.say(texts.WITHDRAW_KEPT)
    else:
        _withdraw_one(turn, ticket)
    return _resume(turn)


def _withdraw_one(turn: Turn, ticket: str) -> None:
    try:
        question = questions.withdraw(turn.session, ticket[:32], citizen_id=turn.citizen.id)
    except DomainError as exc:
        turn.say(exc.message)
        return
    turn.say(texts.WITHDRAWN.format(ticket=question.ticket))


def normal_ticket(text: str) -> str | None:
    """`hg-2026-123` -> `HG-2026-000123`; None when the text is not a ticket code alone."""
    match = TICKET.fullmatch(text.strip().strip(".!?"))
    if match is None:
        return None
    prefix, year, number = match.groups()
    return f"{prefix.upper()}-{year}-{int(number):06d}"


def show_ticket(turn: Turn, ticket: str) -> None:
    """The status (and latest answer) of the citizen's own question; nothing about anyone else's."""
    question = chat.own_question(turn.session, turn.citizen.id, ticket)
    if question is None:
        turn.say(texts.TICKET_NOT_FOUND.format(ticket=ticket))
        return
    lines = [texts.TICKET_STATUS.format(ticket=question.ticket, date=vn_date(question.created_at),
                                        meeting=question.meeting.title, text=short(question.original_text, 200),
                                        status=lifecycle.label(question.status))]
    answer = chat.latest_answer(turn.session, question.id)
    if answer is not None:
        lines.append(texts.TICKET_ANSWER.format(date=vn_date(answer.created_at), answer=answer.text))
    turn.say("\n".join(lines))


def link_officer(turn: Turn) -> None:
    """`/start LK…`: a console user links this chat to receive their notices here too."""
    inc = turn.incoming
    linked = officer_chats.complete_link(turn.session, inc.channel, inc.chat_id, inc.args)
    turn.say(texts.OFFICER_LINKED if linked is not None else texts.OFFICER_LINK_EXPIRED)
