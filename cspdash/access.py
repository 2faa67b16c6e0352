"""Who may do what. Roles come from a config file mapping e-mail addresses or domains to roles.

viewer (board member): reads everything. analyst: also uploads returns, writes commentary and edits
actions. admin: also withdraws submissions, sets targets, reads the audit log, backs up.
Without sign-in configured the app runs in local mode: admin only while the server listens on a
loopback address and the browser asks for it by a loopback name (so a web page that rebinds its own
name to 127.0.0.1 gets nothing); on any other address it is read-only.

Only an e-mail address the identity provider vouches for maps to a role: the ID token says
`email_verified` is true, or it comes from an issuer the partnership trusts to issue only its own,
verified addresses (an organisation's Microsoft Entra ID tenant, whose tokens carry no such claim).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from urllib.parse import urlsplit

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
    "see_unsuppressed": Role.ANALYST,  # viewers see figures under the disclosure policy
    "comment": Role.ANALYST,
    "edit_actions": Role.ANALYST,
    "edit_registers": Role.ANALYST,  # horizon scanning, risks, meetings: their own sub-groups' items
    "withdraw": Role.ADMIN,
    "set_targets": Role.ADMIN,
    "sign_off": Role.ADMIN,
    "read_audit": Role.ADMIN,
    "backup": Role.ADMIN,
    "publish": Role.ADMIN,  # the public site of a signed-off quarter
}


class NotAllowed(PermissionError):
    """An action the signed-in person's role does not allow."""


@dataclass(frozen=True)
class Person:
    email: str
    role: Role | None
    local: bool = False
    why_not: str = ""  # why a signed-in person has no role, in words for them
    subgroups: frozenset[str] | None = None  # the sub-groups whose register items they edit (None: every one)

    def can(self, action: str) -> bool:
        return self.role is not None and self.role >= PERMISSIONS[action]

    def require(self, action: str) -> None:
        """Check again on the server before any change: refuse if the role does not allow it."""
        if not self.can(action):
            role = self.role.name.lower() if self.role else "no role"
            raise NotAllowed(f"{self.email} ({role}) may not {action.replace('_', ' ')}")

    def may_edit_subgroup(self, subgroup_id: str | None) -> bool:
        """Whether they may change a register item of this sub-group (None: a partnership-wide item,
        such as a meeting): admins every item; analysts their own sub-groups' (every sub-group's, and
        partnership-wide items, when the roles file names no sub-group for them); viewers none."""
        if not self.can("edit_registers"):
            return False
        if self.role is Role.ADMIN or self.subgroups is None:
            return True
        return subgroup_id is not None and subgroup_id in self.subgroups


def roles_file() -> Path:
    return Path(os.environ.get(ROLES_FILE_VARIABLE, DEFAULT_ROLES_FILE))


def _roles_file_data(path: Path | None = None) -> dict:
    path = path or roles_file()
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def load_trusted_issuers(path: Path | None = None) -> set[str]:
    """Issuers whose e-mail claims are trusted without `email_verified`: `[sign_in] trusted_issuers`."""
    issuers = _roles_file_data(path).get("sign_in", {}).get("trusted_issuers", [])
    return {str(issuer).strip().rstrip("/") for issuer in issuers}


def load_role_rules(path: Path | None = None) -> dict[str, Role]:
    """Rules from the roles file: `[roles] admin = ["a@x.gov.uk"], analyst = ["@x.gov.uk"], ...`."""
    data = _roles_file_data(path).get("roles", {})
    rules = {}
    for role_name, patterns in data.items():
        role = Role[role_name.upper()]
        for pattern in patterns:
            rules[pattern.strip().lower()] = max(role, rules.get(pattern.strip().lower(), role))
    return rules


def load_subgroup_rules(path: Path | None = None) -> dict[str, frozenset[str]]:
    """Analysts' sub-groups from the roles file: `[subgroups] vawg = ["jo@hackney.gov.uk"]`, by address."""
    rules: dict[str, set[str]] = {}
    for subgroup, addresses in _roles_file_data(path).get("subgroups", {}).items():
        for address in addresses:
            rules.setdefault(address.strip().lower(), set()).add(subgroup.strip())
    return {address: frozenset(subgroups) for address, subgroups in rules.items()}


def role_for(email: str, rules: dict[str, Role]) -> Role | None:
    """An exact address wins over its domain (`@hackney.gov.uk`); unknown people get no role."""
    email = email.strip().lower()
    if email in rules:
        return rules[email]
    domain = "@" + email.rsplit("@", 1)[-1] if "@" in email else None
    return rules.get(domain) if domain else None


UNVERIFIED = (
    "your identity provider did not confirm that this e-mail address is yours (email_verified is not true), "
    "so it cannot be given a role"
)
FOREIGN_HOST = (
    "this dashboard runs without sign-in, so it only answers when this computer opens it by its own address "
    "(http://127.0.0.1 or http://localhost); it was asked for by another name"
)


def _verified(claims: Mapping) -> bool:
    return claims.get("email_verified") in (True, "true", "True", 1)


def person_from_claims(
    claims: Mapping,
    rules: dict[str, Role],
    trusted_issuers: set[str],
    subgroup_rules: dict[str, frozenset[str]] | None = None,
) -> Person:
    """The signed-in person: a role only for an e-mail address the provider vouches for, and the
    sub-groups the roles file gives them (read from it when `subgroup_rules` is not given)."""
    email = str(claims.get("email") or "").strip()
    issuer = str(claims.get("iss") or "").strip().rstrip("/")
    if not (_verified(claims) or (issuer and issuer in trusted_issuers)):
        return Person(email, None, why_not=UNVERIFIED)
    subgroups = (load_subgroup_rules() if subgroup_rules is None else subgroup_rules).get(email.lower())
    return Person(email, role_for(email, rules), subgroups=subgroups)


def _loopback_name(hostname: str | None) -> bool:
    return (hostname or "").lower().rstrip(".") in LOOPBACK


def loopback_request(host: str | None, origin: str | None) -> bool:
    """True when the browser asked for this server by a loopback name: Host (and Origin, if sent)."""
    try:
        host_ok = host is None or _loopback_name(urlsplit(f"//{host}").hostname)
        origin_ok = origin is None or _loopback_name(urlsplit(origin).hostname)
    except ValueError:
        return False
    return host_ok and origin_ok


def local_person(server_address: str | None, host: str | None = None, origin: str | None = None) -> Person:
    """No sign-in configured: admin on a loopback address asked for by a loopback name, read-only on
    any other address, and nobody at all when a loopback server is asked for by another name."""
    address = (server_address or "").strip()
    if address in LOOPBACK:
        if not loopback_request(host, origin):
            return Person("", None, local=True, why_not=FOREIGN_HOST)
        return Person("local administrator", Role.ADMIN, local=True)
    return Person("anonymous (read-only)", Role.VIEWER, local=True)
