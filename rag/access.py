"""Who may use a ``rag ui`` server: web chat logins, the HTTP API's bearer token, read-only mode.

Logins come from ``RAG_UI_USERS`` (``name:password`` pairs separated by commas) or a file with one
``name:password`` per line; the API token from ``RAG_API_TOKEN``. Passwords and the token are never part of
a message, a log line or a ``repr``.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RagError


class AccessError(RagError):
    """The login or token settings are unusable (the message never contains a password)."""


@dataclass(frozen=True)
class Access:
    users: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    api_token: str | None = field(default=None, repr=False)
    read_only: bool = False

    @property
    def complete(self) -> bool:
        """Both the chat (logins) and the API (token) are protected."""
        return bool(self.users) and bool(self.api_token)

    def missing(self) -> list[str]:
        out = []
        if not self.users:
            out.append("网页登录账号（RAG_UI_USERS=用户名:密码 或 --users-file）")
        if not self.api_token:
            out.append("API 令牌（RAG_API_TOKEN）")
        return out

    def token_ok(self, token: str | None) -> bool:
        """True when no token is required, or ``token`` equals it (constant-time comparison)."""
        if not self.api_token:
            return True
        if token is None:
            return False
        return hmac.compare_digest(token.encode("utf-8"), self.api_token.encode("utf-8"))

    def __repr__(self) -> str:
        token = "set" if self.api_token else "unset"
        return f"Access(users={len(self.users)}, api_token={token}, read_only={self.read_only})"


def parse_users(entries: list[str], where: str) -> tuple[tuple[str, str], ...]:
    """``name:password`` entries (the password may itself contain ``:``).

    Raises:
        AccessError: an entry has no name or no password (named by its position, not its content).
    """
    users = []
    for i, entry in enumerate(entries, start=1):
        entry = entry.strip()
        if not entry:
            continue
        name, sep, password = entry.partition(":")
        if not sep or not name.strip() or not password:
            raise AccessError(f"{where} 的第 {i} 项不是“用户名:密码”的形式")
        users.append((name.strip(), password))
    return tuple(users)


def read_access(env: Mapping[str, str], users_file: Path | None = None, read_only: bool = False) -> Access:
    """The access settings from the environment (``RAG_UI_USERS``, ``RAG_API_TOKEN``) and ``users_file``.

    Raises:
        AccessError: the users file is unreadable or an entry is malformed.
    """
    if users_file is not None:
        try:
            lines = Path(users_file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise AccessError(f"无法读取账号文件 {users_file}（{exc.strerror or exc}）") from None
        users = parse_users([ln for ln in lines if not ln.lstrip().startswith("#")], str(users_file))
        if not users:
            raise AccessError(f"账号文件 {users_file} 里没有账号")
    else:
        users = parse_users((env.get("RAG_UI_USERS") or "").split(","), "RAG_UI_USERS")
    token = (env.get("RAG_API_TOKEN") or "").strip() or None
    return Access(users=users, api_token=token, read_only=read_only)
