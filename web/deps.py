"""What the console needs from its host (a duck-typed context) and per-request dependencies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from storage.actions.logins import session_user
from storage.actions.users import reach_of
from storage.analysis import Analyzer
from storage.errors import OutOfReach
from storage.models import User
from storage.reach import ADMIN, AGENCY, Reach
from web.errors import LoginRequired


class ConsoleHost(Protocol):
    """What the console needs from the process that hosts it; `doithoai.context.Services` is one."""

    @property
    def sessions(self) -> sessionmaker[Session]: ...
    @property
    def analyzer(self) -> Analyzer: ...
    @property
    def settings(self) -> Any: ...

    def transaction(self) -> AbstractContextManager[Session]: ...


@dataclass(frozen=True)
class Principal:
    id: int
    username: str
    full_name: str
    role: str
    unit_id: int | None
    agency_id: int | None
    reach: Reach

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_agency(self) -> bool:
        return self.role == AGENCY

    @property
    def sees_contacts(self) -> bool:
        return self.role != AGENCY


# How long a console login lasts; the cookie and the session row end together.
SESSION_HOURS = 12


def get_ctx(request: Request) -> ConsoleHost:
    ctx: ConsoleHost = request.app.state.ctx
    return ctx


def db(request: Request) -> Iterator[Session]:
    """A read-only session for the request; writes go through ctx.transaction()."""
    session = get_ctx(request).sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def principal_from(session: Session, user: User) -> Principal:
    return Principal(id=user.id, username=user.username, full_name=user.full_name or user.username, role=user.role,
                     unit_id=user.unit_id, agency_id=user.agency_id, reach=reach_of(session, user))


def session_token(request: Request) -> str | None:
    token = request.session.get("sid")
    return token if isinstance(token, str) else None


def logged_in_user(request: Request, session: Session) -> User | None:
    """The user of the request's console session, if that session is still live in the database.

    Logout, a changed password and a deactivated account delete the session rows, so a copied
    cookie stops working at once, in every process.
    """
    return session_user(session, session_token(request))


def current_user(request: Request, session: Session = Depends(db)) -> Principal:
    user = logged_in_user(request, session)
    if user is None:
        request.session.clear()
        raise LoginRequired()
    principal = principal_from(session, user)
    request.state.user = principal
    return principal


def organiser(user: Principal = Depends(current_user)) -> Principal:
    if user.is_agency:
        raise OutOfReach("Trang này dành cho Tổ giúp việc.")
    return user


def admin(user: Principal = Depends(current_user)) -> Principal:
    if not user.is_admin:
        raise OutOfReach("Trang này chỉ dành cho quản trị viên.")
    return user
