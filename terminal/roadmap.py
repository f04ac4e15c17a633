"""The roadmap as a checklist in the terminal: each step with its state, in plain text."""

from __future__ import annotations

from advisor.roadmaps import step_states
from dialogs import wording
from dialogs.messages import text
from dialogs.progress import StepState, counts, current_step
from storage.protocol import ResultRecord


def state_name(state: StepState, lang: str) -> str:
    return text(f"terminal.roadmap.state.{state.value}", lang)


def plain_roadmap(record: ResultRecord, lang: str = "en") -> str:
    """The roadmap of one result, a line per step, and how to change one."""
    steps = wording.localize_result(record.result, lang).roadmap
    states = [state for _, state in step_states(record)]
    done = counts(record.result.roadmap, record.progress)[StepState.DONE]
    when = record.created_at.astimezone().strftime("%Y-%m-%d")
    progress = text("terminal.roadmap.progress", lang, count=done, total=len(steps))
    lines = [text("terminal.roadmap.title", lang, progress=progress, when=when)]
    # As wide as the longest state in this language, so the titles line up.
    width = max(len(state_name(state, lang)) for state in StepState)
    for number, (step, state) in enumerate(zip(steps, states, strict=True), start=1):
        lines.append(f"  {number}. [{state_name(state, lang):<{width}}] {step.title}")
    on = current_step(record.result.roadmap, record.progress)
    lines.append("")
    lines.append(
        text("terminal.roadmap.on", lang, number=on + 1)
        if on is not None
        else text("terminal.roadmap.all_settled", lang)
    )
    lines.append(text("terminal.roadmap.how", lang))
    return "\n".join(lines)
