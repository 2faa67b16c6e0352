"""Who may do what. Roles come from a config file mapping e-mail addresses or domains to roles.

viewer (board member): reads everything. analyst: also uploads returns, writes commentary and edits
actions. admin: also withdraws submissions, sets targets, reads the audit log, backs up.
Without sign-in configured the app runs in local mode: admin only while the server listens on a
loopback address; on any other address it is read-only.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

ROLES_FILE_VARIABLE = "DASHBOARD_ROLES_FILE"
DEFAULT_ROLES_FILE = Path(__file__).resolve().parents[1] / ".streamlit" / "roles.toml"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Role(IntEnum):
    VIEWER = 1
    ANALYST = 2
    ADMIN = 3


PERMISSIONS = {
    "view": Role.VIEWER,
    "upload": Role.ANALYST,
    "comment": Role.ANALYST,
    "edit_actions": Role.ANALYST,
    "withdraw": Role.ADMIN,
    "set_targets": Role.ADMIN,
    "read_audit": Role.ADMIN,
    "backup": Role.ADMIN,
}


class NotAllowed(PermissionError):
    """An action the signed-in person's role does not allow."""


@dataclass(frozen=True)
class Person:
    email: str
    role: Role | None
    local: bool = False

    def can(self, action: str) -> bool:
        return self.role is not None and self.role >= PERMISSIONS[action]

    def require(self, action: str) -> None:
        """Check again on the server before any change: refuse if the role does not allow it."""
        if not self.can(action):
            role = self.role.name.lower() if self.role else "no role"
            raise NotAllowed(f"{self.email} ({role}) may not {action.replace('_', ' ')}")


def roles_file() -> Path:
    return Path(os.environ.get(ROLES_FILE_VARIABLE, DEFAULT_ROLES_FILE))


def load_role_rules(path: Path | None = None) -> dict[str, Role]:
    """Rules from the roles file: `[roles] admin = ["a@x.gov.uk"], analyst = ["@x.gov.uk"], ...`."""
    path = path or roles_file()
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8")).get("roles", {})
    rules = {}
    for role_name, patterns in data.items():
        role = Role[role_name.upper()]
        for pattern in patterns:
            rules[pattern.strip().lower()] = max(role, rules.get(pattern.strip().lower(), role))
    return rules


def role_for(email: str, rules: dict[str, Role]) -> Role | None:
    """An exact address wins over its domain (`@hackney.gov.uk`); unknown people get no role."""
    email = email.strip().lower()
    if email in rules:
        return rules[email]
    domain = "@" + email.rsplit("@", 1)[-1] if "@" in email else None
    return rules.get(domain) if domain else None


def local_person(server_address: str | None) -> Person:
    """No sign-in configured: admin on a loopback address, read-only anywhere else."""
    address = (server_address or "").strip()
    if address in LOOPBACK:
        return Person("local administrator", Role.ADMIN, local=True)
    return Person("anonymous (read-only)", Role.VIEWER, local=True)
