"""The audit key file: made once with owner-only access, read back the same, rotated by adding a key."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.audit_keys import ensure_key_file, read_key_file, rotate_key_file


def test_the_key_file_is_made_once_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    """The first start makes one 32-byte key; later starts read the same one."""
    path = tmp_path / "keys" / "audit-keys"
    made, created = ensure_key_file(path)
    again, created_again = ensure_key_file(path)
    assert (created, created_again) == (True, False)
    assert again == made and len(made.keys[made.current]) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert list(path.parent.iterdir()) == [path]  # no draft left beside it
    assert made.keys[made.current].hex() not in repr(made)  # logs and tracebacks never show a key


def test_rotation_adds_a_key_that_seals_and_keeps_the_old_ones(tmp_path: Path) -> None:
    """After rotation the new key is current; the old one still verifies what it sealed."""
    path = tmp_path / "audit-keys"
    old, _ = ensure_key_file(path)
    sealed = old.seal(b"event")
    new_id = rotate_key_file(path)
    keys = read_key_file(path)
    assert keys.current == new_id != old.current
    assert keys.seal(b"event", old.current) == sealed
    sealer = keys.sealer(old.current)
    assert sealer is not None and sealer(b"event") == sealed
    assert keys.sealer("elsewhere") is None


@pytest.mark.parametrize("text", ["", "# only a comment\n", "k1 not-hex\n", "k1\n"])
def test_a_key_file_without_a_usable_key_is_refused(tmp_path: Path, text: str) -> None:
    """An empty or garbled key file stops the start, naming the file (and line)."""
    path = tmp_path / "audit-keys"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="audit-keys"):
        read_key_file(path)
