"""The principles and practices: written, bilingual, valid, and loaded with clear errors."""

import re

import pytest

from coach.errors import InputError
from knowledge.principle_loader import find, load_principles, principles

REQUIRED_PRACTICES = {
    "P1.disclose-limits",
    "P1.no-false-urgency",
    "P2.ask-before-pitch",
    "P2.two-sided-interview",
    "P4.walk-away",
    "P5.respect-no",
}
HEBREW = re.compile(r"[\u0590-\u05FF]")


def test_six_principles_in_order_with_hebrew_titles_and_summaries():
    loaded = principles()
    assert [p.id for p in loaded] == ["P1", "P2", "P3", "P4", "P5", "P6"]
    for principle in loaded:
        assert HEBREW.search(principle.title.he) and HEBREW.search(principle.summary.he)
        assert not HEBREW.search(principle.title.en) and principle.body.strip()
        assert not HEBREW.search(principle.body)
        assert 3 <= len(principle.practices) <= 6


def test_required_practices_exist_with_examples():
    ids = {p.id for principle in principles() for p in principle.practices}
    assert ids >= REQUIRED_PRACTICES
    for principle in principles():
        for practice in principle.practices:
            assert practice.good != practice.bad
            assert practice.looks_like and practice.name
            assert len(practice.asks) >= 3  # situations in a user's words, for search


def test_find_by_id():
    principle, practice = find("P4.walk-away")
    assert principle.id == "P4" and practice is not None and practice.id == "P4.walk-away"
    assert find("P2") == (principles()[1], None)
    with pytest.raises(InputError, match="no principle or practice with id 'P9.x'"):
        find("P9.x")


GOOD = """---
id: P1
title: {en: Help first, he: קודם לעזור}
summary: {en: Selling is help., he: מכירה היא עזרה.}
practices:
  - id: P1.ask
    name: Ask
    looks_like: She asks.
    good: "What do you need?"
    bad: "Buy now."
---
Body text.
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter", "must start with YAML front matter"),
        ("---\nid: P1\n", "no closing '---'"),
        ("---\nid: [unclosed\n---\nbody", "not valid YAML"),
        (GOOD.replace("id: P1\n", "id: Q1\n", 1), "id: Value error, must look like 'P1'"),
        (GOOD.replace("he: קודם לעזור", "hebrew: x"), "title.he: Field required"),
        (GOOD.replace('    bad: "Buy now."\n', ""), "practices.0.bad: Field required"),
        (GOOD.replace("id: P1.ask", "id: P2.ask"), "a practice of P1 must have an id starting"),
        (GOOD.replace("practices:", "colour: blue\npractices:"), "colour: Extra inputs"),
    ],
)
def test_bad_files_name_the_file_and_the_field(tmp_path, text, message):
    path = tmp_path / "P1-help.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_principles(tmp_path)
    assert "P1-help.md" in str(info.value)
    assert message in str(info.value)


def test_duplicate_ids_across_files(tmp_path):
    (tmp_path / "P1-a.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "P1-b.md").write_text(GOOD, encoding="utf-8")
    with pytest.raises(InputError, match="id 'P1' is already used in P1-a.md"):
        load_principles(tmp_path)


def test_a_valid_file_loads(tmp_path):
    (tmp_path / "P1-help.md").write_text(GOOD, encoding="utf-8")
    (principle,) = load_principles(tmp_path)
    assert principle.title.he == "קודם לעזור" and principle.body == "Body text."
    assert principle.practices[0].text(principle).startswith("Help first: Ask.")
