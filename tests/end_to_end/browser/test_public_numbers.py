"""The public numbers page in headless Chromium, as a caller looking for a number uses it: on a desktop
(1366 px) and a phone (390 px), in English, Swedish, Norwegian and Latvian, with axe-core at 0 violations
and nothing wider than the screen."""
from __future__ import annotations

import pytest

from tests.end_to_end.browser.conftest import assert_accessible, horizontal_overflow

LANGUAGES = {  # lang: (the page's heading, the EEA line's heading, the country label)
    "en": ("Support phone numbers", "Other EEA markets", "Your country or region"),
    "sv": ("Telefonnummer till supporten", "Övriga EES-marknader", "Ditt land eller din region"),
    "nb": ("Telefonnumre til kundestøtte", "Andre EØS-markeder", "Landet eller regionen din"),
    "lv": ("Atbalsta tālruņa numuri", "Citi EEZ tirgi", "Jūsu valsts vai reģions"),
}


@pytest.fixture(params=[1366, 390], ids=["desktop", "phone"])
def sized_page(request, browser):
    context = browser.new_context(viewport={"width": request.param, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_page_reads_in_each_language_fits_the_screen_and_is_accessible(sized_page, live_server, lang):
    """Every line, in the language asked for: heading, names, axe-core clean, no horizontal scrolling."""
    title, eea, _ = LANGUAGES[lang]
    sized_page.goto(f"{live_server}/numbers?lang={lang}")
    assert sized_page.locator("html").get_attribute("lang") == lang
    assert sized_page.get_by_role("heading", level=1).inner_text() == title
    assert sized_page.locator("section.line").count() == 7
    assert sized_page.get_by_role("heading", name=eea).is_visible()
    assert horizontal_overflow(sized_page) == 0
    assert_accessible(sized_page)
    sized_page.screenshot(path=f"/tmp/numbers-{lang}-{sized_page.viewport_size['width']}.png")


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_a_caller_picks_their_country_and_sees_the_line_that_serves_it(phone_page, live_server, lang):
    """Norway has no line of its own: choosing it (by its name in the page's language) shows the EEA line."""
    _, eea, label = LANGUAGES[lang]
    phone_page.goto(f"{live_server}/numbers?lang={lang}")
    select = phone_page.get_by_label(label)
    norway = select.locator("option[value=NO]").inner_text()
    select.select_option(label=norway)
    phone_page.locator("form.filter button").click()
    assert phone_page.locator("section.line").count() == 1
    assert phone_page.get_by_role("heading", name=eea).is_visible()
    assert "+49 69 380789305" in phone_page.locator("section.line").inner_text()
    assert phone_page.locator("html").get_attribute("lang") == lang  # the language stays with the choice
    assert horizontal_overflow(phone_page) == 0
    assert_accessible(phone_page)


def test_the_language_switch_is_a_set_of_links_in_each_language(page, live_server):
    """From English, the "Latviešu" link opens the page in Latvian, keeping the country."""
    page.goto(f"{live_server}/numbers?country=SE")
    page.get_by_role("navigation", name="Page language").get_by_role("link", name="Latviešu").click()
    assert page.locator("html").get_attribute("lang") == "lv"
    assert page.get_by_role("heading", name="Zviedrija").is_visible()
    assert page.locator("section.line").count() == 1


def test_the_browser_language_chooses_the_page_language(browser, live_server):
    """A browser set to Norwegian Bokmål gets the page in Norwegian without asking."""
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    page.goto(f"{live_server}/numbers")
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.get_by_role("heading", level=1).inner_text() == "Telefonnumre til kundestøtte"
    context.close()
