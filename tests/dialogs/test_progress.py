"""Roadmap progress as pure data: states, the step a member is on, what a retake keeps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dialogs.engine import DialogEngine, TurnKind
from dialogs.progress import (
    CheckInChoice,
    StepState,
    carried_over,
    check_in_choice,
    counts,
    current_step,
    read_progress,
    state_of,
    with_state,
)
from dialogs.verdict import Classification

ENGINE = DialogEngine()


def result_of(answers: list[str]) -> Classification:
    turn = ENGINE.start()
    for answer in answers:
        turn = ENGINE.answer(turn.session, answer)
    while turn.kind is not TurnKind.FINISHED:
        turn = ENGINE.skip(turn.session)
    assert turn.result is not None
    return turn.result


EBOOK = result_of(["1", "1", "1", "no", "1", "1", "1", "1", "1", "1", "1", "5", "3"])
AGENCY = result_of(["3", "9", "2", "yes", "4", "5", "5", "3", "2", "2", "2", "1,2,3,4", "1"])


def test_a_step_not_named_is_to_do_and_to_do_is_stored_as_nothing() -> None:
    first, second = EBOOK.roadmap[:2]
    assert state_of({}, first) is StepState.TODO
    progress = with_state({}, first, StepState.DONE)
    progress = with_state(progress, second, StepState.DOING)
    assert progress == {first.id: StepState.DONE, second.id: StepState.DOING}
    assert with_state(progress, second, StepState.TODO) == {first.id: StepState.DONE}


def test_the_member_is_on_the_step_they_are_doing_else_the_first_to_do() -> None:
    steps = EBOOK.roadmap
    assert current_step(steps, {}) == 0
    assert current_step(steps, {steps[0].id: StepState.DONE}) == 1
    assert current_step(steps, {steps[0].id: StepState.SKIPPED, steps[2].id: StepState.DOING}) == 2
    settled = {step.id: StepState.DONE for step in steps}
    assert current_step(steps, settled) is None
    tally = counts(steps, {steps[0].id: StepState.DONE, steps[1].id: StepState.SKIPPED})
    assert tally[StepState.DONE] == tally[StepState.SKIPPED] == 1
    assert tally[StepState.TODO] == len(steps) - 2


def test_a_retake_keeps_only_done_steps_that_are_still_on_the_roadmap() -> None:
    shared = {step.id for step in EBOOK.roadmap} & {step.id for step in AGENCY.roadmap}
    only_ebook = [step for step in EBOOK.roadmap if step.id not in shared]
    assert only_ebook, "the two roadmaps must differ for this test to mean anything"
    progress = {step.id: StepState.DONE for step in EBOOK.roadmap}
    progress[EBOOK.roadmap[-1].id] = StepState.SKIPPED
    kept = carried_over(EBOOK, progress, AGENCY)
    assert set(kept) == {step_id for step_id in shared if progress[step_id] is StepState.DONE}
    assert all(state is StepState.DONE for state in kept.values())
    assert carried_over(EBOOK, progress, EBOOK) == {
        step.id: StepState.DONE for step in EBOOK.roadmap if progress[step.id] is StepState.DONE
    }


def test_stored_progress_from_a_newer_release_reads_as_to_do_and_a_wrong_shape_is_refused() -> None:
    assert read_progress({"a": "done", "b": "blocked", "c": "todo"}) == {"a": StepState.DONE}
    with pytest.raises(ValueError, match="roadmap progress is a list"):
        read_progress(["done"])


def test_an_interval_reads_back_as_the_choice_it_stands_for() -> None:
    assert check_in_choice(timedelta(days=7)) is CheckInChoice.WEEKLY
    assert check_in_choice(timedelta(days=14)) is CheckInChoice.FORTNIGHTLY
    assert check_in_choice(timedelta(days=3)) is CheckInChoice.NEVER
    assert check_in_choice(None) is CheckInChoice.NEVER
