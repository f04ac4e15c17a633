"""Discord failing under the bot: 429s, 5xx and answers that never come, injected by the
double on the routes the interview uses.

discord.py waits out a 429 and retries a 5xx itself; these tests hold the bot to what a
member would notice: the next step is shown exactly once when a retry gets through, the
answer is stored exactly once whatever happens (it is committed before the reply is
sent), and when the reply cannot get through the member is told so, with the way back
(``/advisor resume``), instead of a button that silently did nothing.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from dialogs.messages import text
from tests.discord_double.double import CALLBACK, FOLLOWUP, ORIGINAL, Fault
from tests.transcript import (
    CHANNEL_MESSAGE,
    CHANNEL_MESSAGES,
    DEFERRED_UPDATE,
    DISCORD_PY_TRIES,
    EPHEMERAL,
    FIRST_STEP,
    OPEN_DM,
    SECOND_STEP,
    UPDATE_MESSAGE,
    Harness,
)

# What an English member is told (the bot takes both from its catalogs).
MOVED_ON = text("discord.moved_on", "en")
STEP_NOT_SHOWN = text("discord.step_not_shown", "en")

# --------------------------------------------------------------------------- retried, then shown


async def test_a_rate_limited_reply_is_waited_out_and_the_step_shown_once(advisor: Harness) -> None:
    message_id = await advisor.start()
    assert (await advisor.stored()).version == 1
    limit = advisor.double.inject_fault(Fault.rate_limited(0.2), "POST", CALLBACK)

    click = await advisor.press_nowait(message_id, "Just starting")
    shown = await click.request("POST", CALLBACK, nth=1)
    await advisor.settled()

    assert [r.status for r in click.requests] == [429, 200] and limit.count == 1
    assert shown.json["type"] == UPDATE_MESSAGE
    assert advisor.title(message_id) == SECOND_STEP
    assert len(advisor.showing(SECOND_STEP)) == 1 and click.followup_messages == []
    assert advisor.dms() == []
    stored = await advisor.stored()
    assert stored.version == 2 and stored.session.trail == ("stage",)
    assert stored.session.answers["stage"].options == ("starting",)


async def test_a_server_error_on_the_reply_is_retried_by_discord_py(advisor: Harness) -> None:
    message_id = await advisor.start()
    advisor.double.inject_fault(Fault.server_error(500), "POST", CALLBACK)

    click = await advisor.press_nowait(message_id, "Established")
    await click.request("POST", CALLBACK, nth=1, timeout=3)  # after discord.py's 1 s backoff
    await advisor.settled()

    assert [r.status for r in click.requests] == [500, 200]
    assert advisor.title(message_id) == SECOND_STEP and len(advisor.showing(SECOND_STEP)) == 1
    assert advisor.dms() == []
    stored = await advisor.stored()
    assert stored.version == 2 and stored.session.answers["stage"].options == ("established",)


async def test_a_slow_reply_within_the_limit_is_simply_shown(advisor: Harness) -> None:
    message_id = await advisor.start()
    advisor.double.inject_fault(Fault.slow(0.4), "POST", CALLBACK)

    click = await advisor.press_nowait(message_id, "Established")
    assert (await click.callback()).status == 200
    await advisor.settled()

    assert advisor.title(message_id) == SECOND_STEP and advisor.dms() == []
    assert (await advisor.stored()).version == 2


# --------------------------------------------------------------------------- never shown


async def test_when_discord_keeps_failing_the_member_is_told_by_dm_and_nothing_is_applied_twice(
    advisor: Harness, quick_backoff: None, caplog: pytest.LogCaptureFixture
) -> None:
    message_id = await advisor.start()
    failing = advisor.double.inject_fault(Fault.server_error(500), "POST", CALLBACK, times=DISCORD_PY_TRIES)

    with caplog.at_level(logging.WARNING):
        click = await advisor.press_nowait(message_id, "Established")
        dm = await advisor.double.wait_for_request("POST", CHANNEL_MESSAGES)
        await advisor.settled()

    # discord.py tried five times and gave up; the bot did not try the answer again.
    assert [r.status for r in click.requests] == [500] * DISCORD_PY_TRIES and failing.count == 5
    assert dm.json["content"] == STEP_NOT_SHOWN and advisor.dms() == [STEP_NOT_SHOWN]
    assert "`/advisor resume`" in STEP_NOT_SHOWN
    assert advisor.title(message_id) == FIRST_STEP  # the member still sees the old step
    assert not any("reference" in str(r.json) for r in advisor.double.requests)  # no error report
    stored = await advisor.stored()
    assert stored.version == 2 and stored.session.answers["stage"].options == ("established",)
    warning = next(r for r in caplog.records if r.name == "bot.delivery")
    assert warning.levelno == logging.WARNING and "HTTP 500" in warning.getMessage()
    assert click.token not in caplog.text and "test-token" not in caplog.text

    # The old button is stale now; /advisor resume shows the step the answer led to.
    _, refused = await advisor.press(message_id, "Established")
    assert refused["type"] == CHANNEL_MESSAGE and refused["data"]["content"] == MOVED_ON
    _, resumed = await advisor.slash("resume")
    assert resumed["data"]["embeds"][0]["title"] == SECOND_STEP
    assert (await advisor.stored()).version == 2


async def test_a_reply_that_never_comes_back_is_given_up_and_the_member_told(
    advisor: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    message_id = await advisor.start()
    monkeypatch.setattr("bot.delivery.DELIVERY_TIMEOUT_SECONDS", 0.3)
    hung = advisor.double.inject_fault(Fault.no_answer(30), "POST", CALLBACK)

    started = asyncio.get_running_loop().time()
    await advisor.press_nowait(message_id, "Established")
    await advisor.double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert asyncio.get_running_loop().time() - started < 2  # not aiohttp's five minutes

    assert hung.count == 1 and advisor.dms() == [STEP_NOT_SHOWN]
    assert advisor.title(message_id) == FIRST_STEP
    stored = await advisor.stored()
    assert stored.version == 2 and stored.session.trail == ("stage",)


async def test_a_rate_limit_outlasting_discords_three_seconds_ends_in_a_dm(advisor: Harness) -> None:
    message_id = await advisor.start()
    advisor.double.inject_fault(Fault.rate_limited(0.3), "POST", CALLBACK)

    click = await advisor.press_nowait(message_id, "Established")
    await click.callback()  # the 429; while discord.py waits, Discord's deadline passes
    advisor.double.expire_token(click.token)
    await advisor.double.wait_for_request("POST", CHANNEL_MESSAGES)
    await advisor.settled()

    late = click.requests[-1]
    assert (late.status, late.response["code"]) == (404, 10062)  # "Unknown interaction"
    assert advisor.dms() == [STEP_NOT_SHOWN] and advisor.title(message_id) == FIRST_STEP
    assert (await advisor.stored()).version == 2


async def test_a_failing_edit_after_a_deferral_is_followed_up_privately(
    advisor: Harness, monkeypatch: pytest.MonkeyPatch, quick_backoff: None
) -> None:
    message_id = await advisor.start()
    advisor.slow_answers(monkeypatch)  # so the click is deferred and the step sent as an edit
    advisor.double.inject_fault(Fault.server_error(502), "PATCH", ORIGINAL, times=DISCORD_PY_TRIES)

    click = await advisor.press_nowait(message_id, "Established")
    assert (await click.callback()).json["type"] == DEFERRED_UPDATE
    notice = await click.followup()
    await advisor.settled()

    assert [r.status for r in click.requests if r.route == ORIGINAL] == [502] * DISCORD_PY_TRIES
    assert notice.json["content"] == STEP_NOT_SHOWN and notice.json["flags"] & EPHEMERAL
    assert [m["content"] for m in click.followup_messages] == [STEP_NOT_SHOWN]
    assert advisor.dms() == [] and advisor.title(message_id) == FIRST_STEP
    assert (await advisor.stored()).version == 2


async def test_when_even_the_dm_fails_it_is_logged_and_nothing_more_happens(
    advisor: Harness, quick_backoff: None, caplog: pytest.LogCaptureFixture
) -> None:
    message_id = await advisor.start()
    advisor.double.inject_fault(Fault.server_error(500), "POST", CALLBACK, times=DISCORD_PY_TRIES)
    advisor.double.inject_fault(Fault.server_error(503), "POST", OPEN_DM)

    with caplog.at_level(logging.WARNING, logger="bot"):
        click = await advisor.press_nowait(message_id, "Established")
        await advisor.double.wait_for_request("POST", OPEN_DM)
        await advisor.settled()

    messages = [r.getMessage() for r in caplog.records if r.name == "bot.delivery"]
    assert messages == [
        "could not deliver a reply to an interaction (HTTP 500, code 0)",
        "could not tell the member either (HTTP 503, code 0)",
    ]
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)  # not a bug to report
    assert click.token not in caplog.text
    assert advisor.double.requests_to("POST", CHANNEL_MESSAGES) == []
    assert advisor.double.requests_to("POST", FOLLOWUP) == []
    assert (await advisor.stored()).version == 2


# --------------------------------------------------------------------------- clicks meanwhile


async def test_a_second_click_while_the_first_reply_is_retried_is_stale(advisor: Harness) -> None:
    message_id = await advisor.start()
    first = advisor.click_payload(message_id, "Established")
    second = advisor.click_payload(message_id, "Established")  # the same button, same message
    advisor.double.inject_fault(
        Fault.rate_limited(0.5), "POST", CALLBACK, params={"interaction_token": first["token"]}
    )

    one = await advisor.double.interact(first)
    await one.callback()  # the 429: discord.py is now waiting to try again
    two = await advisor.double.interact(second, settle=0)
    refused = await two.callback()
    shown = await one.request("POST", CALLBACK, nth=1)
    await advisor.settled()

    requests = advisor.double.requests
    assert requests.index(refused) < requests.index(shown)  # answered while the first waited
    assert refused.json["type"] == CHANNEL_MESSAGE and refused.json["data"]["content"] == MOVED_ON
    assert refused.json["data"]["flags"] & EPHEMERAL
    assert shown.status == 200 and shown.json["type"] == UPDATE_MESSAGE
    assert advisor.title(message_id) == SECOND_STEP and len(advisor.showing(SECOND_STEP)) == 1
    stored = await advisor.stored()
    assert stored.version == 2 and stored.session.trail == ("stage",)
