"""The public numbers page and its JSON twin, as a caller looking for a number sees them: in their language
(?lang=, else Accept-Language), names from CLDR, numbers as dialled inside the country and from abroad,
notices and the closures of the next 14 days."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from countries.store import TableStore
from prompts.catalogue import PROMPTS_DIR
from public_pages.page_words import WORDS_DIR, all_page_words
from runtime.settings import DEFAULT_SERVICE_HEALTH_URL
from web.registry import parts_of

NOTICE = {"id": "mail-outage", "text": {"en": "Exchange Online is degraded in Europe.",
                                        "sv": "Exchange Online fungerar sämre i Europa."},
          "lines": ["SE"], "from": "2026-11-24T08:00:00+00:00", "to": "2026-11-24T12:00:00+00:00"}


def edit(app, change):
    def apply(document):
        change(document)
        return document
    parts_of(app).get(TableStore).write(apply, author="test", action="edit", expected=None)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_api_lists_every_line_with_formatted_numbers_and_open_queues(client, clock):
    """Tuesday 10:00 Stockholm: Sweden's billing is open; its number in national and international form."""
    body = client.get("/api/numbers").json
    assert (body["language"], body["service_health_url"]) == ("en", DEFAULT_SERVICE_HEALTH_URL)
    lines = body["lines"]
    assert [line["id"] for line in lines] == ["SE", "AU", "CA", "GB", "DE", "EEA", "CN"]
    sweden = lines[0]
    assert sweden["numbers"] == [{"e164": "+46201605899", "international": "+46 20 160 58 99",
                                  "national": "020-160 58 99", "within": "Sweden", "within_code": "SE"}]
    billing = next(queue for queue in sweden["queues"] if queue["queue"] == "billing")
    assert (billing["hours_text"], billing["open_now"], billing["language_names"]) == (
        "Mon–Fri 09:00–17:00", True, ["English"])
    assert (sweden["title"], sweden["zone_name"], sweden["language_names"]) == (
        "Sweden", "Central European Time", ["Swedish", "English"])


def test_a_number_is_dialled_inside_the_country_it_serves(client):
    """Canada's +1 800 number is Canada's national call (phonenumbers calls it US); the EEA's is Germany's."""
    lines = {line["id"]: line for line in client.get("/api/numbers").json["lines"]}
    assert [(n["within_code"], n["national"], n["international"]) for n in lines["CA"]["numbers"]] == [
        ("CA", "(800) 865-9408", "+1 800-865-9408")]
    assert [(n["within"], n["national"]) for n in lines["EEA"]["numbers"]] == [("Germany", "069 380789305")]
    assert lines["EEA"]["title"] == "Other EEA markets" and lines["CN"]["title"] == "China (21Vianet)"
    assert lines["EEA"]["market_names"].startswith("Austria, Belgium, Bulgaria, ") and lines["SE"]["market_names"] == ""


def test_the_api_is_filterable_by_country(client):
    """Norway has no line of its own: the EEA line serves it; Sweden gets its own line only."""
    assert [line["id"] for line in client.get("/api/numbers?country=no").json["lines"]] == ["EEA"]
    assert [line["id"] for line in client.get("/api/numbers?country=SE").json["lines"]] == ["SE"]
    assert client.get("/api/numbers?country=US").json["lines"] == []


def test_closed_queues_say_when_they_open(client, clock):
    """Saturday: billing closed, next opening Monday 09:00 local, said in the reader's language; technical open."""
    clock.at = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    uk = client.get("/api/numbers?country=GB").json["lines"][0]
    queues = {queue["queue"]: queue for queue in uk["queues"]}
    assert queues["billing"]["open_now"] is False
    assert queues["billing"]["next_opening"] == "2026-11-30T09:00:00+00:00"
    assert queues["billing"]["opens_text"] == "Opens Mon, Nov 30 09:00"
    assert queues["technical"]["open_now"] is True and queues["technical"]["hours_text"] == "24 hours, every day"
    swedish = client.get("/api/numbers?country=GB&lang=sv").json["lines"][0]["queues"][1]
    assert (swedish["name"], swedish["opens_text"]) == ("Fakturering och abonnemang", "Öppnar mån 30 nov. 09:00")


def test_21vianet_shows_technical_hours_per_severity(client):
    """China's technical queue lists severity A round the clock and B and C 09:00-24:00 every day."""
    china = client.get("/api/numbers?country=CN").json["lines"][0]
    technical = next(queue for queue in china["queues"] if queue["queue"] == "technical")
    assert technical["by_severity_text"] == [
        "Severity A: 24 hours, every day", "Severity B: Mon–Sun 09:00–24:00", "Severity C: Mon–Sun 09:00–24:00"]


@pytest.mark.parametrize(
    ("lang", "title", "sweden", "language_names", "within", "round_the_clock"),
    [
        ("sv", "Telefonnummer till supporten", "Sverige", ["svenska", "engelska"], "Inom Sverige", "Dygnet runt, alla dagar"),
        ("nb", "Telefonnumre til kundestøtte", "Sverige", ["svensk", "engelsk"], "Innenlands (Sverige)",
         "Døgnet rundt, alle dager"),
        ("lv", "Atbalsta tālruņa numuri", "Zviedrija", ["zviedru", "angļu"], "Vietējais numurs (Zviedrija)",
         "Visu diennakti, katru dienu"),
        ("de", "Telefonnummern des Supports", "Schweden", ["Schwedisch", "Englisch"], "Im Inland (Schweden)",
         "Rund um die Uhr, jeden Tag"),
        ("zh", "支持电话号码", "瑞典", ["瑞典语", "英语"], "在瑞典境内", "每天 24 小时"),
    ],
)
def test_the_page_is_written_in_the_language_asked_for(client, lang, title, sweden, language_names, within,
                                                       round_the_clock):
    """?lang= picks the page's words; country and language names come from CLDR in that language."""
    page = client.get(f"/numbers?lang={lang}&country=SE").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page and f"<h1>{title}</h1>" in page
    assert f'<h2 id="line-SE">{sweden}</h2>' in page
    assert f"<dt>{within}</dt>" in page and round_the_clock in page
    api = client.get(f"/api/numbers?lang={lang}&country=SE").json["lines"][0]
    assert api["language_names"] == language_names


@pytest.mark.parametrize(("header", "lang"), [("sv-SE,sv;q=0.9,en;q=0.5", "sv"), ("nb-NO", "nb"), ("no", "nb"),
                                               ("lv", "lv"), ("ja, en;q=0.3", "en"), ("ja", "en"), ("", "en")])
def test_the_browser_language_picks_the_page_language_when_none_is_asked(client, header, lang):
    """Accept-Language decides without ?lang=; Norwegian (no) reads Bokmål; an unknown language reads English."""
    page = client.get("/numbers", headers={"Accept-Language": header} if header else {}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in page


def test_a_lang_parameter_wins_over_the_browser_and_an_unknown_one_is_ignored(client):
    """?lang=lv beats Accept-Language: sv; ?lang=xx falls back to the browser's language."""
    assert '<html lang="lv">' in client.get("/numbers?lang=lv", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert '<html lang="sv">' in client.get("/numbers?lang=xx", headers={"Accept-Language": "sv"}).get_data(as_text=True)


def test_the_language_switch_links_every_page_language_named_in_itself(client):
    """One link per catalogue language, in its own name and lang, keeping the chosen country; the current one marked."""
    page = client.get("/numbers?lang=sv&country=SE").get_data(as_text=True)
    links = re.findall(r'<li><a href="([^"]+)" lang="([^"]+)" hreflang="[^"]+"( aria-current="page")?>([^<]+)</a>', page)
    assert {lang for _, lang, _, _ in links} == {path.stem for path in PROMPTS_DIR.glob("*.yaml")}
    named = {lang: name for _, lang, _, name in links}
    assert (named["sv"], named["nb"], named["lv"], named["de"], named["zh"]) == (
        "Svenska", "Norsk bokmål", "Latviešu", "Deutsch", "中文")
    assert [lang for _, lang, current, _ in links if current] == ["sv"]
    assert all("country=SE" in href for href, _, _, _ in links)


def test_the_page_links_the_service_health_dashboard(client, app):
    """The sentence that asks callers to check the dashboard links it (SERVICE_HEALTH_URL)."""
    page = client.get("/numbers?lang=en").get_data(as_text=True)
    assert (f'Before you call, check the <a href="{DEFAULT_SERVICE_HEALTH_URL}">service health dashboard</a>: '
            "known incidents are listed there.") in page


def test_current_notices_are_shown_in_the_readers_language(client, app):
    """A notice for Sweden, on now: shown on Sweden's line in Swedish for a Swedish reader, in English otherwise."""
    edit(app, lambda document: document.update(notices=[NOTICE]))
    swedish = client.get("/numbers?lang=sv&country=SE").get_data(as_text=True)
    assert "<h3>Aktuella meddelanden</h3>" in swedish and "Exchange Online fungerar sämre i Europa." in swedish
    latvian = client.get("/api/numbers?lang=lv&country=SE").json["lines"][0]["notices"]
    assert [notice["text"] for notice in latvian] == ["Exchange Online is degraded in Europe."]
    assert client.get("/api/numbers?country=GB").json["lines"][0]["notices"] == []


def test_closures_in_the_next_14_days_are_listed_and_later_ones_are_not(client, app):
    """A closure next Tuesday and one in three weeks: only the first is listed, with its queues and reason."""
    edit(app, lambda document: document["lines"]["GB"].update(closures=[
        {"date": "2026-12-01", "reason": {"en": "Staff training day."}, "queues": ["billing"]},
        {"date": "2026-12-15", "reason": {"en": "Too late to show."}}]))
    uk = client.get("/api/numbers?country=GB").json["lines"][0]
    assert [(c["when"], c["what"], c["why"]) for c in uk["closures"]] == [
        ("Tue, Dec 1", "closed: Billing and subscriptions", "Staff training day.")]
    page = text_of(client.get("/numbers?country=GB").get_data(as_text=True))
    assert "Closures in the next 14 days" in page
    assert "<li>Tue, Dec 1: closed: Billing and subscriptions (Staff training day.)</li>" in client.get(
        "/numbers?country=GB").get_data(as_text=True)
    chinese = client.get("/api/numbers?country=GB&lang=zh").json["lines"][0]["closures"][0]["text"]
    assert chinese == "12月1日周二：停止服务：账单和订阅（Staff training day.）"


def test_public_holidays_in_the_next_14_days_close_billing_and_sales(client, clock):
    """14 December 2026: Swedish Christmas is within two weeks; the holidays are named in the reader's language."""
    clock.at = datetime(2026, 12, 14, 9, 0, tzinfo=timezone.utc)
    sweden = client.get("/api/numbers?country=SE&lang=sv").json["lines"][0]
    listed = [(c["when"], c["what"], c["why"]) for c in sweden["closures"]]
    assert listed[:2] == [("fre 25 dec.", "stängt: Fakturering och abonnemang och Köpfrågor", "helgdag, Juldagen"),
                          ("lör 26 dec.", "stängt: Fakturering och abonnemang och Köpfrågor", "helgdag, Annandag jul")]
    assert all(c["queues"] == ["billing", "presales"] for c in sweden["closures"])


def test_an_emergency_closure_is_listed_until_further_notice(client, app):
    """The emergency switch on every queue: listed as all support closed from when it was switched on."""
    edit(app, lambda document: document["lines"]["GB"].update(emergency={"message": {"en": "Our systems are down."}}))
    closure = client.get("/api/numbers?country=GB").json["lines"][0]["closures"][0]
    assert (closure["what"], closure["why"], closure["end"]) == ("all support closed", "Our systems are down.", None)
    assert closure["when"].startswith("from ") and closure["when"].endswith(" until further notice")


def test_every_page_catalogue_has_english_keys_in_every_prompt_language():
    """One page catalogue per prompt catalogue, each with English's keys and placeholders (checked on load)."""
    assert {path.stem for path in WORDS_DIR.glob("*.yaml")} == {path.stem for path in PROMPTS_DIR.glob("*.yaml")}
    english = all_page_words()["en"]
    for words in all_page_words().values():
        assert words("title") and words("title") != english("title") or words.language == "en"


def test_the_page_renders_each_line_with_a_country_filter(client):
    """HTML with a labelled country select, CLDR names in the options and one section per line; no sign-in."""
    page = client.get("/numbers?country=DE").get_data(as_text=True)
    assert '<label for="country">' in page and '<option value="DE" selected>Germany</option>' in page
    assert '<option value="NO">Norway</option>' in page
    assert '<h2 id="line-DE">Germany</h2>' in page and "+49 800 5892330" in page and 'id="line-EEA"' not in page


def test_any_query_answers_a_page_never_a_5xx(client):
    """Junk in lang and country: 200 with the English page and no lines."""
    for query in ("lang=%00&country=%FF%FE", "lang=" + "x" * 500, "country=<script>", "lang=zh-Hant-TW"):
        response = client.get("/numbers?" + query)
        assert response.status_code == 200 and "<script>" not in response.get_data(as_text=True).split("</head>")[1]
    for header in ("*;q=abc", "x" * 5000, ";;;,,,", "sv;q=2"):
        assert client.get("/numbers", headers={"Accept-Language": header}).status_code == 200
        assert client.get("/api/numbers", headers={"Accept-Language": header}).status_code == 200


def test_lists_and_separators_follow_the_readers_language(client):
    """Languages as a CLDR list ("svenska och engelska"); China's severity hours with the reader's punctuation."""
    technical = client.get("/api/numbers?country=SE&lang=sv").json["lines"][0]["queues"][0]
    assert technical["languages_text"] == "svenska och engelska"
    china = client.get("/api/numbers?country=CN&lang=zh").json["lines"][0]["queues"][0]
    assert china["by_severity_text"][0] == "严重级别 A：每天 24 小时"
    assert china["languages_text"] == "中文和英语"


@pytest.mark.parametrize("lang", sorted(path.stem for path in WORDS_DIR.glob("*.yaml")))
def test_every_language_lists_every_lines_christmas(client, clock, lang):
    """Over Christmas, in each page language: every line answers, and each holiday has a name (the `holidays`
    package's in that language, or the local one where it has none)."""
    clock.at = datetime(2026, 12, 20, 9, 0, tzinfo=timezone.utc)
    assert client.get(f"/numbers?lang={lang}").status_code == 200
    lines = client.get(f"/api/numbers?lang={lang}").json["lines"]
    holidays = [closure for line in lines for closure in line["closures"]]
    assert len(holidays) >= 10 and all(closure["why"] for closure in holidays)
