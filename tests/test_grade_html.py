"""The class report in a real browser (headless Chromium, as for the drawing's step page): sorting
by a column works both ways, every learner's diagnosis opens from its row (by click and by
keyboard), and names from submissions cannot inject anything."""

import pytest
from browser import new_browser
from test_grade import CLASS

from tinygrad_edu.grade import grade_submissions
from tinygrad_edu.grade.outputs import write_html
from tinygrad_edu.runner import Limits

HOSTILE = "<img src=x onerror=alert(1)>.py"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    for name in ("correct.py", "db_axis.py", "dW_transposed.py", "elementwise.py", "syntax.py", "exits.py"):
        (folder / name).write_text(CLASS[name][0])
    (folder / HOSTILE).write_text(CLASS["missing_1_over_m.py"][0])
    result = grade_submissions([folder], limits=Limits(timeout=5), workers=2)
    page = folder / "report.html"
    write_html(result, page)
    return result, page


def _order(browser, By):
    return [g.find_element(By.CSS_SELECTOR, "tr.main td").get_attribute("data-sort")
            for g in browser.find_elements(By.CSS_SELECTOR, "#rows tbody")]


def test_sorting_by_a_column_and_opening_every_diagnosis(report):
    result, page = report
    browser = new_browser()  # skips without selenium or Chromium, before selenium is imported
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    try:
        browser.get(page.as_uri())
        assert browser.find_elements(By.TAG_NAME, "img") == []  # the hostile name is text, not an element
        assert len(browser.find_elements(By.TAG_NAME, "script")) == 1
        names = [r.submission for r in result.rows]
        assert _order(browser, By) == names
        heads = {th.text.split()[0]: th for th in browser.find_elements(By.CSS_SELECTOR, "#rows thead th")}
        heads["score"].click()
        by_score = sorted(result.rows, key=lambda r: r.score)  # stable: ties keep the submissions' order
        assert _order(browser, By) == [r.submission for r in by_score]
        assert heads["score"].get_attribute("aria-sort") == "ascending"
        heads["score"].click()
        desc = sorted(result.rows, key=lambda r: -r.score)
        assert _order(browser, By) == [r.submission for r in desc]
        heads["submission"].click()
        assert _order(browser, By) == sorted(names, key=str.lower)
        for row in result.rows:  # every learner's diagnosis is one click away
            group = next(g for g in browser.find_elements(By.CSS_SELECTOR, "#rows tbody")
                         if g.find_element(By.CSS_SELECTOR, "tr.main td").get_attribute("data-sort") == row.submission)
            main, details = group.find_elements(By.TAG_NAME, "tr")
            assert not details.is_displayed()
            main.click()
            assert details.is_displayed() and main.get_attribute("aria-expanded") == "true"
            text = details.text
            assert row.submission in text and (row.details or row.message).splitlines()[0] in text
            main.send_keys(Keys.ENTER)  # and closed again from the keyboard
            assert not details.is_displayed()
    finally:
        browser.quit()


def test_the_summary_lists_each_mistake_with_what_it_means(report):
    result, page = report
    html = page.read_text()
    for code, n in result.mistakes():
        assert f"<code>{code}</code></td><td class=num>{n}</td>" in html
    assert "the sum of db[l] over axis 0 (or all axes) instead of axis 1" in html
    assert "&lt;img src=x onerror=alert(1)&gt;.py" in html
