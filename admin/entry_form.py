"""An entry of the country table as an HTML form and back.

Lists are one item per line. A queue's hours are a week of day fields
("09:00-17:00", several ranges separated by commas, empty for closed), one
week per severity where the queue has hours per severity; they become the
table's compact spec ("Mon-Fri 09:00-17:00"), and the admin's own spec is kept
when the week is unchanged, so an unchanged save changes nothing. Closures and
the emergency switch have forms of their own and are carried over untouched.
Validation errors from the table rules (`SE.queues.billing.hours`) are mapped
back to the form field they belong to.
"""
from __future__ import annotations

from admin.readable import clock
from routing.hours_spec import HoursError, parse_hours, union
from routing.model import DAYS, Queue, Severity, WeeklyHours

LIST_FIELDS = ("numbers", "shared", "languages", "markets")
QUEUES = tuple(queue.value for queue in Queue)
ALL = "all"  # the key of a queue's week when it has no hours per severity


def day_field(queue: str, key: str, day: str) -> str:
    return f"hours-{queue}-{key}-{day}"


def week_keys(entry: dict, queue: str) -> list[str]:
    """"all", or the severities the queue's hours are given for (A, B, C)."""
    hours = ((entry.get("queues") or {}).get(queue) or {}).get("hours")
    return [str(key) for key in hours] if isinstance(hours, dict) else [ALL]


def to_form(entry: dict) -> dict[str, str]:
    form = {"name": entry.get("name", ""), "timezone": entry.get("timezone", ""), "holidays": entry.get("holidays", "")}
    for field in LIST_FIELDS:
        form[field] = "\n".join(entry.get(field, []))
    for queue in QUEUES:
        config = (entry.get("queues") or {}).get(queue)
        form[f"{queue}_enabled"] = "on" if config else ""
        form[f"{queue}_languages"] = "\n".join(config.get("languages", [])) if config else ""
        form[f"{queue}_weeks"] = ",".join(week_keys(entry, queue))
        hours = (config or {}).get("hours")
        for key in week_keys(entry, queue):
            spec = hours.get(key) if isinstance(hours, dict) else hours
            week = parsed_hours(spec)
            for index, day in enumerate(DAYS):
                form[day_field(queue, key, day)] = ", ".join(
                    f"{clock(i.start)}-{clock(i.end)}" for i in (week.intervals if week else ()) if i.weekday == index)
    return form


def from_form(form, previous: dict, errors: dict[str, str]) -> dict:
    """The entry the form describes; day fields that do not parse are noted in `errors` by field name."""
    entry: dict = {"name": form.get("name", "").strip(), "timezone": form.get("timezone", "").strip()}
    for field in LIST_FIELDS:
        items = _lines(form.get(field, ""))
        if items or field in ("numbers", "languages"):
            entry[field] = items
    if form.get("holidays", "").strip():
        entry["holidays"] = form["holidays"].strip()
    queues = {}
    for queue in QUEUES:
        if not form.get(f"{queue}_enabled"):
            continue
        old_config = (previous.get("queues") or {}).get(queue) or {}
        old_hours = old_config.get("hours")
        keys = [key for key in form.get(f"{queue}_weeks", ALL).split(",") if key == ALL or key in Severity.__members__]
        weeks = {}
        for key in keys or [ALL]:
            old_spec = old_hours.get(key) if isinstance(old_hours, dict) else (old_hours if key == ALL else None)
            weeks[key] = week_spec(form, queue, key, old_spec, errors)
        config: dict = {"hours": weeks[ALL] if list(weeks) == [ALL] else weeks}
        languages = _lines(form.get(f"{queue}_languages", ""))
        if languages:
            config["languages"] = languages
        queues[queue] = config
    entry["queues"] = queues
    for block in ("closures", "emergency"):
        if block in previous:
            entry[block] = previous[block]
    return entry


def field_errors(line_id: str, by_field: dict[str, str]) -> dict[str, str]:
    """`SE.queues.billing.hours` -> `billing_hours`; `SE.numbers[1]` -> `numbers`; others under `form`."""
    mapped: dict[str, str] = {}
    for key, message in by_field.items():
        path = key.removeprefix(f"{line_id}.") if key.startswith(f"{line_id}.") else key
        parts = path.replace("[", ".").split(".")
        if parts[0] == "queues" and len(parts) > 2 and parts[1] in QUEUES:
            name = f"{parts[1]}_{'languages' if parts[2] == 'languages' else 'hours'}"
        elif parts[0] == "queues":
            name = "technical_hours"
        elif parts[0] in ("name", "timezone", "holidays", *LIST_FIELDS):
            name = parts[0]
        else:
            name = "form"
        mapped[name] = f"{mapped[name]}; {message}" if name in mapped else message
    return mapped


def week_spec(form, queue: str, key: str, old_spec: object, errors: dict[str, str]):
    """The spec for one week of day fields, or the old spec when the week is the same."""
    parts = []
    for day in DAYS:
        name = day_field(queue, key, day)
        ranges = [item.strip().replace("–", "-").replace(" ", "") for item in form.get(name, "").split(",") if item.strip()]
        day_parts = [f"{day} {item}" for item in ranges]
        try:
            if day_parts:
                parse_hours(day_parts)
        except HoursError as error:
            errors[name] = _day_problem(str(error))
            continue
        parts += day_parts
    if not parts:
        errors.setdefault(f"{queue}_hours", "give at least one day's hours, e.g. 09:00-17:00, or untick the queue")
        return old_spec if old_spec is not None else []
    if any(name.startswith(f"hours-{queue}-{key}-") for name in errors):
        return parts
    week = union(parse_hours(parts))
    old = parsed_hours(old_spec)
    if old is not None and old.intervals == week.intervals:
        return old_spec
    return week.spec[0] if len(week.spec) == 1 else list(week.spec)


def _day_problem(message: str) -> str:
    if "overlap" in message or "twice" in message:
        return "the ranges overlap; give each time of day once"
    if "not after" in message:
        return "a range must end after it starts (an overnight range ends at 24:00 and starts again at 00:00 the next day)"
    return "write a range as HH:MM-HH:MM, e.g. 09:00-17:00, several separated by commas"


def parsed_hours(spec: object) -> WeeklyHours | None:
    try:
        return parse_hours(spec) if spec is not None else None
    except HoursError:
        return None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]
