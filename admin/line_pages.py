"""A line's pages: its coming fortnight as a grid and its week as the editor,
closures and the emergency switch as forms, deleting it, and one queue's hours
applied to several lines at once. Deleting, the switch and removing a closure
go through a confirmation page that says what callers will get."""
from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from admin.entry_form import (
    ALL,
    QUEUES,
    day_field,
    field_errors,
    from_form,
    parsed_hours,
    to_form,
    week_spec,
)
from admin.page_support import clock, confirm_page, confirmed, reason, tables
from admin.readable import closure_text, instant_text, phone, queues_text, texts_text
from admin.week_view import columns, coming_days
from countries.store import Conflict
from routing.lookup import line_for
from routing.model import DAYS, Line
from routing.table import TableError
from web.sessions import ADMIN_KEY

bp = Blueprint("lines", __name__)

# The European Economic Area: the EU's 27 members, Iceland, Liechtenstein and Norway.
EEA = frozenset({"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
                 "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"})


def in_eea(line: Line) -> bool:
    """A line for an EEA country, or one whose markets are all in the EEA."""
    return line.id in EEA or bool(line.markets) and set(line.markets) <= EEA


def _author() -> str:
    return session[ADMIN_KEY]


def _entry(line_id: str) -> tuple[int, dict | None, Line | None]:
    version, table = tables().current()
    return version, tables().document(version)["lines"].get(line_id), table.line(line_id)


def _no_line(line_id: str):
    return render_template("admin/message.html", title="No such line", message=f"There is no line {line_id}."), 404


@bp.route("/lines/<line_id>", methods=["GET", "POST"])
def line_page(line_id: str):
    version, entry, line = _entry(line_id)
    if request.method == "GET":
        if entry is None and request.args.get("new") is None:
            return _no_line(line_id)
        return _line_page(line_id, line, to_form(entry or {}), {}, version, entry is None)
    errors: dict[str, str] = {}
    submitted = from_form(request.form, entry or {}, errors)
    expected = _int(request.form.get("version"))
    if not errors:
        try:
            new = tables().put_entry(line_id, submitted, author=_author(), expected=expected)
            flash(f"Saved {line_id} as version {new}." if new != expected else f"Nothing changed in {line_id}; no new version.")
            return redirect(url_for("admin_pages.lines.line_page", line_id=line_id))
        except Conflict as conflict:
            errors["form"] = (f"Someone else changed the table (now version {conflict.current}) since you opened this form. "
                              "Reload to see their change, then make yours again.")
        except TableError as error:
            errors.update(field_errors(line_id, error.by_field()))
    return _line_page(line_id, line, request.form, errors, expected, entry is None, status=400)


def _line_page(line_id: str, line: Line | None, form, errors: dict, version: int, is_new: bool, status: int = 200):
    days, cols, local = [], [], None
    if line is not None:
        local = clock().astimezone(ZoneInfo(line.timezone))
        days, cols = coming_days(line, local.date()), columns(line)
    weeks = {queue: [key for key in form.get(f"{queue}_weeks", ALL).split(",") if key] or [ALL] for queue in QUEUES}
    return render_template("admin/line.html", line_id=line_id, line=line, form=form, errors=errors, version=version,
                           is_new=is_new, days=days, columns=cols, local_time=instant_text(local) if local else None,
                           today=DAYS[local.weekday()] if local else None, weeks=weeks, day_field=day_field, DAYS=DAYS,
                           queues=QUEUES, emergency=_emergency_of(line_id)), status


def _emergency_of(line_id: str) -> dict | None:
    entry = tables().document()["lines"].get(line_id) or {}
    return entry.get("emergency")


@bp.post("/lines/<line_id>/delete")
def delete_line(line_id: str):
    version, entry, line = _entry(line_id)
    if entry is None:
        return _no_line(line_id)
    if not confirmed():
        document = tables().document(version)
        remaining = {**document, "lines": {key: value for key, value in document["lines"].items() if key != line_id}}
        try:
            after = tables().validate(remaining)
        except TableError as error:
            flash(f"{line_id} cannot be deleted: {error}")
            return redirect(url_for("admin_pages.lines.line_page", line_id=line_id))
        consequences = [f"Calls to {phone(number)} will be answered by {match.name} ({match.id}) instead, with its languages and hours."
                        for number in line.numbers for match in [line_for(after, number, "").line]]
        return confirm_page(title=f"Delete {line.name} ({line_id})?", consequences=consequences,
                            confirm_label=f"Yes, delete {line_id}",
                            cancel_url=url_for("admin_pages.lines.line_page", line_id=line_id))
    try:
        new = tables().delete_entry(line_id, author=_author(), expected=_int(request.form.get("version")))
        flash(f"Deleted {line_id}; the table is now version {new}.")
    except (Conflict, TableError, KeyError) as error:
        flash(f"Not deleted: {reason(error)}")
    return redirect(url_for("admin_pages.overview"))


# -- closures ------------------------------------------------------------------

@bp.route("/lines/<line_id>/closures", methods=["GET", "POST"])
def closures(line_id: str):
    version, entry, line = _entry(line_id)
    if entry is None:
        return _no_line(line_id)
    errors: dict[str, str] = {}
    form = request.form if request.method == "POST" else {"kind": "whole", **{f"queue-{q.queue.value}": "on" for q in line.queues}}
    if request.method == "POST":
        closure = closure_from_form(request.form, line, errors)
        if not errors:
            index = len(entry.get("closures") or [])
            try:
                new = tables().edit_entry(line_id, lambda current: {**current, "closures": [*(current.get("closures") or []), closure]},
                                          author=_author(), action=f"closure added to {line_id}",
                                          expected=_int(request.form.get("version")))
                flash(f"Closure added to {line_id}: {closure_text(closure)}. The table is now version {new}.")
                return redirect(url_for("admin_pages.lines.closures", line_id=line_id))
            except Conflict as error:
                errors["form"] = reason(error)
            except TableError as error:
                errors.update(_closure_errors(line_id, index, error.by_field()))
    return render_template("admin/closures.html", line=line, line_id=line_id, entry=entry, version=version, form=form,
                           errors=errors, closures=[closure_text(item) for item in entry.get("closures") or []],
                           languages=_languages(line)), 400 if errors else 200


def closure_from_form(form, line: Line, errors: dict[str, str]) -> dict:
    """The closure the form describes, in the table's shape; missing or impossible fields noted in `errors`."""
    first, last = _date(form.get("date_from"), "date_from", errors), form.get("date_to", "").strip()
    closure: dict = {}
    if form.get("kind") == "part":
        start, end = form.get("start", "").strip(), form.get("end", "").strip()
        for name, value in (("start", start), ("end", end)):
            if not _is_time(value):
                errors[name] = "give a time, e.g. 12:00"
        if first and not errors:
            end_day = first + timedelta(days=1) if end == "00:00" else first
            if end != "00:00" and end <= start:
                errors["end"] = "must be after the start (00:00 means midnight at the end of the day)"
            closure = {"from": f"{first.isoformat()} {start}", "to": f"{end_day.isoformat()} {end}"}
    elif first:
        to = _date(last, "date_to", errors) if last else None
        if to is not None and to < first:
            errors["date_to"] = "must be on or after the first day"
        closure = {"date": first.isoformat()} if to is None or to == first else {"from": first.isoformat(), "to": to.isoformat()}
    reasons = {language: form.get(f"reason-{language}", "").strip() for language in _languages(line)}
    if any(reasons.values()):
        closure["reason"] = {language: text for language, text in reasons.items() if text}
    chosen = _queues(form, line, errors)
    if chosen is not None:
        closure["queues"] = chosen
    if form.get("yearly"):
        closure["yearly"] = True
    return closure


def _closure_errors(line_id: str, index: int, by_field: dict[str, str]) -> dict[str, str]:
    prefix = f"{line_id}.closures[{index}]"
    names = {"date": "date_from", "from": "date_from", "to": "date_to", "queues": "queues", "reason": "reason-en", "yearly": "yearly"}
    mapped = {}
    for key, message in by_field.items():
        field = key.removeprefix(prefix).lstrip(".").split(".")[0] if key.startswith(prefix) else ""
        mapped[names.get(field, "form")] = message
    return mapped


@bp.post("/lines/<line_id>/closures/remove")
def remove_closure(line_id: str):
    _, entry, line = _entry(line_id)
    items = (entry or {}).get("closures") or []
    index = _int(request.form.get("index"), -1)
    if entry is None or not 0 <= index < len(items):
        flash("Not removed: that closure is no longer there.")
        return redirect(url_for("admin_pages.lines.closures", line_id=line_id))
    text = closure_text(items[index])
    if not confirmed():
        return confirm_page(title="Remove this closure?",
                            consequences=[f"{text}.", f"Callers to {_numbers(line)} will be served by the usual hours then."],
                            confirm_label="Yes, remove the closure",
                            cancel_url=url_for("admin_pages.lines.closures", line_id=line_id))
    try:
        new = tables().edit_entry(line_id, lambda current: _without_closure(current, items[index]), author=_author(),
                                  action=f"closure removed from {line_id}", expected=_int(request.form.get("version")))
        flash(f"Closure removed ({text}); the table is now version {new}.")
    except (Conflict, TableError, KeyError) as error:
        flash(f"Not removed: {reason(error)}")
    return redirect(url_for("admin_pages.lines.closures", line_id=line_id))


def _without_closure(entry: dict, closure: dict) -> dict:
    remaining = [item for item in entry.get("closures") or [] if item != closure]
    return {key: value for key, value in entry.items() if key != "closures"} | ({"closures": remaining} if remaining else {})


# -- the emergency switch ------------------------------------------------------

@bp.route("/lines/<line_id>/emergency", methods=["GET", "POST"])
def emergency(line_id: str):
    version, entry, line = _entry(line_id)
    if entry is None:
        return _no_line(line_id)
    switch = entry.get("emergency")
    errors: dict[str, str] = {}
    if request.method == "GET":
        form = {f"queue-{q.queue.value}": "on" for q in line.queues}
        if switch:
            form.update({f"message-{language}": text for language, text in _as_texts(switch.get("message")).items()})
            if switch.get("queues"):
                form = {**{key: value for key, value in form.items() if not key.startswith("queue-")},
                        **{f"queue-{queue}": "on" for queue in switch["queues"]}}
        return _emergency_page(line, entry, version, form, errors)
    turning_on = request.form.get("action") == "on"
    if turning_on:
        messages = {language: request.form.get(f"message-{language}", "").strip() for language in _languages(line)}
        messages = {language: text for language, text in messages.items() if text}
        if not messages:
            errors["message-en"] = "write what callers will hear, in at least one language"
        new_switch: dict = {"message": messages}
        chosen = _queues(request.form, line, errors)
        if chosen is not None:
            new_switch["queues"] = chosen
        if errors:
            return _emergency_page(line, entry, version, request.form, errors, status=400)
        if not confirmed():
            heard = messages.get("en") or next(iter(messages.values()))
            who = f"Callers to {_numbers(line)}" + (f" who choose {queues_text(chosen)}" if chosen else "")
            consequences = [f"{who} will hear “{heard}” from now on, instead of being queued, until the switch is turned off."]
            others = [f"In {language}: “{text}”" for language, text in messages.items() if text != heard]
            return confirm_page(title=f"Turn the emergency switch on for {line.name}?", consequences=consequences + others,
                                confirm_label="Yes, turn the switch on",
                                cancel_url=url_for("admin_pages.lines.emergency", line_id=line_id))
        edit, action, done = (lambda current: {**current, "emergency": new_switch}), f"emergency on {line_id}", "on"
    else:
        if not switch:
            flash("The emergency switch is off already.")
            return redirect(url_for("admin_pages.lines.emergency", line_id=line_id))
        if not confirmed():
            return confirm_page(title=f"Turn the emergency switch off for {line.name}?",
                                consequences=[f"Callers to {_numbers(line)} will be queued again as the hours allow, from now on; "
                                              f"they will no longer hear {texts_text(switch.get('message'))}."],
                                confirm_label="Yes, turn the switch off",
                                cancel_url=url_for("admin_pages.lines.emergency", line_id=line_id))
        edit = lambda current: {key: value for key, value in current.items() if key != "emergency"}
        action, done = f"emergency off {line_id}", "off"
    try:
        new = tables().edit_entry(line_id, edit, author=_author(), action=action, expected=_int(request.form.get("version")))
        flash(f"The emergency switch for {line.name} is {done}; the table is now version {new}.")
        return redirect(url_for("admin_pages.lines.emergency", line_id=line_id))
    except Conflict as error:
        errors["form"] = reason(error)
    except TableError as error:
        errors["form"] = str(error)
    return _emergency_page(line, entry, version, request.form, errors, status=400)


def _emergency_page(line: Line, entry: dict, version: int, form, errors: dict, status: int = 200):
    return render_template("admin/emergency.html", line=line, line_id=line.id, switch=entry.get("emergency"), version=version,
                           form=form, errors=errors, languages=_languages(line)), status


# -- one queue's hours on several lines ------------------------------------------

BULK = "bulk"


@bp.route("/bulk-hours", methods=["GET", "POST"])
def bulk_hours():
    version, table = tables().current()
    errors: dict[str, str] = {}
    if request.method == "GET":
        queue = request.args.get("queue", "billing") if request.args.get("queue") in QUEUES else "billing"
        chosen = [line.id for line in table.lines if in_eea(line)] if request.args.get("preset") == "eea" else []
        form = {"queue": queue, **{f"line-{line_id}": "on" for line_id in chosen}, **_week_form(queue, chosen)}
        return _bulk_page(table, version, form, errors)
    form = request.form
    queue = form.get("queue", "")
    if queue not in QUEUES:
        errors["queue"] = "choose a queue"
    chosen = [line.id for line in table.lines if form.get(f"line-{line.id}")]
    if not chosen:
        errors["lines"] = "choose at least one line"
    spec = None
    if not errors:
        week_errors: dict[str, str] = {}
        spec = week_spec(form, BULK, ALL, None, week_errors)
        errors.update({key.replace(f"{BULK}_hours", "week"): message for key, message in week_errors.items()})
        document = tables().document(version)
        for line_id in chosen:
            config = (document["lines"][line_id].get("queues") or {}).get(queue)
            if config is None:
                errors["lines"] = f"{line_id} has no {queue} queue; untick it or add the queue on its page"
            elif isinstance(config.get("hours"), dict):
                errors["lines"] = f"{line_id} has {queue} hours per severity; edit them on its page"
    if errors:
        return _bulk_page(table, version, form, errors, status=400)

    def change(document: dict) -> dict:
        lines = dict(document["lines"])
        for line_id in chosen:
            entry = lines[line_id]
            config = dict(entry["queues"][queue])
            config["hours"] = _same_or(config.get("hours"), spec)
            lines[line_id] = {**entry, "queues": {**entry["queues"], queue: config}}
        return {**document, "lines": lines}

    try:
        new = tables().write(change, author=_author(), action=f"{queue} hours for {', '.join(chosen)}",
                             expected=_int(form.get("version")))
    except Conflict as error:
        errors["form"] = reason(error)
    except TableError as error:
        errors["form"] = str(error)
    else:
        flash(f"{queue.capitalize()} hours set on {', '.join(chosen)} in version {new}." if new != _int(form.get("version"))
              else f"Those lines already have these {queue} hours; nothing changed.")
        return redirect(url_for("admin_pages.history"))
    return _bulk_page(table, version, form, errors, status=400)


def _same_or(old: object, new: object) -> object:
    """Keep a line's own spelling of its hours when they are the same hours."""
    before, after = parsed_hours(old), parsed_hours(new)
    return old if before is not None and after is not None and before.intervals == after.intervals else new


def _week_form(queue: str, chosen: list[str]) -> dict[str, str]:
    """The day fields pre-filled from the first chosen line's hours for `queue` (or office hours)."""
    document = tables().document()
    for line_id in chosen:
        config = (document["lines"][line_id].get("queues") or {}).get(queue)
        if config and not isinstance(config.get("hours"), dict):
            week = to_form({"queues": {queue: config}})
            return {day_field(BULK, ALL, day): week[day_field(queue, ALL, day)] for day in DAYS}
    return {day_field(BULK, ALL, day): "09:00-17:00" if index < 5 else "" for index, day in enumerate(DAYS)}


def _bulk_page(table, version: int, form, errors: dict, status: int = 200):
    return render_template("admin/bulk_hours.html", lines=table.lines, eea={line.id for line in table.lines if in_eea(line)},
                           version=version, form=form, errors=errors, queues=QUEUES, day_field=day_field, DAYS=DAYS,
                           bulk=BULK, all_key=ALL), status


# -- small helpers ---------------------------------------------------------------

def _languages(line: Line) -> list[str]:
    """The primary languages admins write texts in for a line: its own, and English (the fallback)."""
    languages = [language.split("-")[0] for language in line.languages]
    return list(dict.fromkeys([*languages, "en"]))


def _queues(form, line: Line, errors: dict[str, str]) -> list[str] | None:
    """The queues ticked; None when all of the line's are (the table's default: every queue)."""
    offered = [config.queue.value for config in line.queues]
    ticked = [queue for queue in offered if form.get(f"queue-{queue}")]
    if not ticked:
        errors["queues"] = "tick at least one queue"
        return None
    return None if ticked == offered else ticked


def _numbers(line: Line) -> str:
    numbers = [phone(number) for number in line.numbers]
    return numbers[0] if len(numbers) == 1 else f"{', '.join(numbers[:-1])} and {numbers[-1]}"


def _as_texts(value: object) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(key).split("-")[0]: str(text) for key, text in value.items()}
    return {"en": str(value)} if value else {}


def _date(value: object, name: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors[name] = "choose a date"
        return None


def _is_time(value: str) -> bool:
    return len(value) == 5 and value[2] == ":" and value[:2].isdigit() and value[3:].isdigit() \
        and int(value[:2]) < 24 and int(value[3:]) < 60


def _int(value: object, default: int = 0) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else default
