"""The reader's labelled data and its trained model: valid, split by dialogue, and in step."""

import json
from collections import Counter

import pytest

from coach.errors import InputError
from coach.reading import dataset, train
from coach.reading.vocabulary import MOVES, USER_MOVES


@pytest.fixture(scope="module")
def dialogues():
    return dataset.load()


def test_the_data_validates(dialogues):
    """Like ``rasa data validate``: no line labelled two ways in one context, no thin moves."""
    assert dataset.problems(dialogues) == []


def test_there_is_enough_data_across_calls_roles_and_sources(dialogues):
    exs = dataset.examples(dialogues)
    labelled = [ex for ex in exs if ex.turn.scope]
    assert len(labelled) >= 3000
    roles = Counter(d.role for d in dialogues if d.source.startswith("authored"))
    assert min(roles[r] for r in ("seller", "candidate", "interviewer")) >= 50
    sources = {d.source for d in dialogues}
    assert {"persuasionforgood", "casino"} <= sources
    assert len({s for s in sources if s.startswith("authored")}) >= 5
    judged = Counter(m for ex in labelled for m in ex.turn.moves if ex.judged(m))
    for move in (*USER_MOVES, *MOVES["other"]):
        assert judged[move] >= 30, move


def test_the_split_is_by_dialogue_and_casino_is_never_trained_on(dialogues):
    splits = Counter(d.split for d in dialogues)
    assert splits["train"] > splits["test"] > splits["dev"] > 0
    assert {d.split for d in dialogues if d.source == "casino"} == {"ood"}
    assert all(d.split != "ood" for d in dialogues if d.source != "casino")
    # the same id always lands in the same split
    assert all(dataset.split_of(d.id, d.source) == d.split for d in dialogues)


def test_the_model_was_trained_on_exactly_this_data():
    """A label changed, or a file added, without ``make train`` fails here."""
    manifest = json.loads(train.MANIFEST.read_text(encoding="utf-8"))
    assert manifest["data"] == train.data_digests(), "the data changed: run `make train`"
    assert manifest["artefact_sha256"] == train._sha(train.ARTEFACT.read_bytes())
    assert manifest["moves"] == {side: list(moves) for side, moves in MOVES.items()}


def test_the_artefacts_are_small():
    assert train.ARTEFACT.stat().st_size < 2 * 1024 * 1024


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("source: x\nregister: y\ndialogues: {}\n", "expected keys"),
        (
            "source: x\nregister: y\ndialogues:\n  - {id: a, domain: sales, user_role: seller, "
            "turns: [{side: user, text: hi, moves: [shouting]}]}\n",
            "'shouting' is not a move of the user side",
        ),
        (
            "source: x\nregister: y\ndialogues:\n  - {id: a, domain: sales, user_role: seller, "
            "turns: [{side: other, text: hi, moves: [pitch]}]}\n",
            "'pitch' is not a move of the other side",
        ),
        (
            "source: x\nregister: y\ndialogues:\n  - {id: a, domain: cooking, user_role: seller, "
            "turns: []}\n",
            "domain 'cooking'",
        ),
        (
            "source: x\nregister: y\ndialogues:\n  - {id: a, domain: sales, user_role: seller, "
            "turns: [{side: user, text: '  ', moves: []}]}\n",
            "turn 1: empty text",
        ),
        ("dialogues: [", "not valid YAML"),
    ],
)
def test_a_bad_data_file_names_the_file_and_the_problem(tmp_path, text, problem):
    (tmp_path / "authored").mkdir()
    (tmp_path / "authored" / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="bad.yaml") as info:
        dataset.load(tmp_path)
    assert problem in str(info.value)


def test_context_comes_from_the_labels_before():
    """A no stands until she says yes or the user accepts it; a concern until the user speaks."""
    said_no, concern = dataset.advance(False, False, "other", ["clear_no", "concern"])
    assert said_no and concern
    assert dataset.advance(said_no, concern, "user", ["pitch"]) == (True, False)
    assert dataset.advance(said_no, concern, "user", ["accepted_no"]) == (False, False)
    assert dataset.advance(True, False, "other", ["yes"]) == (False, False)
