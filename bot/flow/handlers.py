"""One handler per state: each reads the turn's input, calls storage actions, returns the next state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import joinedload

from bot import texts
from bot.flow import commands, rating, states, transcript
from bot.flow.inputs import sanitized
from bot.flow.prompts import (
    OTHER_FIELD,
    clean_text,
    consent_options,
    draft_noted,
    field_options,
    meeting_options,
    pick,
    prompt,
    wants_skip,
)
from bot.flow.remembered import Remembered
from bot.flow.turn import Turn
from bot.locality import match_unit
from bot.messages import BUTTON, COMMAND, DOCUMENT, OPEN, PHOTO, TEXT, Button
from nlp.privacy import valid_vn_phone
from storage import lookup, queries
from storage.actions import attachments, citizens, questions, webchat
from storage.clock import utcnow
from storage.errors import DomainError, IntakeClosed
from storage.models import Meeting
from storage.queries import chat
from storage.uploads import discard_upload
from vntext import vn_int

MAX_ATTACHMENTS = attachments.MAX_PER_QUESTION
_WITH_UNIT = (joinedload(Meeting.unit),)
WEB = "web"
Handler = Callable[[Turn], str]


def handle(turn: Turn, state: str) -> str:
    """Route one input (commands, a ticket code, a rating first), then record the turn for the web chat."""
    turn.incoming = sanitized(turn.incoming)
    if state not in states.ALL:
        state = states.START
    if turn.incoming.origin:
        webchat.set_origin(turn.session, turn.citizen.id, turn.incoming.origin)
    new_state = _route(turn, state)
    if turn.citizen.channel == WEB:
        transcript.record_turn(turn)
    if rating.free(turn, new_state):
        # Answers that arrive after this are asked about as soon as the citizen is free again.
        turn.data["at"] = utcnow().timestamp()
    return new_state


def _route(turn: Turn, state: str) -> str:
    inc = turn.incoming
    if inc.kind == COMMAND:
        return commands.run(turn, state, submit_draft=submit_draft, start=start)
    if inc.kind == BUTTON and (inc.data or "").startswith("rate:"):
        return rating.on_button(turn, state)
    if inc.kind == OPEN:
        if state == states.START:
            return start(turn, inc.args)
        state = rating.maybe_enter(turn, state)
        turn.send(prompt(turn, state))
        return state
    if inc.kind in (PHOTO, DOCUMENT):
        return attach(turn, state)
    if inc.kind not in (TEXT, BUTTON):
        turn.say(texts.NOT_ACCEPTED.get(inc.kind, texts.NOT_ACCEPTED["other"]))
        return state
    ticket = commands.normal_ticket(inc.text) if inc.kind == TEXT else None
    if ticket is not None:
        commands.show_ticket(turn, ticket)
        return state
    return HANDLERS[rating.maybe_enter(turn, state)](turn)


def start(turn: Turn, args: str) -> str:
    """`/start`, a deep link `/start m_<code>`, the web chat opened, or a first message."""
    code = args.strip()
    code = code[2:] if code.lower().startswith("m_") else code
    if code:
        turn.data["meeting_code"] = code.upper()[:16]
    if "consent" not in turn.data:
        turn.send(prompt(turn, states.AWAITING_CONSENT))
        return states.AWAITING_CONSENT
    return after_consent(turn)


def on_start(turn: Turn) -> str:
    return start(turn, "")


def on_consent(turn: Turn) -> str:
    choice = pick(turn, consent_options())
    if choice is None:
        turn.say(texts.CONSENT_HINT, prompt(turn, states.AWAITING_CONSENT).buttons)
        return states.AWAITING_CONSENT
    if choice == "consent:yes":
        citizens.give_consent(turn.session, turn.citizen.id)
        turn.data["consent"] = True
        turn.say(texts.CONSENTED)
    else:
        turn.data["consent"] = False
        turn.say(texts.ANONYMOUS)
    return after_consent(turn)


def after_consent(turn: Turn) -> str:
    code = turn.data.pop("meeting_code", None)
    if code:
        meeting = lookup.find_meeting_by_code(turn.session, code)
        if meeting is None:
            turn.say(texts.MEETING_NOT_FOUND.format(code=code))
        elif _open(meeting):
            return chose_meeting(turn, meeting)
        else:
            turn.say(texts.MEETING_CLOSED.format(title=meeting.title))
    turn.data["page"] = 0
    turn.send(prompt(turn, states.CHOOSING_MEETING))
    return states.CHOOSING_MEETING


def _open(meeting: Meeting) -> bool:
    try:
        questions.check_meeting_open(meeting)
    except IntakeClosed:
        return False
    return True


def on_choosing_meeting(turn: Turn) -> str:
    choice = pick(turn, meeting_options(turn))
    if choice is None and turn.incoming.kind == TEXT:
        meeting = lookup.find_meeting_by_code(turn.session, turn.incoming.text.strip()[:16])
        if meeting is not None:
            choice = f"meeting:{meeting.code}"
    if choice is None:
        turn.say(texts.CHOOSE_HINT)
        turn.send(prompt(turn, states.CHOOSING_MEETING))
        return states.CHOOSING_MEETING
    if choice.startswith("page:"):
        turn.data["page"] = int(choice.split(":", 1)[1])
        turn.send(prompt(turn, states.CHOOSING_MEETING))
        return states.CHOOSING_MEETING
    meeting = lookup.find_meeting_by_code(turn.session, choice.split(":", 1)[1])
    if meeting is None or not _open(meeting):
        turn.say(texts.MEETING_CLOSED.format(title=meeting.title if meeting else choice.split(":", 1)[1]))
        turn.send(prompt(turn, states.CHOOSING_MEETING))
        return states.CHOOSING_MEETING
    return chose_meeting(turn, meeting)


def chose_meeting(turn: Turn, meeting: Meeting) -> str:
    turn.data["meeting_id"] = meeting.id
    turn.say(texts.MEETING_CHOSEN.format(title=meeting.title))
    nxt = states.ASKING_NAME if turn.consented and not turn.data.get("details_done") else states.ASKING_QUESTION
    turn.send(prompt(turn, nxt))
    return nxt


def on_name(turn: Turn) -> str:
    if not wants_skip(turn) and turn.incoming.kind == TEXT:
        name = clean_text(turn.incoming.text)
        if len(name) > 200:
            turn.say(texts.NAME_TOO_LONG)
            return states.ASKING_NAME
        citizens.update_details(turn.session, turn.citizen.id, name=name)
    turn.send(prompt(turn, states.ASKING_LOCALITY))
    return states.ASKING_LOCALITY


def on_locality(turn: Turn) -> str:
    if not wants_skip(turn) and turn.incoming.kind == TEXT:
        typed = clean_text(turn.incoming.text)[:300]
        unit = match_unit(turn.session, typed)
        citizens.update_details(turn.session, turn.citizen.id, locality=typed,
                                locality_unit_id=unit.id if unit else None)
        turn.say((texts.LOCALITY_MATCHED if unit else texts.LOCALITY_FREE).format(name=unit.name if unit else typed))
    turn.send(prompt(turn, states.ASKING_PHONE))
    return states.ASKING_PHONE


def on_phone(turn: Turn) -> str:
    if not wants_skip(turn) and turn.incoming.kind == TEXT:
        typed = clean_text(turn.incoming.text)
        phone = valid_vn_phone(typed)
        if phone is None:
            turn.say(texts.BAD_PHONE.format(phone=typed[:40]), ((Button(texts.SKIP, "skip"),),))
            return states.ASKING_PHONE
        citizens.update_details(turn.session, turn.citizen.id, phone=phone)
    turn.data["details_done"] = True
    turn.send(prompt(turn, states.ASKING_QUESTION))
    return states.ASKING_QUESTION


def on_question(turn: Turn) -> str:
    inc = turn.incoming
    offered = prompt(turn, states.ASKING_QUESTION).flat_buttons()
    if inc.kind == BUTTON:
        if inc.data == "send":
            return submit_draft(turn)
        turn.send(prompt(turn, states.ASKING_QUESTION))
        return states.ASKING_QUESTION
    if offered and pick(turn, offered) == "send":
        return submit_draft(turn)
    piece = clean_text(inc.text)
    if not piece:
        turn.say(texts.DRAFT_EMPTY)
        return states.ASKING_QUESTION
    draft: list[str] = list(turn.data.get("draft", []))
    if sum(len(p) + 1 for p in draft) + len(piece) > questions.MAX_TEXT:
        turn.say(texts.DRAFT_TOO_LONG.format(limit=vn_int(questions.MAX_TEXT)),
                 ((Button(texts.SEND, "send"),),) if draft else ())
        return states.ASKING_QUESTION
    draft.append(piece)
    turn.data["draft"] = draft
    turn.data["draft_at"] = utcnow().timestamp()
    if turn.settings.question_join_seconds <= 0:
        turn.send(draft_noted(turn))
    return states.ASKING_QUESTION


def submit_draft(turn: Turn) -> str:
    """"Gửi": check the draft, the flood limit and the meeting, then ask to confirm the field."""
    text = "\n".join(turn.data.get("draft", [])).strip()
    if not text:
        turn.say(texts.DRAFT_EMPTY)
        return states.ASKING_QUESTION
    if not any(c.isalnum() for c in text):
        turn.data["draft"] = []
        turn.say(texts.NO_LETTERS)
        return states.ASKING_QUESTION
    if _flooded(turn):
        return states.ASKING_QUESTION
    meeting = turn.session.get(Meeting, turn.data.get("meeting_id") or -1)
    if meeting is None or not _open(meeting):
        if meeting is not None:
            turn.say(texts.MEETING_CLOSED.format(title=meeting.title))
        turn.data["page"] = 0
        turn.send(prompt(turn, states.CHOOSING_MEETING))
        return states.CHOOSING_MEETING
    analysis = turn.analyzer.analyze(text)
    turn.data["analysis"] = {"field": analysis.field, "alternatives": [list(a) for a in analysis.alternatives],
                             "normalized": analysis.normalized, "search_text": analysis.search_text,
                             "confidence": analysis.confidence, "needs_review": analysis.needs_review}
    if not analysis.field or analysis.field == OTHER_FIELD:
        turn.say(texts.FIELD_UNKNOWN)
        turn.send(prompt(turn, states.CHOOSING_FIELD))
        return states.CHOOSING_FIELD
    turn.send(prompt(turn, states.CONFIRMING_FIELD))
    return states.CONFIRMING_FIELD


def _flooded(turn: Turn) -> bool:
    """The flood limits: per citizen, and per network address where the channel sees one (a citizen
    who drops the web chat's cookie is someone new, but not somewhere new)."""
    limit = turn.settings.flood_max_questions
    minutes = turn.settings.flood_window_minutes
    since = utcnow() - timedelta(minutes=minutes)
    count = queries.count_questions_since(turn.session, turn.citizen.id, since)
    if limit > 0 and count >= limit:
        turn.say(texts.FLOOD.format(count=vn_int(count), minutes=vn_int(minutes)))
        return True
    per_address = turn.settings.flood_max_per_address
    origin = turn.citizen.origin
    if per_address > 0 and origin and chat.questions_from_origin(turn.session, origin, since) >= per_address:
        turn.say(texts.FLOOD_ADDRESS.format(minutes=vn_int(minutes)))
        return True
    return False


def on_confirming_field(turn: Turn) -> str:
    return _field_choice(turn, full=False)


def on_choosing_field(turn: Turn) -> str:
    return _field_choice(turn, full=True)


def _field_choice(turn: Turn, full: bool) -> str:
    state = states.CHOOSING_FIELD if full else states.CONFIRMING_FIELD
    choice = pick(turn, field_options(turn, full))
    if choice is None:
        turn.say(texts.FIELD_HINT)
        turn.send(prompt(turn, state))
        return state
    code = choice.split(":", 1)[1]
    if code == "*":
        turn.send(prompt(turn, states.CHOOSING_FIELD))
        return states.CHOOSING_FIELD
    return store_question(turn, code)


def store_question(turn: Turn, field: str) -> str:
    """Store the question (with its attachments) in this turn's transaction, then confirm."""
    text = "\n".join(turn.data.get("draft", [])).strip()
    seq = int(turn.data.get("seq", 0))
    meeting_id = int(turn.data.get("meeting_id") or -1)
    # Read here with its unit and kept referenced for the turn: storing the question and confirming
    # it then find both in the session instead of reading them again.
    held = turn.session.get(Meeting, meeting_id, options=_WITH_UNIT)
    try:
        question = attachments.submit_with_attachments(
            turn.session, meeting_id=meeting_id, text=text,
            channel=turn.citizen.channel, citizen_id=turn.citizen.id,
            uploads=[attachments.Upload.from_dict(a) for a in turn.data.get("attachments", [])],
            analyzer=Remembered(turn.analyzer, text, turn.data.get("analysis")),
            idempotency_key=f"{turn.citizen.channel}:{turn.citizen.id}:{seq}",
            citizen_field=field,
        )
    except IntakeClosed as exc:
        turn.say(exc.message)
        turn.data["page"] = 0
        turn.send(prompt(turn, states.CHOOSING_MEETING))
        return states.CHOOSING_MEETING
    except DomainError as exc:
        turn.say(exc.message)
        return states.ASKING_QUESTION
    meeting = held if held is not None and held.id == question.meeting_id else question.meeting
    for key in ("draft", "draft_at", "analysis", "attachments"):
        turn.data.pop(key, None)
    turn.data["seq"] = seq + 1
    turn.say(texts.CONFIRMED.format(ticket=question.ticket, title=meeting.title,
                                    when=texts.meeting_when(meeting.starts_at)),
             ((Button(texts.ASK_ANOTHER, "again"),),))
    return rating.after_done(turn, states.DONE)


def on_done(turn: Turn) -> str:
    inc = turn.incoming
    meeting = turn.session.get(Meeting, turn.data.get("meeting_id") or -1)
    again = pick(turn, prompt(turn, states.DONE).flat_buttons()) == "again"
    if inc.kind == BUTTON and not again:
        turn.send(prompt(turn, states.DONE))
        return states.DONE
    if meeting is None or not _open(meeting):
        turn.data["page"] = 0
        turn.send(prompt(turn, states.CHOOSING_MEETING))
        return states.CHOOSING_MEETING
    if inc.kind == TEXT and not again and clean_text(inc.text):
        return on_question(turn)
    turn.send(prompt(turn, states.ASKING_QUESTION))
    return states.ASKING_QUESTION


def attach(turn: Turn, state: str) -> str:
    inc = turn.incoming
    limit = turn.settings.max_attachment_bytes
    kept = list(turn.data.get("attachments", []))
    if state != states.ASKING_QUESTION:
        return refuse_upload(turn, state, texts.ATTACHMENT_WHEN_ASKING)
    if inc.file_size is not None and inc.file_size > limit:
        return refuse_upload(turn, state, texts.ATTACHMENT_TOO_LARGE.format(limit=texts.size_limit(limit)))
    if len(kept) >= MAX_ATTACHMENTS:
        return refuse_upload(turn, state, texts.TOO_MANY_ATTACHMENTS.format(limit=MAX_ATTACHMENTS))
    kept.append(attachments.Upload(kind=inc.kind, file_ref=inc.file_ref or "", file_name=inc.file_name,
                                   mime_type=inc.mime_type, size=inc.file_size).as_dict())
    turn.data["attachments"] = kept
    name = (texts.ATTACHMENT_NAMED.format(name=inc.file_name) if inc.file_name
            else texts.ATTACHMENT_UNNAMED.get(inc.kind, texts.ATTACHMENT_UNNAMED["document"]))
    if inc.text.strip():
        turn.data["draft"] = [*turn.data.get("draft", []), clean_text(inc.text)]
    if turn.data.get("draft"):
        turn.say(texts.ATTACHMENT_WITH_DRAFT.format(name=name, count=len(kept), limit=MAX_ATTACHMENTS))
        turn.send(draft_noted(turn))
    else:
        turn.say(texts.ATTACHMENT_NOTED.format(name=name, count=len(kept), limit=MAX_ATTACHMENTS))
    return state


def refuse_upload(turn: Turn, state: str, reason: str) -> str:
    """An upload not kept: its file goes at once, the citizen is told why."""
    discard_upload(turn.settings.upload_dir, turn.incoming.file_ref)
    turn.say(reason)
    return state


HANDLERS: dict[str, Handler] = {
    states.START: on_start,
    states.AWAITING_CONSENT: on_consent,
    states.CHOOSING_MEETING: on_choosing_meeting,
    states.ASKING_NAME: on_name,
    states.ASKING_LOCALITY: on_locality,
    states.ASKING_PHONE: on_phone,
    states.ASKING_QUESTION: on_question,
    states.CONFIRMING_FIELD: on_confirming_field,
    states.CHOOSING_FIELD: on_choosing_field,
    states.DONE: on_done,
    states.RATING: rating.on_rating,
    states.RATING_REASON: rating.on_reason,
    states.CONFIRMING_ERASE: commands.on_confirming_erase,
    states.CHOOSING_WITHDRAW: commands.on_choosing_withdraw,
}
