"""One persona of the suite through Discord: a member with a fitness app, a subscription to
live coach-led sessions and the app hosted by them takes the interview with buttons,
menus and the free-text form, and reads the advice the engine gives them, on the card."""

from __future__ import annotations

from dialogs.bank import StepKind, default_bank
from tests.discord_double.payloads import walk_components
from tests.personas import Persona, contradictions, interview, load_personas
from tests.transcript import BUTTON, Harness

PERSONA = next(persona for persona in load_personas() if persona.id == "fitness_app_live_coaching")


def pick_for(persona: Persona, step_id: str, message: dict[str, object]) -> str | list[str]:
    """What the member presses: the button labelled with their answer, or the menu values."""
    step = default_bank().step(step_id)
    chosen = persona.answers[step_id]
    if step.kind is StepKind.MULTI:
        return list(chosen)
    label = step.option(chosen[0]).label
    buttons = [c for c in walk_components(message["components"]) if c["type"] == BUTTON]
    return label if any(button.get("label") == label for button in buttons) else list(chosen)


async def test_a_persona_reads_the_same_advice_on_discord_as_the_engine_gives(advisor: Harness) -> None:
    message_id = await advisor.start()
    while True:
        stored = await advisor.stored()
        step_id = stored.session.current
        assert step_id is not None
        if step_id == "description":
            assert PERSONA.description is not None
            _, shown = await advisor.type_answer(message_id, PERSONA.description)
            break
        await advisor.answer(message_id, pick_for(PERSONA, step_id, advisor.message(message_id)))

    expected = interview(PERSONA)
    (record,) = await advisor.history()
    assert record.result.model_dump(exclude={"description"}) == expected.model_dump(exclude={"description"})
    assert contradictions(PERSONA, record.result) == []

    card = shown["data"]["embeds"][0]
    assert card["title"] == "Hybrid: a product with a service layer"
    # The card says which part is which in a line; the buttons open the rest.
    assert "The product is the software itself; the service is" in card["description"]
    assert "the live sessions you run" in card["description"]
    (why,) = [field["value"] for field in card["fields"] if field["name"] == "Why, in short"]
    assert "(product)" in why and "(service)" in why

    _, itil = await advisor.press(message_id, "ITIL 4 reading")
    itil_text = str(itil["data"]["embeds"][0])
    assert "Product part: the software itself" in itil_text
    assert "Service part:" in itil_text and "the live sessions you run" in itil_text
    handle, roadmap = await advisor.press(message_id, "Whole roadmap")
    steps = roadmap["data"]["embeds"][0]["description"]
    assert handle.original_message is not None
    checklist = str(handle.original_message["id"])
    for number, step in enumerate(expected.roadmap):
        assert step.title in steps
        # Each step opens in full from the checklist's menu, with why it was chosen.
        await advisor.choose(checklist, [str(number)])
        shown = advisor.message(checklist)["embeds"][0]["fields"][0]
        assert shown["name"] == f"Step {number + 1}: {step.title}" and step.why in shown["value"]
    _, reasons = await advisor.press(message_id, "All reasons")
    drove = reasons["data"]["embeds"][0]["description"]
    assert "No answer spoke to this" not in drove
    # Mixed answers read as mixed, each quoted as they gave it.
    assert "**Engagement** (both): Points both ways: buyers mostly manage on their own" in drove
    assert "(you said “Both, about equally”)" in drove
