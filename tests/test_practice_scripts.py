"""Honest and pushy practice scripts, written apart from the director, on every persona."""

from tests.eval.practice_scripts import honest, pushy


def test_honest_calls_are_never_ended_by_a_misreading_and_earn_their_facts():
    results = honest()
    assert len(results) == 14
    assert [r.ended_early for r in results if r.ended_early] == []
    asked = sum(len(r.asked) for r in results)
    earned = sum(len(r.earned) for r in results)
    # measured 22/38 (58 %); the target is 70 % (README, "Practice calls")
    assert earned / asked >= 0.55, f"{earned}/{asked} facts earned"


def test_pushing_a_no_fit_persona_never_gets_a_yes():
    results = pushy()
    assert len(results) == 4
    assert all(r.decision != "accepted" for r in results)
    # the target is all four; one (Helen) stays undecided, see the README
    assert sum(r.decision in {"declined", "walked_away"} for r in results) >= 3
