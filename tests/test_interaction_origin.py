"""A custom_id is whatever the client sends: a modified client in server A can name the
member's own DM or server-B interview in a modal or a button. The interview it names must
be the one the place the interaction came from would open; anything else is refused and
changes nothing (not the answers, not the version, no result).

The forged payloads start from ones the double built for a real message or modal, with
the custom_id swapped, as a modified client would send them.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from advisor.service import Action, AdvisorService
from bot.interview.views import StepRef
from storage.keys import SessionKey
from storage.settings import GuildSettings
from tests.transcript import CHANNEL_MESSAGE, EPHEMERAL, MODAL, Harness, custom_id_of

EBOOK = ["1", "1", "1", "no", "1", "1", "1", "1", "1", "1", "1", "5", "3"]
SERVER_B = "987654321098765432"
ELSEWHERE = "interview in another place"


async def at_the_text_step(service: AdvisorService, key: SessionKey) -> int:
    """Answer every button step, stopping at the free-text description; return the version."""
    outcome = await service.begin(key)
    for answer in EBOOK:
        outcome = await service.act(key, Action.ANSWER, answer)
    assert outcome.turn.prompt is not None and outcome.turn.prompt.step_id == "description"
    return outcome.version


def forged(payload: dict[str, Any], custom_id: str) -> dict[str, Any]:
    changed = copy.deepcopy(payload)
    changed["data"]["custom_id"] = custom_id
    return changed


@pytest.fixture
async def three_interviews(advisor: Harness) -> dict[str, tuple[SessionKey, int]]:
    """The member's interviews in server A (this one), in server B (which they may have
    left, and which keeps interviews in DMs) and in DMs, each at the free-text step."""
    user = advisor.double.user["id"]
    service = AdvisorService(advisor.store)
    keys = {
        "here": SessionKey.for_guild(user, advisor.double.guild_id),
        "server_b": SessionKey.for_guild(user, SERVER_B),
        "dm": SessionKey.for_dm(user),
    }
    await advisor.store.save_guild_settings(GuildSettings(guild_id=SERVER_B, interviews_in_channels=False))
    return {name: (key, await at_the_text_step(service, key)) for name, key in keys.items()}


async def unchanged(advisor: Harness, interviews: dict[str, tuple[SessionKey, int]]) -> None:
    for key, version in interviews.values():
        stored = await advisor.store.load(key)
        assert stored is not None and stored.version == version
        assert "description" not in stored.session.answers
    assert await advisor.store.history(str(advisor.double.user["id"])) == []


@pytest.mark.parametrize("target", ["server_b", "dm"])
async def test_a_modal_naming_another_places_interview_is_refused(
    advisor: Harness, three_interviews: dict[str, tuple[SessionKey, int]], target: str
) -> None:
    handle, _ = await advisor.slash("resume")
    message_id = str(handle.original_message["id"])
    _, opened = await advisor.press(message_id, "Type your answer")
    assert opened["type"] == MODAL
    key, version = three_interviews[target]
    elsewhere = f"oa:t:{StepRef.for_key(key, version).id_part}"
    submission = {"answer": "A PDF guide, sent to the wrong place"}
    real = advisor.double.modal_submit(
        opened["data"]["custom_id"], submission, message=advisor.message(message_id)
    )
    submitted = await advisor.double.interact(forged(real, elsewhere))
    callback = (await submitted.callback()).json
    assert callback["type"] == CHANNEL_MESSAGE and callback["data"]["flags"] & EPHEMERAL
    assert ELSEWHERE in callback["data"]["content"]
    await unchanged(advisor, three_interviews)

    # The member's real submission, for the interview the form was opened for, still lands.
    genuine = advisor.double.modal_submit(
        opened["data"]["custom_id"], submission, message=advisor.message(message_id)
    )
    landed = await advisor.double.interact(genuine)
    assert (await landed.callback()).json["data"]["embeds"][0]["title"] == "Digital product"


def with_component_renamed(message: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """The message as the interaction carries it, with one component's custom_id changed."""
    changed = copy.deepcopy(message)
    for row in changed["components"]:
        for component in row["components"]:
            if component.get("custom_id") == old:
                component["custom_id"] = new
    return changed


# Discord only delivers a click on a component the message really has, and discord.py only
# dispatches one it finds in the message, so these clicks also carry a doctored message:
# the check must hold even should a forged click ever get that far.
@pytest.mark.parametrize("target", ["server_b", "dm"])
@pytest.mark.parametrize("button", ["Back", "Help", "Cancel", "Type your answer"])
async def test_a_button_naming_another_places_interview_is_refused(
    advisor: Harness, three_interviews: dict[str, tuple[SessionKey, int]], target: str, button: str
) -> None:
    handle, _ = await advisor.slash("resume")
    message = advisor.message(str(handle.original_message["id"]))
    real_id = custom_id_of(message, button)
    here = StepRef.for_key(*three_interviews["here"])
    elsewhere = real_id.replace(here.id_part, StepRef.for_key(*three_interviews[target]).id_part)
    assert elsewhere != real_id
    payload = forged(advisor.double.component_click(real_id, message=message), elsewhere)
    payload["message"] = with_component_renamed(payload["message"], real_id, elsewhere)
    click = await advisor.double.interact(payload)
    callback = (await click.callback()).json
    assert callback["type"] == CHANNEL_MESSAGE and ELSEWHERE in callback["data"]["content"]
    await unchanged(advisor, three_interviews)
