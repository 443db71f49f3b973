"""The dashboard end to end in headless Chromium, against the real server.

One analyst's session, in order (the tests share one browser and one database):
log in, list themes, filter by language and period, open a theme, read and search
its quotes, export them, open the impact chart, compare two periods, look at the
map, rename and merge themes, re-run the pipeline and find the curation held, and
use it at phone width and by keyboard. Every step saves a screenshot and checks that
the browser logged no error and requested nothing outside 127.0.0.1.

First paint of the theme list and the time a filter change takes are measured in
the browser and printed (not asserted: timings depend on the machine).
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest

from tests.browser.conftest import (
    READ_KEY,
    SCREENSHOTS,
    WRITE_KEY,
    Server,
    run_pipeline_on,
)

pytestmark = pytest.mark.browser

TIMEOUT = 30
MEASURED: dict[str, float] = {}


# -- helpers ---------------------------------------------------------------------------


def api(server: Server, path: str, **params: Any) -> Any:
    """GET the JSON API directly (the numbers the page should show)."""
    url = f"{server.url}{path}" + (f"?{urlencode(params, doseq=True)}" if params else "")
    request = urllib.request.Request(url, headers={"X-API-Key": READ_KEY})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - 127.0.0.1
        return json.loads(response.read())


def wait(browser: Any, condition: Callable[[Any], Any], what: str) -> Any:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(browser, TIMEOUT).until(condition)
    except TimeoutException:
        shot(browser, f"timeout-{what}")
        raise AssertionError(f"timed out waiting for {what}; page: {browser.current_url}") from None


def ready(browser: Any, view: str) -> None:
    """Wait until the view has rendered all it fetched for the page's current address.

    The address changes before the browser fires `hashchange`, so the previous render can
    still read as ready for a moment: the view records which address it rendered.
    """
    wait(
        browser,
        lambda d: d.execute_script(
            "var m = document.getElementById('main'); return m.dataset.ready === arguments[0]"
            " && m.dataset.route === location.hash"
            " && !document.getElementById('status').textContent"
            " && (arguments[0] !== 'themes' || m.dataset.changes === '1');",
            view,
        ),
        f"view {view}",
    )
    errors = browser.find_elements("css selector", "#main .error")
    assert not errors, f"the {view} view shows an error: {errors[0].text}"


def shot(browser: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def css(browser: Any, selector: str) -> Any:
    return browser.find_element("css selector", selector)


def all_css(browser: Any, selector: str) -> list[Any]:
    return browser.find_elements("css selector", selector)


def set_field(browser: Any, selector: str, value: str) -> None:
    """Set an input's or select's value and fire ``change``, as a person would."""
    browser.execute_script(
        # clear the ready mark: the view re-renders (maybe after an async hashchange)
        # and ``ready`` must wait for that render, not see the previous one
        "document.getElementById('main').dataset.ready = '';"
        "var el = document.querySelector(arguments[0]); el.value = arguments[1];"
        "el.dispatchEvent(new Event('change', {bubbles: true}));",
        selector,
        value,
    )


def theme_rows(browser: Any) -> list[tuple[int, str, int]]:
    """(id, label, size) of every row of the theme table, read in one go."""
    rows = browser.execute_script(
        "return Array.from(document.querySelectorAll('#theme-table tbody tr')).map(function (tr) {"
        "  var td = tr.querySelectorAll('td');"
        "  return [Number(tr.dataset.theme), td[0].querySelector('a').textContent,"
        "          Number(td[2].textContent.replace(/,/g, ''))]; });"
    )
    return [(int(i), str(label), int(size)) for i, label, size in rows]


def viewport(browser: Any, width: int, height: int, *, mobile: bool = False) -> None:
    """Make the page's viewport exactly width x height CSS pixels."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def title_text(browser: Any) -> str:
    return str(
        browser.execute_script(
            "var t = document.getElementById('theme-title'); return t ? t.textContent : '';"
        )
    )


def check_clean(browser: Any, server: Server) -> None:
    """No console errors; no network request to anywhere but the server (data:, blob:
    and the browser's own chrome: pages are not network requests)."""
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, f"console errors: {severe}"
    host = urlparse(server.url).netloc
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] != "Network.requestWillBeSent":
            continue
        url = message["params"]["request"]["url"]
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "chrome", "about"):
            continue
        assert parsed.hostname == "127.0.0.1" and parsed.netloc == host, f"request left: {url}"


@pytest.fixture(scope="module")
def session(browser: Any, server: Server) -> Any:
    """The browser with the dashboard open and logged in with the write key."""
    viewport(browser, 1280, 800)
    browser.get(f"{server.url}/app")
    wait(browser, lambda d: css(d, "#login").is_displayed(), "login form")
    shot(browser, "01-login")
    key = css(browser, "#api-key")
    key.send_keys("not-a-key")
    css(browser, "#login-form button").click()
    wait(browser, lambda d: "not accepted" in css(d, "#login-error").text, "refused key")
    browser.get_log("browser")  # the refused key's 401 is logged; expected
    key.clear()
    key.send_keys(WRITE_KEY)
    css(browser, "#login-form button").click()
    ready(browser, "themes")
    assert "key" not in browser.current_url and WRITE_KEY not in browser.current_url
    return browser


# -- the analyst's session ----------------------------------------------------------------


def test_theme_list_first_paint(session: Any, server: Server, capsys: Any) -> None:
    session.get(f"{server.url}/app#/themes")
    session.refresh()  # the key is in sessionStorage: no login again
    ready(session, "themes")
    paint = session.execute_script("return window.__textinsight.marks.themesPaint")
    MEASURED["theme_list_first_paint_ms"] = round(paint)
    rows = theme_rows(session)
    listed = api(server, "/themes", limit=500, sort="size")["items"]
    assert len(rows) == len(listed) >= 5
    assert {r[0]: r[2] for r in rows} == {t["id"]: t["size"] for t in listed}
    wait(session, lambda d: "…" not in css(d, "#theme-table tbody").text, "change column")
    assert "pp" in css(session, "#theme-table tbody").text
    shot(session, "02-themes")
    check_clean(session, server)


def test_filter_by_language_and_period(session: Any, server: Server) -> None:
    times = []
    for language in ("sv", "en", "sv"):  # the last one may come from the response cache
        set_field(session, "#f-language", language)
        wait(session, lambda d, lang=language: f"language={lang}" in d.current_url, "url")
        ready(session, "themes")
        times.append(session.execute_script("return window.__textinsight.marks.filterChange"))
    MEASURED["filter_change_ms"] = round(times[0])
    MEASURED["filter_change_cached_ms"] = round(times[-1])
    facets = api(server, "/facets")
    set_field(session, "#f-since", "2026-06-01")
    ready(session, "themes")
    set_field(session, "#f-until", facets["last_day"])
    ready(session, "themes")
    assert "since=2026-06-01" in session.current_url and "until=" in session.current_url
    expected = api(
        server, "/themes", language="sv", since="2026-06-01", until=facets["last_day"], limit=500
    )["items"]
    rows = theme_rows(session)
    assert {r[0]: r[2] for r in rows} == {t["id"]: t["size"] for t in expected}
    whole = {t["id"]: t["size"] for t in api(server, "/themes", limit=500)["items"]}
    assert sum(r[2] for r in rows) < sum(whole.values())  # sizes recomputed for the slice
    shot(session, "03-themes-filtered")
    # the URL holds the state: opening it afresh shows the same view
    session.get(session.current_url)
    session.refresh()
    ready(session, "themes")
    assert css(session, "#f-language").get_attribute("value") == "sv"
    assert theme_rows(session) == rows
    css(session, "#f-clear").click()
    wait(session, lambda d: "language=" not in d.current_url, "filters cleared")
    ready(session, "themes")
    check_clean(session, server)


def test_open_a_theme(session: Any, server: Server) -> None:
    from textinsight.actions import add_action
    from textinsight.store import Store

    first = all_css(session, "#theme-table tbody tr a")[0]
    label = first.text
    theme_id = int(first.get_attribute("href").split("/theme/")[1].split("?")[0])
    with Store(server.db) as store:  # an action: a marker on the trend, its figures below
        add_action(store, theme_id=theme_id, date="2026-05-01", note="Browser test action")
    first.click()
    ready(session, "theme")
    assert css(session, "#theme-title").text.startswith(label)
    assert all_css(session, ".chart .main-svg"), "no plotly chart drawn"
    assert "Browser test action" in css(session, "#actions").text
    assert all_css(session, ".chart .shapelayer path"), "no action marker on the trend"
    assert all_css(session, "blockquote"), "no quotes"
    assert "Churn rate" in css(session, "#value-table").text
    assert "Run 1" in css(session, "#history").text
    assert all_css(session, "#related li a")
    set_field(session, "#interval", "month")
    wait(session, lambda d: "interval=month" in d.current_url, "interval")
    ready(session, "theme")
    shot(session, "04-theme")
    check_clean(session, server)


def test_quotes_page_search_and_export(session: Any, server: Server) -> None:
    css(session, "#explore-quotes").click()
    ready(session, "quotes")
    rows = all_css(session, "#quote-table tbody tr")
    assert 1 <= len(rows) <= 25
    total = int(css(session, "#quote-count").text.split(" of ")[1].split()[0].replace(",", ""))
    if total > 25:
        # the page re-renders after the click: clear the ready mark first so that
        # ``ready`` waits for the new page rather than seeing the old one
        session.execute_script("document.getElementById('main').dataset.ready = '';")
        css(session, "#next-page").click()
        ready(session, "quotes")
        assert css(session, "#quote-count").text.startswith("Showing 26–")
    # full-text search: a word of the first quote
    first = css(session, "#quote-table tbody tr td.text").text
    word = max(first.split(), key=len).strip(".,!?")
    search = css(session, "#q-text")
    search.clear()
    search.send_keys(word)
    css(session, "#quote-form button[type=submit]").click()
    wait(session, lambda d: "text=" in d.current_url, "text search")
    ready(session, "quotes")
    texts = [td.text.lower() for td in all_css(session, "#quote-table tbody td.text")]
    assert texts and all(word.lower() in t for t in texts)
    css(session, "#export-csv").click()
    wait(session, lambda d: d.execute_script("return window.__textinsight.lastCsv"), "csv")
    exported = session.execute_script("return window.__textinsight.lastCsv").splitlines()
    assert exported[0].startswith("id,source_id,created_at") and len(exported) == len(texts) + 1
    shot(session, "05-quotes")
    # semantic search over all themes
    search = css(session, "#q-semantic")
    search.send_keys("the parcel was late")
    css(session, "#quote-form button[type=submit]").click()
    wait(session, lambda d: "semantic=" in d.current_url, "semantic search")
    ready(session, "quotes")
    assert all_css(session, "#quote-table tbody tr")
    shot(session, "06-search")
    check_clean(session, server)


def test_impact_chart_click_opens_the_theme(session: Any, server: Server) -> None:
    css(session, "#nav a[data-view=impact]").click()
    ready(session, "impact")
    points = all_css(session, ".chart g.points path.point")
    assert points, "no points on the impact chart"
    shot(session, "07-impact")
    assert all_css(session, "#top-pain h3")
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(session).move_to_element(points[0]).click().perform()
    wait(session, lambda d: "#/theme/" in d.current_url, "click opens theme")
    ready(session, "theme")
    check_clean(session, server)


def test_compare_two_periods(session: Any, server: Server) -> None:
    css(session, "#nav a[data-view=compare]").click()
    ready(session, "compare")
    for name, value in (
        ("a_since", "2026-04-01"),
        ("a_until", "2026-06-30"),
        ("b_since", "2026-07-01"),
        ("b_until", "2026-10-31"),
    ):
        session.execute_script(
            "document.getElementById(arguments[0]).value = arguments[1]", f"c-{name}", value
        )
    css(session, "#compare-form button[type=submit]").click()
    wait(session, lambda d: "b_since=2026-07-01" in d.current_url, "compare url")
    ready(session, "compare")
    rows = all_css(session, "#compare-table tbody tr")
    expected = api(
        server,
        "/compare",
        since="2026-04-01",
        until="2026-06-30",
        b_since="2026-07-01",
        b_until="2026-10-31",
    )["items"]
    assert len(rows) == len(expected) > 0
    assert [r.get_attribute("data-direction") for r in rows] == [c["direction"] for c in expected]
    shot(session, "08-compare")
    check_clean(session, server)


def test_theme_map_and_emerging(session: Any, server: Server) -> None:
    css(session, "#nav a[data-view=map]").click()
    ready(session, "map")
    assert all_css(session, ".chart g.points path.point")
    assert "candidate" in css(session, "#emerging").text
    shot(session, "09-map")
    check_clean(session, server)


def test_rename_merge_and_rerun_keeps_curation(session: Any, server: Server) -> None:
    listed = api(server, "/themes", limit=500, sort="size")["items"]
    keep, absorbed = listed[0], listed[1]
    session.get(f"{server.url}/app#/theme/{keep['id']}")
    ready(session, "theme")
    name = css(session, "#rename-input")
    name.clear()
    name.send_keys("Curated theme name")
    css(session, "#rename-form button").click()
    wait(session, lambda d: title_text(d).startswith("Curated"), "rename")
    ready(session, "theme")
    # merge the second theme into the renamed one, from the second theme's page
    session.get(f"{server.url}/app#/theme/{absorbed['id']}")
    ready(session, "theme")
    set_field(session, "#merge-into", str(keep["id"]))
    css(session, "#merge-form button").click()
    wait(session, lambda d: d.current_url.split("?")[0].endswith(f"/theme/{keep['id']}"), "merge")
    ready(session, "theme")
    shot(session, "10-curated-theme")
    css(session, "#nav a[data-view=themes]").click()
    ready(session, "themes")
    rows = {r[0]: r for r in theme_rows(session)}
    assert absorbed["id"] not in rows
    assert rows[keep["id"]][1] == "Curated theme name"
    assert rows[keep["id"]][2] == keep["size"] + absorbed["size"]
    shot(session, "11-themes-curated")
    # a new run of the pipeline: lineage keeps the ids, so the curation holds
    before = api(server, "/themes", limit=500)["run_id"]
    run_id = run_pipeline_on(server.db)
    assert run_id != before
    session.refresh()
    ready(session, "themes")
    after = {t["id"]: t for t in api(server, "/themes", limit=500)["items"]}
    assert api(server, "/themes", limit=500)["run_id"] == run_id
    assert after[keep["id"]]["label"] == "Curated theme name"
    assert absorbed["id"] not in after
    rows = {r[0]: r for r in theme_rows(session)}
    assert rows[keep["id"]][1] == "Curated theme name" and absorbed["id"] not in rows
    session.get(f"{server.url}/app#/theme/{keep['id']}")
    ready(session, "theme")
    history = css(session, "#history").text
    assert "renamed to" in history and "merged into" in history
    check_clean(session, server)


def test_keyboard_and_phone_width(session: Any, server: Server) -> None:
    from selenium.webdriver.common.keys import Keys

    session.get(f"{server.url}/app#/themes")
    ready(session, "themes")
    button = css(session, "th button[data-sort=size]")
    button.send_keys(Keys.ENTER)
    wait(session, lambda d: "sort=size" in d.current_url, "keyboard sort")
    ready(session, "themes")
    sizes = [r[2] for r in theme_rows(session)]
    assert sizes == sorted(sizes, reverse=True)
    for el in all_css(session, "#filters input, #filters select, #quote-form input"):
        label = session.execute_script(
            "return document.querySelector('label[for=\"' + arguments[0].id + '\"]')", el
        )
        assert label is not None, f"no label for #{el.get_attribute('id')}"
    viewport(session, 390, 844, mobile=True)
    try:
        session.refresh()
        ready(session, "themes")
        overflow = session.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 1, f"the page is {overflow}px wider than a phone screen"
        shot(session, "12-themes-phone")
        all_css(session, "#theme-table tbody tr a")[0].click()
        ready(session, "theme")
        shot(session, "13-theme-phone")
    finally:
        viewport(session, 1280, 800)
    check_clean(session, server)


def test_read_key_cannot_curate(browser: Any, server: Server, capsys: Any) -> None:
    browser.execute_script("sessionStorage.clear()")
    browser.get(f"{server.url}/app#/themes")
    browser.refresh()
    wait(browser, lambda d: css(d, "#login").is_displayed(), "login form")
    css(browser, "#api-key").send_keys(READ_KEY)
    css(browser, "#login-form button").click()
    ready(browser, "themes")
    all_css(browser, "#theme-table tbody tr a")[0].click()
    ready(browser, "theme")
    css(browser, "#hide-button").click()
    wait(browser, lambda d: "write key" in css(d, "#curate-msg").text, "403 message")
    browser.get_log("browser")  # the refused write (403) is logged; expected
    with capsys.disabled():
        print(
            f"\ndashboard timings (ms): {MEASURED}; screenshots in {SCREENSHOTS}",
            flush=True,
        )
    (SCREENSHOTS / "timings.json").write_text(json.dumps(MEASURED, indent=2), encoding="utf-8")
    time.sleep(0)
