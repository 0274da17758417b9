"""Hours, times and dates as a caller should hear them, in their language.

The routing layer answers in minutes and datetimes; this turns those into
sentences from the caller's catalogue ("Monday to Friday, from 9 a.m. to
5 p.m., Swedish time").
"""
from __future__ import annotations

from datetime import datetime

from prompts.catalogue import Prompts
from routing.hours_spec import weekly_ranges
from routing.model import MINUTES_PER_DAY, WeeklyHours


def clock_time(prompts: Prompts, minutes: int) -> str:
    """Minutes after local midnight, read the way the language reads a clock."""
    clock = prompts.raw("clock")
    if minutes % MINUTES_PER_DAY == 0 and minutes:
        return clock["midnight"]
    hour, minute = divmod(minutes % MINUTES_PER_DAY, 60)
    period = ""
    if clock["hours"] == 12:
        period = clock["periods"][hour >= 12]
        hour = hour % 12 or 12
    template = clock["with_minutes"] if minute else clock["on_the_hour"]
    return template.format(hour=hour, minute=f"{minute:02d}", period=period).strip()


def zone_name(prompts: Prompts, timezone: str) -> str:
    named = prompts.raw("zones").get(timezone)
    if named:
        return named
    city = timezone.rsplit("/", 1)[-1].replace("_", " ")
    return prompts.raw("zone_fallback").format(city=city)


def day_name(prompts: Prompts, index: int, form: str = "names") -> str:
    """A weekday (0 is Monday) in the form its sentence needs.

    `days` is a list where a language names a day the same way everywhere; a language
    that declines it gives a mapping of forms: `names`, `from` and `to` (a range's ends),
    `on` (a coming day, and in dates), `weekly` (every such day); a missing form is `names`.
    """
    days = prompts.raw("days")
    if isinstance(days, dict):
        return days.get(form, days["names"])[index]
    return days[index]


def describe_hours(prompts: Prompts, queue_label: str, hours: WeeklyHours, timezone: str) -> str:
    """"Billing is open Monday to Friday, from 9 a.m. to 5 p.m., Swedish time."."""
    parts = []
    for first, last, start, end in weekly_ranges(hours):
        if first == 0 and last == 6 and start == 0 and end == MINUTES_PER_DAY:
            parts.append(prompts.raw("hours_always"))
            continue
        if first == 0 and last == 6:  # not "Monday to Sunday"
            day_words = prompts.raw("hours_every_day")
        elif first == last:
            day_words = prompts.raw("hours_day").format(day=day_name(prompts, first, "weekly"))
        else:
            day_words = prompts.raw("hours_days").format(first=day_name(prompts, first, "from"),
                                                         last=day_name(prompts, last, "to"))
        parts.append(
            prompts.raw("hours_range").format(
                days=day_words, start=clock_time(prompts, start), end=clock_time(prompts, end)
            )
        )
    ranges = prompts.raw("hours_join").join(parts)
    return prompts.text("hours", queue=queue_label, ranges=ranges, zone=zone_name(prompts, timezone))


def next_opening(prompts: Prompts, now: datetime, opening: datetime) -> str:
    """"It opens again on Monday at 9 a.m." — both instants in the line's zone."""
    time = clock_time(prompts, opening.hour * 60 + opening.minute)
    days_ahead = (opening.date() - now.date()).days
    if days_ahead == 0:
        return prompts.text("next_today", time=time)
    if days_ahead == 1:
        return prompts.text("next_tomorrow", time=time)
    weekday = day_name(prompts, opening.weekday(), "on")
    if days_ahead < 7:
        return prompts.text("next_weekday", day=weekday, time=time)
    date = prompts.raw("date").format(weekday=weekday, day=opening.day, month=prompts.raw("months")[opening.month - 1])
    return prompts.text("next_date", date=date, time=time)
