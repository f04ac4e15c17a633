"""A custom_id is whatever the client sends: a modified client in server A can name the
member's own DM or server-B interview in a modal or a button. The interview it names must
be the one the place the interaction came from would open; anything else is refused and
changes nothing (not the answers, not the version, no result).

The forged payloads start from ones the double built for a real message or modal, with
the custom_id swapped, as a modified client would send them.
"""

from __future__ import annotations

import pytest

from bot.interview.views import StepRef
from tests.transcript import (
    CHANNEL_MESSAGE,
    EBOOK_VERDICT,
    EPHEMERAL,
    MODAL,
    Harness,
    Interviews,
    assert_untouched,
    custom_id_of,
    forged,
    with_component_renamed,
)

ELSEWHERE = "interview in another place"


@pytest.mark.parametrize("target", ["server_b", "dm"])
async def test_a_modal_naming_another_places_interview_is_refused(
    advisor: Harness, three_interviews: Interviews, target: str
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
    _, callback = await advisor.send(forged(real, elsewhere))
    assert callback["type"] == CHANNEL_MESSAGE and callback["data"]["flags"] & EPHEMERAL
    assert ELSEWHERE in callback["data"]["content"]
    await assert_untouched(advisor, three_interviews)

    # The member's real submission, for the interview the form was opened for, still lands.
    genuine = advisor.double.modal_submit(
        opened["data"]["custom_id"], submission, message=advisor.message(message_id)
    )
    _, landed = await advisor.send(genuine)
    assert landed["data"]["embeds"][0]["title"] == EBOOK_VERDICT


# Discord only delivers a click on a component the message really has, and discord.py only
# dispatches one it finds in the message, so these clicks also carry a doctored message:
# the check must hold even should a forged click ever get that far.
@pytest.mark.parametrize("target", ["server_b", "dm"])
@pytest.mark.parametrize("button", ["Back", "Help", "Cancel", "Type your answer"])
async def test_a_button_naming_another_places_interview_is_refused(
    advisor: Harness, three_interviews: Interviews, target: str, button: str
) -> None:
    handle, _ = await advisor.slash("resume")
    message = advisor.message(str(handle.original_message["id"]))
    real_id = custom_id_of(message, button)
    here = StepRef.for_key(*three_interviews["here"])
    elsewhere = real_id.replace(here.id_part, StepRef.for_key(*three_interviews[target]).id_part)
    assert elsewhere != real_id
    payload = forged(advisor.double.component_click(real_id, message=message), elsewhere)
    payload["message"] = with_component_renamed(payload["message"], real_id, elsewhere)
    _, callback = await advisor.send(payload)
    assert callback["type"] == CHANNEL_MESSAGE and ELSEWHERE in callback["data"]["content"]
    await assert_untouched(advisor, three_interviews)
