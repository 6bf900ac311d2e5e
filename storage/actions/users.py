"""Console accounts: argon2 password hashes, one role each, scoped to a unit or an agency."""

from __future__ import annotations

import contextlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.actions.logins import end_all_sessions
from storage.errors import ForbiddenMove, InvalidInput
from storage.lookup import get_or_not_found
from storage.models import Agency, Unit, User
from storage.reach import ADMIN, AGENCY, ORGANISER, ROLES, Reach

MIN_PASSWORD = 10
EMAIL_RE = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")
_hasher = PasswordHasher()
# Verifying against this keeps a wrong username as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("doithoai-dummy-password")

ROLE_LABELS = {ADMIN: "Quản trị", ORGANISER: "Tổ giúp việc", AGENCY: "Cán bộ cơ quan"}


def new_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(
    session: Session,
    *,
    username: str,
    role: str,
    password: str,
    unit_id: int | None = None,
    agency_id: int | None = None,
    full_name: str = "",
    email: str | None = None,
) -> User:
    username = username.strip().lower()
    email = check_email(email)
    if not username or len(username) > 100:
        raise InvalidInput("Tên đăng nhập không hợp lệ.", code="bad_username")
    if role not in ROLES:
        raise InvalidInput(f"Vai trò «{role}» không hợp lệ; chọn admin, organiser hoặc agency.", code="bad_role")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.", code="weak_password")
    if session.scalars(select(User.id).where(User.username == username)).first() is not None:
        raise InvalidInput(f"Tên đăng nhập «{username}» đã có.", code="duplicate_username")
    if role == ORGANISER and (unit_id is None or session.get(Unit, unit_id) is None):
        raise InvalidInput("Tổ giúp việc cần thuộc một đơn vị.", code="unit_required")
    if role == AGENCY:
        agency = session.get(Agency, agency_id) if agency_id is not None else None
        if agency is None:
            raise InvalidInput("Cán bộ cơ quan cần thuộc một cơ quan.", code="agency_required")
        unit_id = agency.unit_id
    user = User(username=username, full_name=full_name.strip(), password_hash=_hasher.hash(password), role=role,
                unit_id=unit_id if role != ADMIN else None, agency_id=agency_id if role == AGENCY else None,
                email=email)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None; rehashes outdated hashes."""
    user = session.scalars(select(User).where(User.username == username.strip().lower())).first()
    if user is None or not user.active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.flush()
    return user


def set_password(session: Session, user_id: int, password: str) -> User:
    user = get_or_not_found(session, User, user_id)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.", code="weak_password")
    user.password_hash = _hasher.hash(password)
    # A new password ends every open session of the account.
    end_all_sessions(session, user.id)
    session.flush()
    return user


def set_active(session: Session, user_id: int, active: bool) -> User:
    """Lock or unlock an account; the last active admin cannot be locked (nobody could manage accounts)."""
    user = get_or_not_found(session, User, user_id)
    if not active and user.active and user.role == ADMIN:
        others = session.scalar(select(func.count()).select_from(User).where(
            User.role == ADMIN, User.active.is_(True), User.id != user.id)) or 0
        if others == 0:
            raise ForbiddenMove("Đây là tài khoản quản trị cuối cùng còn hoạt động, không thể khóa.",
                                code="last_admin")
    user.active = active
    if not active:
        end_all_sessions(session, user.id)
    session.flush()
    return user


def check_email(value: str | None) -> str | None:
    """A plausible e-mail address (one @, a dot in the domain, no spaces), or None when blank."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 200 or not EMAIL_RE.fullmatch(value):
        raise InvalidInput(f"Địa chỉ thư «{value[:100]}» không hợp lệ.", code="bad_email")
    return value


def set_email(session: Session, user_id: int, email: str | None) -> User:
    user = get_or_not_found(session, User, user_id)
    user.email = check_email(email)
    session.flush()
    return user


def change_own_password(session: Session, user_id: int, current: str, new: str, repeat: str) -> User:
    """A user changes their own password: the current one is asked again."""
    user = get_or_not_found(session, User, user_id)
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise InvalidInput("Mật khẩu hiện tại không đúng.", code="wrong_password") from None
    if new != repeat:
        raise InvalidInput("Hai lần nhập mật khẩu mới không giống nhau.", code="password_mismatch")
    if new == current:
        raise InvalidInput("Mật khẩu mới cần khác mật khẩu hiện tại.", code="same_password")
    return set_password(session, user_id, new)


def reach_of(session: Session, user: User) -> Reach:
    """What this account may see; a misconfigured account sees nothing."""
    if user.role == ADMIN:
        return Reach.admin(actor=user.username)
    if user.role == AGENCY and user.agency_id is not None:
        agency = session.get(Agency, user.agency_id)
        if agency is not None:
            return Reach.for_agency(agency, actor=user.username)
    if user.role == ORGANISER and user.unit_id is not None:
        unit = session.get(Unit, user.unit_id)
        if unit is not None:
            return Reach.for_unit(unit, actor=user.username)
    return Reach(role=user.role, actor=user.username)
