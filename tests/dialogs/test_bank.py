"""The question bank validator: the shipped bank loads, and every kind of broken bank
fails at load time with a BankError that names the step at fault."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from dialogs.bank import BankError, StepKind, default_bank, load_bank_file, parse_bank

BankData = dict[str, Any]


@pytest.fixture(scope="module")
def shipped_data() -> BankData:
    text = resources.files("dialogs").joinpath("data/questions.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def step_data(data: BankData, step_id: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = data["steps"]
    for step in steps:
        if step["id"] == step_id:
            return step
    raise KeyError(step_id)


def broken(shipped: BankData, mutate: Callable[[BankData], None]) -> BankError:
    data = copy.deepcopy(shipped)
    mutate(data)
    with pytest.raises(BankError) as caught:
        parse_bank(data)
    return caught.value


# --- the shipped bank -------------------------------------------------------------------


def test_shipped_bank_loads_and_starts_with_the_stage_question() -> None:
    bank = default_bank()
    assert bank.id == "offering"
    assert bank.version >= 1
    assert bank.start == "stage"
    ids = [step.id for step in bank.steps]
    assert len(ids) == len(set(ids))
    assert bank.by_id[bank.start].prompt


def test_shipped_bank_has_the_question_kinds_the_interview_relies_on() -> None:
    bank = default_bank()
    kinds = {step.kind for step in bank.steps}
    assert kinds == set(StepKind)
    description = bank.step("description")
    assert description.kind is StepKind.TEXT and description.optional
    # Every step that is not free text offers something to pick.
    for step in bank.steps:
        if step.kind is not StepKind.TEXT:
            assert len(step.options) >= 2, step.id
        assert step.help and step.example, step.id


def test_shipped_data_round_trips_through_parse_bank(shipped_data: BankData) -> None:
    assert parse_bank(copy.deepcopy(shipped_data)) == default_bank()


def test_load_bank_file_reads_a_valid_copy(tmp_path: Path) -> None:
    text = resources.files("dialogs").joinpath("data/questions.toml").read_text(encoding="utf-8")
    path = tmp_path / "questions.toml"
    path.write_text(text, encoding="utf-8")
    assert load_bank_file(path) == default_bank()


# --- broken graphs ------------------------------------------------------------------------


def test_duplicate_step_id_is_named(shipped_data: BankData) -> None:
    def duplicate(data: BankData) -> None:
        step_data(data, "lifecycle")["id"] = "delivery"

    error = broken(shipped_data, duplicate)
    assert "'delivery'" in str(error)
    assert "twice" in str(error)


def test_missing_start_key_is_reported(shipped_data: BankData) -> None:
    error = broken(shipped_data, lambda data: data.pop("start"))
    assert "start" in str(error)


def test_start_naming_an_unknown_step_is_named(shipped_data: BankData) -> None:
    error = broken(shipped_data, lambda data: data.update(start="welcome"))
    assert "'welcome'" in str(error)
    assert "does not exist" in str(error)


def test_next_to_an_unknown_step_names_both_steps(shipped_data: BankData) -> None:
    def bad_next(data: BankData) -> None:
        step_data(data, "lifecycle")["next"] = "pricing"

    error = broken(shipped_data, bad_next)
    assert "'lifecycle'" in str(error)
    assert "'pricing'" in str(error)
    assert "does not exist" in str(error)


def test_branch_to_an_unknown_step_names_both_steps(shipped_data: BankData) -> None:
    def bad_goto(data: BankData) -> None:
        step_data(data, "effort")["branches"][1]["goto"] = "ask_more"

    error = broken(shipped_data, bad_goto)
    assert "'effort'" in str(error)
    assert "'ask_more'" in str(error)


def test_step_nothing_leads_to_is_named_unreachable(shipped_data: BankData) -> None:
    def add_orphan(data: BankData) -> None:
        data["steps"].append(
            {
                "id": "orphan",
                "kind": "text",
                "prompt": "Anything else?",
                "help": "Optional.",
                "example": "No.",
            }
        )

    error = broken(shipped_data, add_orphan)
    assert "'orphan'" in str(error)
    assert "cannot be reached" in str(error)


def test_removing_the_only_branch_to_a_step_makes_it_unreachable(shipped_data: BankData) -> None:
    def drop_branch(data: BankData) -> None:
        branches = step_data(data, "effort")["branches"]
        branches[:] = [branch for branch in branches if branch["goto"] != "repeat_problems"]

    error = broken(shipped_data, drop_branch)
    assert "'repeat_problems'" in str(error)
    assert "cannot be reached" in str(error)


def test_loop_between_two_steps_is_named(shipped_data: BankData) -> None:
    # income -> scalability -> (answer "5") income: an interview that never ends.
    def loop(data: BankData) -> None:
        step_data(data, "scalability")["branches"] = [{"when": ["5"], "goto": "income"}]

    error = broken(shipped_data, loop)
    message = str(error)
    assert "'scalability'" in message
    assert "'income'" in message
    assert "loop" in message


def test_loop_from_the_last_step_back_to_the_start_is_named(shipped_data: BankData) -> None:
    def loop(data: BankData) -> None:
        step_data(data, "description")["next"] = "stage"

    error = broken(shipped_data, loop)
    assert "'description'" in str(error)
    assert "'stage'" in str(error)
    assert "loop" in str(error)


def test_step_pointing_at_itself_is_a_loop(shipped_data: BankData) -> None:
    def self_loop(data: BankData) -> None:
        step_data(data, "goal")["branches"] = [{"when": ["clarity"], "goto": "goal"}]

    error = broken(shipped_data, self_loop)
    assert "'goal'" in str(error)
    assert "loop" in str(error)


# --- broken steps -------------------------------------------------------------------------


def test_branch_on_an_unknown_option_is_named(shipped_data: BankData) -> None:
    def unknown(data: BankData) -> None:
        step_data(data, "effort")["branches"][0]["when"] = ["sometimes"]

    error = broken(shipped_data, unknown)
    assert "'effort'" in str(error)
    assert "'sometimes'" in str(error)


@pytest.mark.parametrize(
    "options",
    [
        [{"id": "yes", "label": "Yes"}, {"id": "maybe", "label": "Maybe"}],
        [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}, {"id": "maybe", "label": "Maybe"}],
        [{"id": "yes", "label": "Yes"}],
    ],
    ids=["renamed", "extra", "missing"],
)
def test_yes_no_step_needs_exactly_yes_and_no(shipped_data: BankData, options: list[dict[str, str]]) -> None:
    def wrong(data: BankData) -> None:
        step_data(data, "extra_help")["options"] = options

    error = broken(shipped_data, wrong)
    assert "'extra_help'" in str(error)
    assert "yes" in str(error) and "no" in str(error)


@pytest.mark.parametrize(
    "ids",
    [["1", "2", "4", "5", "6"], ["0", "1", "2", "3", "4"], ["1", "2"], ["2", "1", "3"]],
    ids=["gap", "from-zero", "too-short", "out-of-order"],
)
def test_scale_needs_consecutive_ids_from_one(shipped_data: BankData, ids: list[str]) -> None:
    def renumber(data: BankData) -> None:
        step_data(data, "customization")["options"] = [
            {"id": option_id, "label": f"Level {option_id}"} for option_id in ids
        ]

    error = broken(shipped_data, renumber)
    assert "'customization'" in str(error)
    assert "scale" in str(error)


def test_text_step_with_options_is_named(shipped_data: BankData) -> None:
    def add_options(data: BankData) -> None:
        step_data(data, "description")["options"] = [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]

    error = broken(shipped_data, add_options)
    assert "'description'" in str(error)
    assert "text step" in str(error)


def test_repeated_option_id_is_named(shipped_data: BankData) -> None:
    def repeat(data: BankData) -> None:
        step_data(data, "delivery")["options"][1]["id"] = "instant"

    error = broken(shipped_data, repeat)
    assert "'delivery'" in str(error)
    assert "repeat" in str(error)


def test_choice_step_with_one_option_is_named(shipped_data: BankData) -> None:
    def single(data: BankData) -> None:
        step = step_data(data, "lifecycle")
        step["options"] = step["options"][:1]

    error = broken(shipped_data, single)
    assert "'lifecycle'" in str(error)


def test_unknown_signal_lean_names_the_step(shipped_data: BankData) -> None:
    def bad_lean(data: BankData) -> None:
        step_data(data, "engagement")["options"][0]["signals"] = {"engagement": "very_product"}

    error = broken(shipped_data, bad_lean)
    assert "'engagement'" in str(error)


def test_unknown_field_in_a_step_names_the_step(shipped_data: BankData) -> None:
    def typo(data: BankData) -> None:
        step_data(data, "income")["nxt"] = "scalability"

    error = broken(shipped_data, typo)
    assert "'income'" in str(error)
    assert "nxt" in str(error)


# --- files ------------------------------------------------------------------------------


def test_missing_file_gives_bank_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(BankError) as caught:
        load_bank_file(path)
    assert "nowhere.toml" in str(caught.value)


def test_invalid_toml_gives_bank_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('id = "offering"\n[[steps]\nid = \n', encoding="utf-8")
    with pytest.raises(BankError) as caught:
        load_bank_file(path)
    assert "broken.toml" in str(caught.value)


def test_broken_bank_file_names_the_file_and_the_step(tmp_path: Path, shipped_data: BankData) -> None:
    text = resources.files("dialogs").joinpath("data/questions.toml").read_text(encoding="utf-8")
    path = tmp_path / "questions.toml"
    path.write_text(text.replace('next = "after_sale"', 'next = "after_sales"'), encoding="utf-8")
    with pytest.raises(BankError) as caught:
        load_bank_file(path)
    message = str(caught.value)
    assert "questions.toml" in message
    assert "'lifecycle'" in message and "'after_sales'" in message
