"""Confirmations of what cannot be undone (forget, cancel, restart) are tied to what they
were shown for and expire: an old one changes nothing and says so. A newer confirmation
switches the older one's buttons off where the bot can still edit it.

Through the loopback Discord double. Where a test needs an old confirmation that still
has its buttons, it expires the interaction token that sent it, as 15 minutes would: the
bot can then no longer edit that message.
"""

from __future__ import annotations

import copy
from pathlib import Path

from advisor.service import Action, AdvisorService
from storage.keys import SessionKey
from storage.sqlite import SQLiteStore
from tests.transcript import (
    DESCRIPTION,
    EBOOK_ANSWERS,
    EBOOK_STEPS,
    FIRST_STEP,
    ORIGINAL_MESSAGE,
    UPDATE_MESSAGE,
    Harness,
    custom_id_of,
    take_interview,
)

CHANGED = "Your data changed after this was shown"
EXPIRED = "That confirmation has expired, so nothing was changed. Ask again if you still want to."


async def test_an_old_delete_everything_button_deletes_nothing_that_came_after(advisor: Harness) -> None:
    await advisor.finish(DESCRIPTION)
    first, _ = await advisor.slash("forget")
    first_id = str(first.original_message["id"])
    advisor.double.expire_token(first.token)  # so the first keeps its buttons
    second, _ = await advisor.slash("forget")
    _, kept = await advisor.press(str(second.original_message["id"]), "Keep my data")
    assert kept["data"]["content"] == "Nothing was deleted."
    await advisor.finish(DESCRIPTION)  # a new result after the first question was asked
    assert len(await advisor.history()) == 2

    _, refused = await advisor.press(first_id, "Delete everything")
    assert refused["type"] == UPDATE_MESSAGE
    assert refused["data"]["content"].startswith(CHANGED)
    assert refused["data"]["components"] == []
    assert len(await advisor.history()) == 2

    # Asked again, for the data as it is now, it deletes everything.
    third, _ = await advisor.slash("forget")
    _, done = await advisor.press(str(third.original_message["id"]), "Delete everything")
    assert "Nothing about you is stored any more" in done["data"]["content"]
    assert len(await advisor.history()) == 0


async def test_a_forget_confirmation_expires(advisor: Harness) -> None:
    await advisor.finish(DESCRIPTION)
    asked, _ = await advisor.slash("forget")
    advisor.let_confirmations_expire()
    _, refused = await advisor.press(str(asked.original_message["id"]), "Delete everything")
    assert refused["data"]["content"] == EXPIRED
    assert len(await advisor.history()) == 1


async def test_a_second_forget_question_switches_the_first_off(advisor: Harness) -> None:
    first, _ = await advisor.slash("forget")
    await advisor.slash("forget")
    await advisor.double.wait_for_request("PATCH", ORIGINAL_MESSAGE)
    message = advisor.message(str(first.original_message["id"]))
    assert message["components"] == [] and "replaced by a newer one" in message["content"]


async def test_a_forget_button_from_before_the_upgrade_is_refused_as_expired(advisor: Harness) -> None:
    await advisor.finish(DESCRIPTION)
    asked, _ = await advisor.slash("forget")
    message = advisor.message(str(asked.original_message["id"]))
    # What the previous release drew: oa:f:<yes|no>:<user>, tied to nothing.
    legacy = copy.deepcopy(message)
    for row in legacy["components"]:
        for button in row["components"]:
            answer, user = button["custom_id"].split(":")[2:4]
            button["custom_id"] = f"oa:f:{answer}:{user}"
    advisor.double.messages[message["id"]] = legacy
    _, refused = await advisor.press(message["id"], "Delete everything")
    assert refused["data"]["content"] == EXPIRED
    assert len(await advisor.history()) == 1


async def test_a_cancel_confirmed_after_another_answer_changes_nothing(advisor: Harness) -> None:
    step_id = await advisor.answered(2)
    asked, question = await advisor.slash("cancel")
    assert question["data"]["embeds"][0]["title"] == "Cancel this interview?"
    assert "(2 so far)" in question["data"]["embeds"][0]["description"]
    await advisor.answer(step_id, EBOOK_STEPS[2])  # the member carries on in the step message
    before = await advisor.store.load(advisor.key)

    _, refused = await advisor.press(str(asked.original_message["id"]), "Yes, cancel it")
    assert "moved on" in refused["data"]["content"] and refused["data"]["components"] == []
    after = await advisor.store.load(advisor.key)
    assert after is not None and before is not None and after.version == before.version


async def test_a_cancel_confirmation_expires(advisor: Harness) -> None:
    step_id = await advisor.answered(1)
    await advisor.press(step_id, "Cancel")
    advisor.let_confirmations_expire()
    _, refused = await advisor.press(step_id, "Yes, cancel it")
    assert refused["data"]["content"] == EXPIRED
    assert await advisor.version() is not None


async def test_a_restart_confirmed_for_an_older_version_changes_nothing(advisor: Harness) -> None:
    step_id = await advisor.answered(3)
    asked, question = await advisor.slash("restart")
    assert question["data"]["embeds"][0]["title"] == "Start this interview again?"
    await advisor.press(step_id, "Back")  # changes the interview after the question was asked
    before = await advisor.store.load(advisor.key)
    _, refused = await advisor.press(str(asked.original_message["id"]), "Yes, start again")
    assert "moved on" in refused["data"]["content"]
    after = await advisor.store.load(advisor.key)
    assert before is not None and after is not None
    assert after.version == before.version and after.session == before.session


async def test_a_confirmed_restart_starts_over_and_switches_the_old_step_off(advisor: Harness) -> None:
    step_id = await advisor.answered(3)
    asked, _ = await advisor.slash("restart")
    _, restarted = await advisor.press(str(asked.original_message["id"]), "Yes, start again")
    assert restarted["data"]["embeds"][0]["title"] == FIRST_STEP
    await advisor.double.wait_for_request("PATCH", ORIGINAL_MESSAGE)
    assert advisor.message(step_id)["components"] == []
    stored = await advisor.stored()
    assert stored.session.answers == {}


async def test_keep_going_from_the_cancel_command_shows_the_step(advisor: Harness) -> None:
    await advisor.answered(2)
    asked, _ = await advisor.slash("cancel")
    _, kept = await advisor.press(str(asked.original_message["id"]), "Keep going")
    assert kept["data"]["embeds"][0]["title"] == "Where does most of your work go?"
    assert custom_id_of(kept["data"], "Back")


async def test_forgotten_text_is_gone_from_the_database_file(db_path: Path) -> None:
    marker = "Xylophone-marker-7731 sourdough starter guide"
    key = SessionKey.for_guild(1, 2)
    files = [db_path, db_path.with_name(db_path.name + "-wal")]

    def on_disk() -> bool:
        return any(marker.encode() in path.read_bytes() for path in files if path.exists())

    async with await SQLiteStore.open(db_path) as store:
        service = AdvisorService(store)
        await take_interview(service, key, EBOOK_ANSWERS)
        await service.act(key, Action.ANSWER, marker)  # the result quotes it
        assert on_disk()  # the test can see it, so it can see it gone
        assert await store.forget_user("1") == 1
        assert not on_disk()
    assert not on_disk()


async def test_an_answered_question_is_left_as_answered_when_asked_again(advisor: Harness) -> None:
    first, _ = await advisor.slash("forget")
    first_id = str(first.original_message["id"])
    await advisor.press(first_id, "Keep my data")
    await advisor.slash("forget")
    await advisor.finish(DESCRIPTION)  # gives any edit of the first message time to arrive
    assert advisor.message(first_id)["content"] == "Nothing was deleted."
