"""Scripts' printed output kept within each owner's daily log quota."""

from __future__ import annotations

from datetime import datetime

from scripts_lib.quotas import log_bytes_today, script_limits_many

_LOG_FULL = "\n[daily log quota reached]"


def log_rooms(*, owner_ids: list[int], now: datetime) -> dict[int, int]:
    """Bytes each owner may still store today."""
    rooms = {owner: limits.log_bytes_per_day for owner, limits in
             script_limits_many(user_ids=owner_ids).items()}
    for owner, used in log_bytes_today(user_ids=owner_ids, now=now).items():
        rooms[owner] -= used
    return rooms


def log_take(text: str, *, rooms: dict[int, int], owner_id: int) -> str:
    """The part of `text` the owner's room still holds ("" when nothing fits); the room shrinks
    by what is taken."""
    output = _clip(text, rooms[owner_id]) if text else ""
    rooms[owner_id] -= len(output.encode())
    return output


def _clip(text: str, room: int) -> str:
    data = text.encode()
    if len(data) <= room:
        return text
    if room <= len(_LOG_FULL):
        return ""
    return data[:room - len(_LOG_FULL)].decode(errors="ignore") + _LOG_FULL
