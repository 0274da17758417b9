"""Read an entry's queues: which ones it has, their hours (one spec, or one per
severity) and the languages agents speak in each."""
from __future__ import annotations

from routing.hours_spec import HoursError, parse_hours, union
from routing.model import HIGHEST_SEVERITY, Queue, QueueConfig, Severity, WeeklyHours
from routing.table_fields import Add, member_of, string_items, unknown_keys

SeverityHours = tuple[tuple[Severity, WeeklyHours], ...]

_QUEUE_KEYS = ("hours", "languages")
_CLOSED = WeeklyHours((), ())


def read_queues(value: object, languages: tuple[str, ...], add: Add) -> tuple[QueueConfig, ...]:
    """The queues of a line speaking `languages`, in file order; technical is required."""
    if not isinstance(value, dict) or Queue.TECHNICAL.value not in value:
        add("queues", "must be a mapping of queues that includes technical")
    if not isinstance(value, dict):
        return ()
    configs = []
    for name, data in value.items():
        field = f"queues.{name}"
        if name not in {queue.value for queue in Queue}:
            add(field, f"unknown queue; expected one of {', '.join(queue.value for queue in Queue)}")
        elif not isinstance(data, dict):
            add(field, "must be a mapping with hours")
        else:
            unknown_keys(data, _QUEUE_KEYS, field, add)
            queue = Queue(name)
            hours, severity_hours = _queue_hours(queue, data.get("hours"), f"{field}.hours", add)
            queue_languages = ()
            if "languages" in data:
                line_languages = member_of(languages, f"the line's languages ({', '.join(languages)})")
                queue_languages = string_items(data["languages"], f"{field}.languages", add, line_languages)
            configs.append(QueueConfig(queue, hours, severity_hours, queue_languages))
    return tuple(configs)


def _queue_hours(queue: Queue, value: object, field: str, add: Add) -> tuple[WeeklyHours, SeverityHours]:
    """A queue's hours; given per severity, they are also merged into hours for the whole queue."""
    if not isinstance(value, dict):
        return _hours(value, field, add), ()
    expected = _severities(queue)
    given = ", ".join(map(str, value)) or "none"
    if not expected:
        add(field, f"{queue.value} has no severities; give one hours value")
    elif sorted(map(str, value)) != expected:
        add(field, f"needs one hours value for each of the severities {', '.join(expected)}, got {given}")
    severity_hours = tuple(
        (Severity(key), _hours(spec, f"{field}.{key}", add)) for key, spec in value.items() if key in expected
    )
    return union(*(hours for _, hours in severity_hours)), severity_hours


def _severities(queue: Queue) -> list[str]:
    """The severities a queue takes: its highest and every lower one."""
    if queue not in HIGHEST_SEVERITY:
        return []
    ranked = [severity.value for severity in Severity]
    return ranked[ranked.index(HIGHEST_SEVERITY[queue]):]


def _hours(spec: object, field: str, add: Add) -> WeeklyHours:
    if spec is None:
        add(field, "is required")
        return _CLOSED
    try:
        return parse_hours(spec)
    except HoursError as exc:
        add(field, str(exc))
        return _CLOSED
