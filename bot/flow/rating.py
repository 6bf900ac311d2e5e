"""Rating an answer in the chat: "Hài lòng" / "Chưa hài lòng", then why, which re-opens the question.

The answer arrives through the outbox with the rating question and its two choices. The next thing
the citizen types is taken as the rating when the answer came after their last message and they
were not in the middle of something else (then it is asked once they are done). The buttons carry
the question, so they rate it in any state.
"""

from __future__ import annotations

from bot import texts
from bot.flow import states
from bot.flow.prompts import clean_text, pick, prompt, rating_options, wants_skip
from bot.flow.turn import Turn
from bot.messages import BUTTON, TEXT
from storage.actions import ratings
from storage.errors import DomainError
from storage.models import Question
from storage.queries import satisfaction

MAX_REASON = ratings.MAX_REASON


def _arrived_since_last_turn(turn: Turn) -> int | None:
    pending = satisfaction.unrated(turn.session, turn.citizen.id)
    if pending is None:
        return None
    question_id, asked_at = pending
    return question_id if asked_at.timestamp() > float(turn.data.get("at") or 0) else None


def free(turn: Turn, state: str) -> bool:
    """Not in the middle of a question or of answering the bot."""
    return state not in states.BUSY and not (state == states.ASKING_QUESTION and turn.data.get("draft"))


def maybe_enter(turn: Turn, state: str) -> str:
    """RATING when an answer to rate arrived since the citizen was last free, and they are free now."""
    if not free(turn, state):
        return state
    qid = _arrived_since_last_turn(turn)
    if qid is None:
        return state
    turn.data["rating_q"] = qid
    turn.data["rating_resume"] = state if state in (states.ASKING_QUESTION, states.CHOOSING_MEETING) else states.DONE
    return states.RATING


def after_done(turn: Turn, state: str) -> str:
    """Once a question is sent: ask about an answer that arrived meanwhile."""
    qid = _arrived_since_last_turn(turn)
    if qid is None:
        return state
    turn.data["rating_q"] = qid
    turn.data["rating_resume"] = state
    turn.send(prompt(turn, states.RATING))
    return states.RATING


def on_rating(turn: Turn) -> str:
    qid = int(turn.data.get("rating_q") or 0)
    choice = pick(turn, rating_options(qid))
    if choice is None:
        if wants_skip(turn):
            turn.say(texts.RATING_SKIPPED)
            return _leave(turn, show=True)
        turn.say(texts.RATING_HINT)
        turn.send(prompt(turn, states.RATING))
        return states.RATING
    return _rate(turn, qid, choice.endswith(":yes"), states.RATING)


def on_button(turn: Turn, state: str) -> str:
    """A "Hài lòng" / "Chưa hài lòng" button, pressed in whatever state the conversation is."""
    _, qid_text, answer = [*(turn.incoming.data or "").split(":"), "", ""][:3]
    if not (qid_text.isascii() and qid_text.isdigit() and len(qid_text) <= 9) or answer not in ("yes", "no"):
        turn.say(texts.RATING_HINT)
        return state
    if state not in (states.RATING, states.RATING_REASON):
        turn.data["rating_resume"] = state
    return _rate(turn, int(qid_text), answer == "yes", state)


def _rate(turn: Turn, qid: int, satisfied: bool, state: str) -> str:
    try:
        ratings.rate(turn.session, qid, citizen_id=turn.citizen.id, satisfied=satisfied)
    except DomainError as exc:
        turn.say(exc.message)
        return _leave(turn, show=False) if state in (states.RATING, states.RATING_REASON) else state
    if satisfied:
        turn.say(texts.RATING_THANKS)
        return _leave(turn, show=True)
    turn.data["rating_q"] = qid
    turn.send(prompt(turn, states.RATING_REASON))
    return states.RATING_REASON


def on_reason(turn: Turn) -> str:
    inc = turn.incoming
    if wants_skip(turn):
        reason = ""
    elif inc.kind == TEXT and any(c.isalnum() for c in clean_text(inc.text)):
        reason = clean_text(inc.text)[:MAX_REASON]
    else:
        turn.say(texts.RATING_WHY_HINT if inc.kind != BUTTON else texts.RATING_WHY)
        return states.RATING_REASON
    qid = int(turn.data.get("rating_q") or 0)
    try:
        moved = ratings.reopen_by_citizen(turn.session, qid, citizen_id=turn.citizen.id, reason=reason)
    except DomainError as exc:
        turn.say(exc.message)
        return _leave(turn, show=False)
    question = turn.session.get(Question, qid)
    ticket = question.ticket if question is not None else ""
    turn.say((texts.REOPENED if moved else texts.REASON_NOTED).format(ticket=ticket))
    return _leave(turn, show=True)


def _leave(turn: Turn, *, show: bool) -> str:
    """Back to where the citizen was; another answer waiting to be rated is asked first."""
    done = turn.data.pop("rating_q", None)
    resume = str(turn.data.pop("rating_resume", states.DONE))
    if resume not in states.ALL or resume in (states.RATING, states.RATING_REASON):
        resume = states.DONE
    pending = satisfaction.unrated(turn.session, turn.citizen.id, exclude=int(done) if done else None)
    if pending is not None and pending[1].timestamp() > float(turn.data.get("at") or 0):
        turn.data["rating_q"] = pending[0]
        turn.data["rating_resume"] = resume
        turn.send(prompt(turn, states.RATING))
        return states.RATING
    if show and resume not in (states.DONE, states.START):
        turn.send(prompt(turn, resume))
    return resume
