"""The keys that seal the audit trail: secrets the database does not hold, rotated by adding one.

Every audit event carries an HMAC-SHA256 of its canonical text under one of these keys, and the id
of that key. Someone who can write to the database but does not hold the key cannot forge, edit or
re-chain an event without `verify` seeing it. The key file is kept by the operator outside the
database (README, "Audit trail"): one key a line, `<id> <hex secret>`; the last line is the key new
events are sealed with, the earlier ones stay to verify the events sealed before a rotation.

The application's sessions carry the keys in `session.info` (the composition root puts them there),
so that every writer of the trail seals with them without a parameter on each call. Sessions made
without keys seal with `UNKEYED`, a key everyone knows: fine for tests and tools, and refused by
`verify` as soon as it is given the agency's real keys.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

#: Where a session keeps the keys its writers seal audit events with.
SESSION_KEYS = "directive_flow_audit_keys"
_BLOCK = 64  # SHA-256's block size, for HMAC's inner and outer pads


@dataclass(frozen=True)
class AuditKeys:
    """The keys known to this process (by id) and the id of the one new events are sealed with."""

    keys: Mapping[str, bytes]
    current: str

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValueError(f"the current audit key {self.current!r} is not among the keys")

    def __repr__(self) -> str:
        return f"AuditKeys(ids={sorted(self.keys)}, current={self.current!r})"

    def seal(self, body: bytes, key_id: str | None = None) -> str:
        """The HMAC-SHA256 (hex) of `body` under a key (the current one by default)."""
        return hmac.new(self.keys[key_id or self.current], body, hashlib.sha256).hexdigest()

    def sealer(self, key_id: str) -> Callable[[bytes], str] | None:
        """A fast HMAC under one key for many bodies (pads hashed once), or None for a key not held."""
        key = self.keys.get(key_id)
        if key is None:
            return None
        key = hashlib.sha256(key).digest() if len(key) > _BLOCK else key.ljust(_BLOCK, b"\0")
        inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

        def seal(body: bytes) -> str:
            step = inner.copy()
            step.update(body)
            last = outer.copy()
            last.update(step.digest())
            return last.hexdigest()

        return seal


#: A key everyone knows, for sessions built without the agency's keys (tests, throw-away tools).
UNKEYED = AuditKeys({"unkeyed": b""}, "unkeyed")


def keys_of(session: Session) -> AuditKeys:
    """The keys a session's writers seal with (UNKEYED when it was made without any)."""
    keys = session.info.get(SESSION_KEYS)
    return keys if isinstance(keys, AuditKeys) else UNKEYED


def read_key_file(path: Path) -> AuditKeys:
    """The keys of a key file; the last one seals new events."""
    keys: dict[str, bytes] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            key_id, secret = line.split()
            keys[key_id] = bytes.fromhex(secret)
        except ValueError as exc:
            raise ValueError(f"{path.name}, line {number}: expected '<key id> <hex secret>'") from exc
        current = key_id
    if not keys:
        raise ValueError(f"{path.name} holds no audit key")
    return AuditKeys(keys, current)


def ensure_key_file(path: Path) -> tuple[AuditKeys, bool]:
    """The keys of the file, creating it with one new key if there is none yet; and whether it was created.

    Several processes may start at once: the file is written aside and linked into place, so that
    exactly one new key wins and every process reads that one.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        draft.write_text(_key_line(_new_id({})), encoding="utf-8")
        draft.chmod(0o600)
        try:
            os.link(draft, path)
            return read_key_file(path), True
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return read_key_file(path), False


def rotate_key_file(path: Path) -> str:
    """Add a new key to the file, which seals events from now on (the older ones still verify); its id."""
    keys = read_key_file(path)
    key_id = _new_id(keys.keys)
    ends_a_line = path.read_bytes().endswith(b"\n")
    with path.open("a", encoding="utf-8") as file:
        file.write(("" if ends_a_line else "\n") + _key_line(key_id))
        file.flush()
        os.fsync(file.fileno())
    return key_id


def _new_id(taken: Mapping[str, bytes]) -> str:
    # Random rather than counted: a key file lost and made again never reuses an id, so the events
    # sealed with the lost key are named as such instead of failing their seal one by one.
    while (key_id := f"k{secrets.token_hex(4)}") in taken:
        pass
    return key_id


def _key_line(key_id: str) -> str:
    return f"{key_id} {secrets.token_hex(32)}\n"
