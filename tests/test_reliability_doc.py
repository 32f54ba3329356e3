"""RELIABILITY.md states the figures the suites measure; this keeps the two in step."""

import inspect
import re
from pathlib import Path

import pytest

from tests import (
    test_bad_input,
    test_card_editing,
    test_concurrency,
    test_faults,
    test_injection,
    test_redact,
    test_users,
)

DOC = Path(__file__).resolve().parent.parent / "RELIABILITY.md"


def rows() -> dict[str, list[str]]:
    """Every table row of the page by its id (F1, B3, …), as its cells."""
    found = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if re.fullmatch(r"[A-Z]\d+", cells[0]):
            found[cells[0]] = cells
    return found


def count_tests(module) -> int:
    return sum(
        name.startswith("test_") and inspect.isfunction(obj) for name, obj in vars(module).items()
    )


def test_fault_figures():
    table = rows()
    assert len(test_faults.FAULTS) == 11 == len(set(test_faults.OUTCOMES))
    assert f"{len(test_faults.FAULTS)} faults in all" in DOC.read_text(encoding="utf-8")
    assert sum(bool(re.fullmatch(r"F\d+", key)) for key in table) == 8
    for key, cells in table.items():
        if key.startswith("F"):
            assert cells[-2:] == ["0", "0"], key  # turns lost, keys leaked


def test_bad_input_figures():
    table = rows()
    assert table["B1"][2] == f"{len(test_bad_input.BLANK)} × 2 engines"
    assert table["B2"][2] == str(len(test_bad_input.SIZES))
    assert table["B3"][2].startswith(f"{len(test_bad_input.EXACT)} strings × 2 engines")
    fuzzers = [n for n in vars(test_bad_input) if n.startswith("test_fuzz_")]
    examples = test_bad_input.FUZZ.max_examples
    assert table["B4"][2] == f"{len(fuzzers)} properties × {examples} examples"
    assert table["B6"][2] == f"{count_tests(test_card_editing)} tests"


def test_injection_figures():
    summary = test_injection.summary()
    table = rows()
    assert summary["attack_turns"] == 51 and len(summary["personas"]) == 6
    assert summary["leaks"] == summary["role_breaks_shown"] == 0
    assert summary["critique_manipulations"] == 0
    names = {
        "I1": "role_swap",
        "I2": "prompt_print",
        "I3": "fake_system_tag",
        "I4": "encoding",
        "I5": "social_engineering",
        "I6": "document",
    }
    for key, category in names.items():
        row = summary["categories"][category]
        cells = table[key]
        assert cells[2] == str(row["attack_turns"]), key
        assert cells[3] == str(row["runs"]), key
        assert cells[4] == str(row["leaks"]), key
        assert cells[5] == f"{row['role_breaks_caught']} / {row['role_breaks_shown']}", key
    document = summary["categories"]["document"]
    assert table["I6"][6] == f"{document['critique_manipulations']} of {document['critiques']}"
    transcript = summary["categories"]["transcript"]
    assert table["I7"][2] == f"{len(test_injection.TRANSCRIPT_ATTACKS)} injected lines"
    assert table["I7"][6] == (
        f"{transcript['critique_manipulations']} of {transcript['critiques']}"
    )


@pytest.mark.parametrize(
    ("key", "column", "expected"),
    [
        ("S2", 2, f"{len(test_redact.SECRETS)} kinds"),
        ("U1", 2, f"{test_users.CROSS_USER_PROBES} probes × SQLite and PostgreSQL"),
        ("U3", 2, f"{test_concurrency.SESSIONS} sessions × {test_concurrency.TURNS} turns"),
    ],
)
def test_privacy_and_user_figures(key, column, expected):
    assert rows()[key][column].startswith(expected)
