"""Floors on the reader's scores on the test split: data no threshold or weight was tuned on.

The floors sit a little under what ``make eval`` measured (README, "The reader"), so that a
regression fails CI; they are not the targets, several of which the reader does not reach yet.
"""

import pytest

from coach.reading import dataset, evaluate
from coach.reading.reader import Reader

FLOORS = {
    "open_question": 0.85,
    "closed_question": 0.8,
    "pitch": 0.45,
    "claim": 0.7,
    "disclosed_limitation": 0.68,
    "false_urgency": 0.7,
    "pushed_after_no": 0.62,
    "dismissed_concern": 0.8,
    "accepted_no": 0.68,
    "walk_away": 0.68,
    "referral": 0.55,
    "recommend": 0.68,
    "asks_decision": 0.65,
    "demand": 0.65,
    "manipulation": 0.8,
    "clear_no": 0.62,
    "need": 0.6,
    "question": 0.85,
}


@pytest.fixture(scope="module")
def reader():
    return Reader()


@pytest.fixture(scope="module")
def test_split():
    return [d for d in dataset.load() if d.split == "test"]


def test_per_move_f1_on_the_test_split(reader, test_split):
    scores = evaluate.score(reader, test_split)
    below = {
        move: round(scores.prf(move)[2], 2)
        for move, floor in FLOORS.items()
        if scores.prf(move)[2] < floor
    }
    assert below == {}


def test_pushing_on_after_a_real_refusal_is_seen(reader, test_split):
    """PersuasionForGood: the persuader's turn right after a clear refusal."""
    result = evaluate.after_refusal(reader, test_split)
    precision, recall, support = result.pushed
    assert support >= 15
    assert precision >= 0.9 and recall >= 0.6
