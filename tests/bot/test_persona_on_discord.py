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

    embed = shown["data"]["embeds"][0]
    assert embed["title"] == "Hybrid: a product with a service layer"
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    itil = fields["ITIL 4 reading"]
    assert "Product part: the software itself" in itil
    assert "Service part:" in itil and "the live sessions you run" in itil
    roadmap = "\n".join(value for name, value in fields.items() if name.startswith("Your roadmap"))
    for step in expected.roadmap:
        assert step.title in roadmap and step.why in roadmap
    drove = "\n".join(value for name, value in fields.items() if name.startswith("What drove it"))
    assert "No answer spoke to this" not in drove
    # Mixed answers read as mixed, each quoted as they gave it.
    assert "**Engagement** (both): Points both ways: buyers mostly manage on their own" in drove
    assert "(you said “Both, about equally”)" in drove
