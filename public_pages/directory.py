"""The public directory as a reader sees it, in their language: each line's country (CLDR's name, via babel),
its numbers as dialled inside the country and from abroad (phonenumbers), each queue's hours with weekday
and time-zone names from CLDR, its languages by name, whether it is open now, the current notices and what
shuts it in the next 14 days. One structure feeds the page and `/api/numbers`."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from babel import Locale
from babel.dates import format_skeleton, get_timezone, get_timezone_name
from babel.lists import format_list

from public_pages.page_words import PageWords
from routing.hours import is_open, next_opening
from routing.hours_spec import weekly_ranges
from routing.line_calendar import DAYS_AHEAD, Shut, shut_ahead
from routing.line_summary import describe_line
from routing.model import MINUTES_PER_DAY, Line, Table, WeeklyHours
from routing.numbers import formats


def serves(line: Line, country: str) -> bool:
    return not country or line.id == country or country in line.markets


def lines_for(table: Table, country: str) -> list[Line]:
    """The lines serving `country` (every line when none is given); a country's own line before a regional one."""
    lines = [line for line in table.lines if serves(line, country)]
    if country and any(line.id == country for line in lines):
        lines = [line for line in lines if line.id == country]
    return lines


class Reader:
    """Names and dates in one reader's language."""

    def __init__(self, words: PageWords):
        self.words = words
        self.locale = Locale.parse(words.babel)

    def country(self, code: str) -> str:
        return self.locale.territories.get(code, code)

    def language(self, tag: str) -> str:
        return self.locale.languages.get(tag.split("-")[0].lower(), tag)

    def languages(self, tags) -> list[str]:
        return list(dict.fromkeys(self.language(tag) for tag in tags))

    def listed(self, names: list[str]) -> str:
        return format_list(names, locale=self.locale) if names else ""

    def zone(self, timezone: str) -> str:
        return get_timezone_name(get_timezone(timezone), locale=self.locale)

    def moment(self, local: datetime, with_time: bool = True) -> str:
        day = format_skeleton("MMMEd", local, locale=self.locale)
        return f"{day} {format_skeleton('Hm', local, locale=self.locale)}" if with_time else day

    def hours(self, hours: WeeklyHours) -> str:
        """"mån–fre 09:00–17:00", or the words for round the clock."""
        days = self.locale.days["format"]["abbreviated"]
        parts = []
        for first, last, start, end in weekly_ranges(hours):
            if (first, last, start, end) == (0, 6, 0, MINUTES_PER_DAY):
                return self.words("round_the_clock")
            span = days[first] if first == last else f"{days[first]}–{days[last]}"
            parts.append(f"{span} {_clock(start)}–{_clock(end)}")
        return ", ".join(parts)

    def line_name(self, line: Line) -> str:
        """CLDR's name of the line's country, the admin's qualifier kept ("Kina (21Vianet)"); a line that is no
        country (the other EEA markets) by the page's words."""
        if line.id not in self.locale.territories:
            return self.words("other_markets") if line.markets else line.name
        qualifier = line.name[line.name.index("("):] if "(" in line.name and line.name.endswith(")") else ""
        return f"{self.country(line.id)} {qualifier}".strip()


def directory(table: Table, country: str, now: datetime, reader: Reader) -> list[dict]:
    return [_line(table, line, now, reader) for line in lines_for(table, country)]


def _line(table: Table, line: Line, now: datetime, reader: Reader) -> dict:
    words, summary = reader.words, describe_line(line, now)
    home = _home_country(line)
    numbers = [{**formats(number), "within": reader.country(_dialled_in(line, number)),
                "within_code": _dialled_in(line, number)} for number in line.numbers]
    queues = []
    for config, described in zip(line.queues, summary["queues"], strict=True):
        opening = next_opening(line, config.queue, now) if not is_open(line, config.queue, now) else None
        queues.append({
            **described,
            "name": words(config.queue.value),
            "hours_text": reader.hours(config.hours) if not config.severity_hours else "",
            "by_severity_text": [words("severity_hours", severity=words("severity", severity=severity.value),
                                       hours=reader.hours(hours)) for severity, hours in config.severity_hours],
            "language_names": reader.languages(line.queue_languages(config.queue)),
            "languages_text": reader.listed(reader.languages(line.queue_languages(config.queue))),
            "opens_text": words("opens", when=reader.moment(opening.astimezone(ZoneInfo(line.timezone))))
            if opening else "",
        })
    return {
        **summary,
        "title": reader.line_name(line),
        "home": home,
        "markets": list(line.markets),
        "market_names": reader.listed(sorted((reader.country(code) for code in line.markets if code != line.id),
                                             key=sort_key)),
        "language_names": reader.languages(line.languages),
        "zone_name": reader.zone(line.timezone),
        "numbers": numbers,
        "queues": queues,
        "notices": [{"id": notice.id, "text": notice.text(words.language) or "", "until": notice.ends.isoformat()}
                    for notice in table.notices_for(line.id, now)],
        "closures": [_shut(line, shut, reader) for shut in shut_ahead(line, now, DAYS_AHEAD, words.holidays)],
    }


def _shut(line: Line, shut: Shut, reader: Reader) -> dict:
    words = reader.words
    whole_days = shut.start.time() == shut.start.min.time() and (shut.end is None or shut.end.time() == shut.end.min.time())
    start = reader.moment(shut.start, with_time=not whole_days)
    if shut.end is None:
        when = words("until_further_notice", start=start)
    else:
        last = shut.end - timedelta(days=1) if whole_days else shut.end
        end = reader.moment(last, with_time=not whole_days)
        when = start if end == start else words("from_to", start=start, end=end)
    everything = len(shut.queues) == len(line.queues)
    what = words("all_closed") if everything else words("closed_queues", queues=reader.listed(
        [words(queue.value) for queue in shut.queues]))
    why = words("holiday", name=shut.holiday) if shut.holiday else shut.message(words.language)
    text = words("closure_line", when=when, what=what)
    return {
        "start": shut.start.isoformat(), "end": shut.end.isoformat() if shut.end else None,
        "queues": [queue.value for queue in shut.queues], "when": when, "what": what, "why": why,
        "text": words("closure_reason", text=text, why=why) if why else text,
    }


def _home_country(line: Line) -> str:
    return line.id if len(line.id) == 2 and line.id.isalpha() else ""


def _dialled_in(line: Line, number: str) -> str:
    """The country a number's national form is dialled in: the line's own when it shares the number's country
    code (Canada's +1 800 number, which phonenumbers gives to the US), else the number's region."""
    numobj = phonenumbers.parse(number, None)
    home = _home_country(line)
    if home and phonenumbers.country_code_for_region(home) == numobj.country_code:
        return home
    return phonenumbers.region_code_for_number(numobj) or home


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def sort_key(name: str) -> str:
    return name.casefold()
