"""A member's roadmap on Discord: the checklist message, its clicks, and the check-in DMs.

The roadmap message shows every step with its state and one step in full, with buttons
for that step's other states; a menu shows another step, and (under the latest result,
where the server allows them) another menu chooses check-ins. Every button names the
progress version it was drawn for (bot/interview/views.py), so a stale or double click
changes nothing and says so.
"""

from __future__ import annotations

import hashlib
from typing import Any

import discord

from advisor.roadmaps import DueCheckIn, NoSuchStep, RoadmapService, StepChange, step_states
from bot.delivery import reply, update
from bot.embeds import COLOURS, DESCRIPTION_LIMIT, FIELD_VALUE_LIMIT, clip
from bot.interview.controller import Reporter, reporting
from bot.interview.views import check_in_view, roadmap_view
from bot.locale import language_of, say
from dialogs import wording
from dialogs.messages import render, text
from dialogs.progress import SETTLED, CheckInChoice, StepState, check_in_choice, counts, current_step
from dialogs.verdict import RoadmapStep
from storage.protocol import CheckIn, ResultRecord

# How each state shows in the list; chosen to read at a glance on a phone, in either theme.
MARKS = {StepState.TODO: "⬜", StepState.DOING: "▶️", StepState.DONE: "✅", StepState.SKIPPED: "⏭️"}
# Check-ins chosen where they are running; a stopped schedule reads as never.
_RUNNING = "discord.check_ins.running."
_STOPPED = {
    "refused": "discord.check_ins.refused",
    "finished": "discord.check_ins.finished",
    "server": "discord.check_ins.off_here",
}


def state_name(state: StepState, lang: str) -> str:
    return text(f"discord.roadmap.state.{state.value}", lang)


def _when(moment: Any) -> str:
    return discord.utils.format_dt(moment, "R")


def _check_ins_line(check_in: CheckIn | None, lang: str) -> str:
    if check_in is None:
        return text("discord.check_ins.none", lang)
    if check_in.next_at is not None:
        return text(_RUNNING + check_in_choice(check_in.every).value, lang, when=_when(check_in.next_at))
    return text(_STOPPED.get(check_in.stopped or "", "discord.check_ins.none"), lang)


def running_choice(check_in: CheckIn | None) -> CheckInChoice:
    if check_in is None or check_in.next_at is None:
        return CheckInChoice.NEVER
    return check_in_choice(check_in.every)


def roadmap_message(
    record: ResultRecord,
    lang: str,
    *,
    focus: int | None = None,
    latest: bool,
    check_ins_here: bool,
    check_in: CheckIn | None,
    note: str | None = None,
) -> dict[str, Any]:
    """The roadmap as a checklist: each step with its state, ``focus`` (by default the
    step the member is on) in full, and the components to change it."""
    localized = wording.localize_result(record.result, lang)
    steps = localized.roadmap
    states = [state for _, state in step_states(record)]
    if focus is None or not 0 <= focus < len(steps):
        focus = current_step(record.result.roadmap, record.progress) or 0
    lines = []
    for number, (step, state) in enumerate(zip(steps, states, strict=True), start=1):
        name = f"**{number}. {step.title}**" if number - 1 == focus else f"{number}. {step.title}"
        lines.append(
            f"{MARKS[state]} {name}" + ("" if state is StepState.TODO else f" · {state_name(state, lang)}")
        )
    done = counts(record.result.roadmap, record.progress)[StepState.DONE]
    progress = text("discord.roadmap.progress", lang, count=done, total=len(steps))
    embed = discord.Embed(
        title=text("discord.roadmap.title", lang),
        description=clip(f"{progress}\n\n" + "\n".join(lines), DESCRIPTION_LIMIT),
        colour=COLOURS[record.result.verdict],
    )
    shown = steps[focus]
    embed.add_field(
        name=clip(text("discord.roadmap.focus", lang, number=focus + 1, title=shown.title), 256),
        value=clip(shown.detail + (f"\n*{shown.why}*" if shown.why else ""), FIELD_VALUE_LIMIT),
        inline=False,
    )
    if not latest:
        check_ins = text("discord.check_ins.older_result", lang)
    elif not check_ins_here:
        check_ins = text("discord.check_ins.off_here", lang)
    else:
        check_ins = _check_ins_line(check_in, lang)
    embed.add_field(name=text("discord.roadmap.check_ins", lang), value=check_ins, inline=False)
    labels = [
        (f"{MARKS[state]} " + text("discord.roadmap.option", lang, number=index + 1, title=step.title), state)
        for index, (step, state) in enumerate(zip(steps, states, strict=True))
    ]
    view = roadmap_view(
        int(record.key.user_id),
        record.id,
        record.progress_version,
        focus=focus,
        states=labels,
        lang=lang,
        check_ins=running_choice(check_in) if latest and check_ins_here else None,
    )
    return {"content": note, "embed": embed, "view": view}


def check_in_nonce(check_in: CheckIn) -> str:
    """The same for every attempt at one member's check-in for one due time, so a second
    process (or a retry after a crash) cannot deliver it twice (Discord takes 25 characters)."""
    due = check_in.next_at.isoformat() if check_in.next_at else ""
    return hashlib.sha256(f"check-in/{check_in.user_id}/{due}".encode()).hexdigest()[:25]


def check_in_message(due: DueCheckIn) -> dict[str, Any]:
    """One line about the step the member is on, with Done / Still on it / Skip / Stop."""
    lang = due.check_in.lang
    record = due.record
    steps = wording.localize_result(record.result, lang).roadmap
    line = text(
        "discord.check_in.message",
        lang,
        number=due.step_index + 1,
        count=len(steps),
        title=steps[due.step_index].title,
    )
    view = check_in_view(int(record.key.user_id), record.id, due.step_index, record.progress_version, lang)
    return {"content": line, "view": view, "nonce": check_in_nonce(due.check_in)}


class RoadmapController:
    def __init__(self, roadmaps: RoadmapService, *, report: Reporter) -> None:
        self.roadmaps = roadmaps
        self.report = report

    async def _message(
        self,
        interaction: discord.Interaction[Any],
        record: ResultRecord,
        *,
        focus: int | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:
        user_id = str(interaction.user.id)
        newest = await self.roadmaps.roadmap(user_id)
        latest = newest is not None and newest.id == record.id
        return roadmap_message(
            record,
            language_of(interaction),
            focus=focus,
            latest=latest,
            check_ins_here=await self.roadmaps.check_ins_allowed(record),
            check_in=await self.roadmaps.check_ins(user_id) if latest else None,
            note=note,
        )

    async def _owned(
        self, interaction: discord.Interaction[Any], result_id: int | None
    ) -> ResultRecord | None:
        record = await self.roadmaps.roadmap(str(interaction.user.id), result_id)
        if record is None:
            gone = "discord.no_roadmap" if result_id is None else "discord.result_gone"
            await reply(interaction, say(interaction, gone), ephemeral=True)
        return record

    @reporting
    async def show(self, interaction: discord.Interaction[Any], result_id: int | None = None) -> None:
        """The member's roadmap (of their latest result, or of ``result_id``), only to them."""
        record = await self._owned(interaction, result_id)
        if record is not None:
            await reply(interaction, **await self._message(interaction, record), ephemeral=True)

    @reporting
    async def show_step(self, interaction: discord.Interaction[Any], result_id: int, step_index: int) -> None:
        record = await self._owned(interaction, result_id)
        if record is not None:
            await update(interaction, **await self._message(interaction, record, focus=step_index))

    @reporting
    async def set_state(
        self,
        interaction: discord.Interaction[Any],
        result_id: int,
        step_index: int,
        state: StepState,
        *,
        version: int,
        from_check_in: bool,
    ) -> None:
        user_id = str(interaction.user.id)
        if from_check_in:
            # A check-in is about the latest result: one left from before a retake changes nothing.
            newest = await self.roadmaps.roadmap(user_id)
            if newest is not None and newest.id != result_id:
                await update(interaction, content=say(interaction, "discord.check_in.stale"), view=None)
                return
        try:
            change = await self.roadmaps.set_state(
                user_id, result_id, step_index, state, expected_version=version
            )
        except NoSuchStep:
            change = None
        if change is None:
            await reply(interaction, say(interaction, "discord.result_gone"), ephemeral=True)
            return
        if from_check_in:
            await update(interaction, content=await self._after_check_in(interaction, change), view=None)
            return
        lang = language_of(interaction)
        number, name = step_index + 1, state_name(change.state, lang)
        if change.stale:
            note = say(interaction, "discord.roadmap.stale")
        elif not change.changed:
            note = say(interaction, "discord.roadmap.unchanged", number=number, state=name)
        else:
            note = say(interaction, "discord.roadmap.saved", number=number, state=name)
            if change.finished:
                note += " " + say(interaction, "discord.roadmap.all_settled")
        # A step just finished with moves the view on to the next open one.
        focus = None if change.changed and change.state in SETTLED else step_index
        await update(interaction, **await self._message(interaction, change.record, focus=focus, note=note))

    async def _after_check_in(self, interaction: discord.Interaction[Any], change: StepChange) -> str:
        """What a check-in's message says once the member answered it."""
        if change.stale:
            return say(interaction, "discord.check_in.stale")
        lang = language_of(interaction)
        title = _title(change.step, lang)
        said = say(interaction, f"discord.check_in.after.{change.state.value}", title=title)
        if change.finished:
            return f"{said}\n{say(interaction, 'discord.check_in.finished')}"
        schedule = await self.roadmaps.check_ins(str(interaction.user.id))
        if schedule is None or schedule.next_at is None:
            return said
        when = _when(schedule.next_at)
        steps = change.record.result.roadmap
        upcoming = current_step(steps, change.record.progress)
        # Still on the same step: only when the next check-in comes.
        if upcoming is None or steps[upcoming].id == change.step.id:
            return f"{said}\n" + say(interaction, "discord.check_in.next_time", when=when)
        next_title = _title(steps[upcoming], lang)
        return f"{said}\n" + say(interaction, "discord.check_in.next", title=next_title, when=when)

    @reporting
    async def choose_check_ins(
        self, interaction: discord.Interaction[Any], result_id: int, choice: CheckInChoice
    ) -> None:
        record = await self._owned(interaction, result_id)
        if record is None:
            return
        user_id = str(interaction.user.id)
        newest = await self.roadmaps.roadmap(user_id)
        if newest is None or newest.id != record.id:
            note = say(interaction, "discord.check_ins.older_result")
        elif not await self.roadmaps.check_ins_allowed(record):
            note = say(interaction, "discord.check_ins.off_here")
        else:
            chosen = await self.roadmaps.choose_check_ins(user_id, choice, language_of(interaction))
            when = _when(chosen.next_at) if chosen is not None and chosen.next_at is not None else ""
            note = say(interaction, f"discord.check_ins.saved.{choice.value}", when=when)
        await update(interaction, **await self._message(interaction, record, note=note))

    @reporting
    async def stop_check_ins(self, interaction: discord.Interaction[Any]) -> None:
        await self.roadmaps.choose_check_ins(
            str(interaction.user.id), CheckInChoice.NEVER, language_of(interaction)
        )
        await update(interaction, content=say(interaction, "discord.check_in.stopped"), view=None)


def _title(step: RoadmapStep, lang: str) -> str:
    return render(wording.roadmap_step(step)["title"], lang)
