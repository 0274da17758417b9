"""Read what admins put on top of the weekly hours: closures and the emergency
switch on an entry, and service-health notices for the whole table."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from routing.model import Closure, Notice, Queue
from routing.table_fields import Add, unknown_keys

_CLOSURE_KEYS = ("date", "from", "to", "reason", "queues", "yearly")
_EMERGENCY_KEYS = ("queues", "message")
_NOTICE_KEYS = ("id", "text", "lines", "from", "to")
SWITCHED_ON = datetime(1970, 1, 1)  # an emergency closure runs from "always" until switched off


def read_closures(value: object, add: Add) -> tuple[Closure, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        add("closures", "must be a list")
        return ()
    closures = []
    for index, data in enumerate(value):
        field = f"closures[{index}]"
        if not isinstance(data, dict):
            add(field, "must be a mapping with date, or from and to")
            continue
        unknown_keys(data, _CLOSURE_KEYS, field, add)
        span = _span(data, field, add)
        messages = _texts(data.get("reason", ""), f"{field}.reason", add)
        if span is not None:
            closures.append(Closure(span[0], span[1], dict(messages).get("en", ""), _queues(data.get("queues"), field, add),
                                    data.get("yearly") is True, messages))
        if "yearly" in data and not isinstance(data["yearly"], bool):
            add(f"{field}.yearly", "must be true or false")
    return tuple(closures)


def read_emergency(value: object, add: Add) -> tuple[Closure, ...]:
    """The emergency switch: present means on, closing the queues it names (all by default) now."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        add("emergency", "must be a mapping with message and optional queues")
        return ()
    unknown_keys(value, _EMERGENCY_KEYS, "emergency", add)
    messages = _texts(value.get("message"), "emergency.message", add)
    if not messages:
        add("emergency.message", "is required: callers must hear why the line is closed")
    return (Closure(SWITCHED_ON, None, "emergency", _queues(value.get("queues"), "emergency", add), False, messages),)


def read_notices(value: object, line_ids: set[str], add: Add) -> tuple[Notice, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        add("notices", "must be a list")
        return ()
    notices, seen = [], set()
    for index, data in enumerate(value):
        field = f"notices[{index}]"
        if not isinstance(data, dict):
            add(field, "must be a mapping with id, text, from and to")
            continue
        unknown_keys(data, _NOTICE_KEYS, field, add)
        notice_id = data.get("id")
        if not isinstance(notice_id, str) or not notice_id or notice_id in seen:
            add(f"{field}.id", "must be a text unique among the notices")
        seen.add(notice_id)
        texts = _texts(data.get("text"), f"{field}.text", add)
        if not texts:
            add(f"{field}.text", "is required")
        lines = data.get("lines", [])
        if not isinstance(lines, list) or any(not isinstance(line, str) or line not in line_ids for line in lines):
            add(f"{field}.lines", f"must list entries of this table ({', '.join(sorted(line_ids))})")
            lines = []
        starts, ends = _instant(data.get("from"), f"{field}.from", add), _instant(data.get("to"), f"{field}.to", add)
        if starts and ends and ends <= starts:
            add(f"{field}.to", "must be after from")
        elif starts and ends and texts and isinstance(notice_id, str):
            notices.append(Notice(notice_id, texts, starts, ends, tuple(lines)))
    return tuple(notices)


def _span(data: dict, field: str, add: Add) -> tuple[datetime, datetime] | None:
    """`date` (one whole day), or `from` and `to` (a date, through its end, or a local date and time)."""
    if "date" in data:
        day = _local(data["date"], f"{field}.date", add, dates_only=True)
        return (day, day + timedelta(days=1)) if day else None
    start = _local(data.get("from"), f"{field}.from", add)
    end = _local(data.get("to"), f"{field}.to", add)
    if start is None or end is None:
        return None
    if isinstance(data.get("to"), str) and len(data["to"].strip()) == 10:
        end += timedelta(days=1)  # a date as the end means through that day
    if end <= start:
        add(f"{field}.to", "must be after from")
        return None
    return start, end


def _local(value: object, field: str, add: Add, dates_only: bool = False) -> datetime | None:
    text = value.strip() if isinstance(value, str) else ""
    try:
        if len(text) == 10:
            return datetime.combine(datetime.strptime(text, "%Y-%m-%d").date(), time())
        if not dates_only:
            return datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        pass
    add(field, "must be a local date YYYY-MM-DD" + ("" if dates_only else " or date and time YYYY-MM-DD HH:MM"))
    return None


def _instant(value: object, field: str, add: Add) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        add(field, "must be a date and time with its UTC offset, e.g. 2026-11-24T08:00:00+01:00")
        return None
    return moment


def _texts(value: object, field: str, add: Add) -> tuple[tuple[str, str], ...]:
    """A text for everyone, or a mapping of language to text."""
    if isinstance(value, str):
        return (("en", value),) if value.strip() else ()
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()):
        return tuple((language.split("-")[0].lower(), text) for language, text in value.items())
    if value is not None:
        add(field, "must be a text, or a mapping of language to text")
    return ()


def _queues(value: object, field: str, add: Add) -> frozenset[Queue]:
    if value is None:
        return frozenset()
    names = {queue.value for queue in Queue}
    if not isinstance(value, list) or not value or any(not isinstance(item, str) or item not in names for item in value):
        add(f"{field}.queues", f"must be a non-empty list of {', '.join(sorted(names))}")
        return frozenset()
    return frozenset(Queue(item) for item in value)
