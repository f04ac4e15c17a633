"""The terminal front end in-process, with both renderers, on a real SQLite store."""

from __future__ import annotations

import io
import re

from rich.console import Console

from advisor.service import AdvisorService
from storage.keys import SessionKey
from terminal.chat import PlainRenderer, RichRenderer, TerminalChat, choose_renderer

KEY = SessionKey.for_terminal("tester")
SAAS = ["3", "5", "1", "no", "5", "2", "2", "2", "2", "1", "3", "1", "1,2,3", "4"]


async def run_chat(service: AdvisorService, lines: list[str], *, rich: bool) -> str:
    out = io.StringIO()
    renderer = (
        RichRenderer(Console(file=out, force_terminal=True, width=100, highlight=False))
        if rich
        else PlainRenderer(out)
    )
    chat = TerminalChat(
        service, KEY, renderer, io.StringIO("".join(f"{line}\n" for line in lines)), interactive=False
    )
    assert await chat.run() == 0
    return out.getvalue()


async def test_rich_interview_shows_result_panels_and_never_interprets_member_markup(
    service: AdvisorService,
) -> None:
    answers = ["[red]boom[/red]", *SAAS, "A hosted booking tool [bold]x[/bold]"]
    card_only = await run_chat(service, answers, rich=True)
    assert "[red]boom[/red]" in card_only  # echoed in the error exactly as typed
    assert "Your result" in card_only and "Why, in short" in card_only
    assert "What drove it" not in card_only
    # Each part of the result is a key away: every reason, the roadmap, the ITIL reading.
    await service.forget(KEY.user_id)
    output = await run_chat(service, [*answers, "r", "m", "i", ""], rich=True)
    for heading in ("Your result", "What drove it", "ITIL 4 reading", "Your roadmap"):
        assert heading in output
    assert "a product delivered as a service" in output


async def test_plain_interview_reads_as_a_transcript(service: AdvisorService) -> None:
    output = await run_chat(service, [*SAAS, "skip", "m"], rich=False)
    assert "\x1b[" not in output
    assert "Step 1 of 15" in output  # every branch counted from the start
    assert "Verdict: Hybrid: a product delivered as a service" in output
    assert "Roadmap:" in output


async def test_change_lists_answers_and_changes_one_without_retaking_the_rest(
    service: AdvisorService,
) -> None:
    # Answer three questions, change the first, then quit: the later two answers stay.
    output = await run_chat(service, ["1", "5", "1", "change", "1", "3", "quit"], rich=False)
    assert "Your answers so far:" in output
    assert "1) Where are you with this offering today? — Just starting" in output
    stored = await service.store.load(KEY)
    assert stored is not None
    assert stored.session.answers["stage"].options == ("established",)
    assert stored.session.answers["offering_kind"].options == ("platform",)
    assert stored.session.current == "extra_help"


def test_plain_output_is_chosen_when_stdout_is_not_a_terminal() -> None:
    assert isinstance(choose_renderer(io.StringIO(), plain=False), PlainRenderer)


async def test_several_chosen_options_read_back_apart_though_their_labels_hold_commas(
    service: AdvisorService,
) -> None:
    output = await run_chat(service, ["2", "8", "2", "yes", "1,3", "change", "", "quit"], rich=False)
    assert (
        "How do customers pay you? — “Once, for a ready-made thing” and “By the hour or quoted per project”"
    ) in output


async def test_after_the_card_a_key_that_opens_nothing_says_so(service: AdvisorService) -> None:
    output = await run_chat(service, [*SAAS, "skip", "x", "i", ""], rich=False)
    assert "“x” opens nothing here." in output
    assert "ITIL reading:" in output  # the next key still works


async def test_the_rich_card_keeps_a_wrapped_reason_under_its_own_indent(service: AdvisorService) -> None:
    output = re.sub(r"\x1b\[[0-9;]*m", "", await run_chat(service, [*SAAS, "skip"], rich=True))
    inner = [line.split("│")[1] for line in output.splitlines() if line.count("│") == 2]
    why = next(index for index, line in enumerate(inner) if "Why, in short" in line)
    reasons = []
    for line in inner[why + 1 :]:
        if not line.strip():
            break
        reasons.append(line)
    # Three reasons, one of them wrapped, and every line two spaces in.
    assert len(reasons) > 3
    assert all(line.startswith("   ") for line in reasons)


async def test_the_rich_card_in_french_punctuates_as_french_does(service: AdvisorService) -> None:
    FRENCH_SAAS = ["non" if answer == "no" else answer for answer in SAAS]
    out = io.StringIO()
    renderer = RichRenderer(Console(file=out, force_terminal=True, width=100, highlight=False), "fr")
    chat = TerminalChat(
        service,
        KEY,
        renderer,
        io.StringIO("".join(f"{line}\n" for line in [*FRENCH_SAAS, "passer", ""])),
        interactive=False,
    )
    assert await chat.run() == 0
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    assert "Source de valeur (produit)\u00a0: " in plain  # held to its word on a phone
