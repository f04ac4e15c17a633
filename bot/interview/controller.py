"""The interview on Discord: turn clicks, menus and modals into service actions and
render the outcome, always answering within Discord's three seconds.

Private by default: in a server every interview message is ephemeral (only its member
sees it); in DMs it is simply the conversation. A click is checked three ways before
anything is written: the clicker owns the interview, the interview still exists, and
the component was drawn for the session version that is stored now (so a stale or
double click changes nothing).
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

import discord

from advisor.service import Action, AdvisorService, NoActiveInterview, Outcome
from bot import embeds
from bot.cards import card_message
from bot.chart import factor_chart_png
from bot.delivery import answer_in_time, claim_response, reply, update
from bot.interview.live_messages import LiveMessages
from bot.interview.views import (
    TEXT_FIELD_ID,
    TEXT_MODAL_PATTERN,
    TEXT_MODAL_PREFIX,
    StepRef,
    confirm_step_view,
    forget_view,
    prompt_view,
    text_modal,
)
from bot.locale import language_of, say
from dialogs import wording
from dialogs.engine import Turn, TurnKind
from dialogs.messages import Quoted, msg, render, text
from dialogs.verdict import Classification
from storage.keys import SessionKey
from storage.settings import GuildSettings

log = logging.getLogger(__name__)

# How long a confirmation of cancel, restart or forget can be used after it was shown.
CONFIRM_FOR_SECONDS = 10 * 60

Reporter = Callable[[discord.Interaction[Any], BaseException], Awaitable[None]]
P = ParamSpec("P")


class Reports(Protocol):
    """A controller whose failures go to the bot's one error handler."""

    report: Reporter


C = TypeVar("C", bound=Reports)
Handler = Callable[Concatenate[C, discord.Interaction[Any], P], Coroutine[Any, Any, None]]


def reporting(method: Handler[C, P]) -> Handler[C, P]:
    """Answer in time and report failures: work that runs long is deferred before
    Discord's three seconds are up, and any failure goes to the bot's one error handler
    (a short message with a reference id for the member, the traceback in the log).
    Components are not app commands, so the command tree would never see their errors."""

    async def wrapper(
        self: C, interaction: discord.Interaction[Any], /, *args: P.args, **kwargs: P.kwargs
    ) -> None:
        clicked = interaction.type is not discord.InteractionType.application_command
        started = time.perf_counter()
        try:
            async with answer_in_time(
                interaction, edits_message=clicked, ephemeral=is_private_place(interaction)
            ):
                await method(self, interaction, *args, **kwargs)
        except Exception as error:
            await self.report(interaction, error)
        # What was done and how long it took; never what the member sent.
        log.debug(
            "%s (%s) answered in %.1f ms",
            method.__name__,
            interaction.type.name,
            (time.perf_counter() - started) * 1000,
        )

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


def key_for(interaction: discord.Interaction[Any]) -> SessionKey:
    if interaction.guild_id is None:
        return SessionKey.for_dm(interaction.user.id)
    return SessionKey.for_guild(interaction.user.id, interaction.guild_id)


def is_private_place(interaction: discord.Interaction[Any]) -> bool:
    """In a server, interview messages are ephemeral; in DMs there is no one else."""
    return interaction.guild_id is not None


def chart_file(result: Classification, lang: str = "en") -> discord.File:
    return discord.File(io.BytesIO(factor_chart_png(result, lang)), filename=embeds.CHART_FILENAME)


class InterviewController:
    def __init__(
        self,
        service: AdvisorService,
        *,
        report: Reporter,
        settings_for: Callable[[int | None], GuildSettings | None] = lambda _guild: None,
    ) -> None:
        self.service = service
        self.report = report
        self.settings_for = settings_for
        self.live = LiveMessages()
        self.confirm_for_seconds = CONFIRM_FOR_SECONDS
        self.clock: Callable[[], float] = time.time

    def _issued_now(self) -> int:
        return int(self.clock())

    def _expired(self, issued: int) -> bool:
        return issued <= 0 or self.clock() - issued > self.confirm_for_seconds

    # --- starting ------------------------------------------------------------------------

    @reporting
    async def start(self, interaction: discord.Interaction[Any], *, restart: bool = False) -> None:
        settings = self.settings_for(interaction.guild_id)
        if settings is not None and not settings.interviews_in_channels:
            await reply(interaction, say(interaction, "discord.dms_only"), ephemeral=True)
            return
        key = key_for(interaction)
        if restart and await self._ask_first(interaction, key, "restart"):
            return
        outcome = await self.service.begin(key, restart=restart)
        lang = language_of(interaction)
        note = None
        if outcome.revived:
            note = text("discord.revived", lang)
        elif outcome.resumed:
            note = text("discord.welcome_back", lang)
        elif restart:
            note = text("discord.started_over", lang)
        await self._send_new(interaction, key, outcome, note=note)

    @reporting
    async def resume(self, interaction: discord.Interaction[Any]) -> None:
        key = key_for(interaction)
        try:
            outcome = await self.service.current(key)
        except NoActiveInterview:
            await reply(interaction, say(interaction, "discord.no_interview_start"), ephemeral=True)
            return
        await self._send_new(interaction, key, outcome, note=say(interaction, "discord.left_off"))

    @reporting
    async def cancel(self, interaction: discord.Interaction[Any]) -> None:
        key = key_for(interaction)
        asked = await self._ask_first(interaction, key, "cancel")
        if asked:
            return
        if asked is None:
            await reply(interaction, say(interaction, "discord.no_interview"), ephemeral=True)
            return
        try:
            await self.service.act(key, Action.CANCEL)
        except NoActiveInterview:
            await reply(interaction, say(interaction, "discord.no_interview"), ephemeral=True)
            return
        self.live.drop(key)
        await reply(interaction, say(interaction, "discord.cancelled_kept"), ephemeral=True)

    async def _ask_first(
        self, interaction: discord.Interaction[Any], key: SessionKey, what: str
    ) -> bool | None:
        """Ask the member to confirm cancelling or restarting their interview here, for
        the version stored now: True once asked, False when it would throw no answer
        away (so there is nothing to confirm), None when there is no interview here."""
        try:
            outcome = await self.service.current(key)
        except NoActiveInterview:
            return None
        answered = len(outcome.turn.session.answers)
        if outcome.turn.kind is not TurnKind.ASK or answered == 0:
            return False
        lang = language_of(interaction)
        ref = StepRef.for_key(key, outcome.version)
        await reply(
            interaction,
            **_confirmation(what, ref, answered, self._issued_now(), lang),
            ephemeral=is_private_place(interaction),
        )
        await self.live.replace(("confirm", key), interaction, text("discord.superseded", lang))
        return True

    @reporting
    async def ask_cancel(self, interaction: discord.Interaction[Any], ref: StepRef) -> None:
        """The step's Cancel button: the step message becomes the question "cancel?"."""
        outcome = await self._owned_current(interaction, ref)
        if outcome is None:
            return
        if outcome.version != ref.version:
            await reply(interaction, say(interaction, "discord.moved_on"), ephemeral=True)
            return
        answered = len(outcome.turn.session.answers)
        if answered == 0:  # nothing would be lost, so nothing to confirm
            await self._act(interaction, ref, Action.CANCEL, "")
            return
        lang = language_of(interaction)
        await update(interaction, **_confirmation("cancel", ref, answered, self._issued_now(), lang))

    @reporting
    async def confirm_step(
        self, interaction: discord.Interaction[Any], ref: StepRef, what: str, *, confirmed: bool, issued: int
    ) -> None:
        """Yes or no to cancelling or restarting, for the version the question was shown for."""
        # Whatever the answer, the question is over: the message becomes a step or a note.
        self.live.drop(("confirm", ref.key))
        lang = language_of(interaction)
        if confirmed and self._expired(issued):
            await update(interaction, content=text("discord.confirm_expired", lang), embed=None, view=None)
            return
        try:
            if not confirmed:
                outcome = await self.service.current(ref.key)
                outcome = replace(outcome, stale=outcome.version != ref.version)
            elif what == "cancel":
                outcome = await self.service.act(ref.key, Action.CANCEL, expected_version=ref.version)
            else:
                outcome = await self.service.restart(ref.key, expected_version=ref.version)
        except NoActiveInterview:
            await update(interaction, content=say(interaction, "discord.ended"), embed=None, view=None)
            return
        if outcome.stale:
            # Answered elsewhere meanwhile: what the member was asked about is gone.
            await update(interaction, content=say(interaction, "discord.moved_on"), embed=None, view=None)
            return
        if not confirmed and what == "restart":
            await update(interaction, content=text("discord.kept", lang), embed=None, view=None)
            return
        await self._show(interaction, ref, outcome)

    async def _send_new(
        self, interaction: discord.Interaction[Any], key: SessionKey, outcome: Outcome, *, note: str | None
    ) -> None:
        turn = outcome.turn
        lang = language_of(interaction)
        if turn.kind is TurnKind.FINISHED and outcome.record is not None:
            self.live.drop(key)
            await reply(
                interaction,
                **card_message(
                    outcome.record,
                    lang,
                    in_server=is_private_place(interaction),
                    previous=outcome.previous,
                ),
                ephemeral=is_private_place(interaction),
                undelivered=say(interaction, "discord.result_not_shown"),
            )
            return
        ref = StepRef.for_key(key, outcome.version)
        await reply(
            interaction,
            **_step_message(turn, ref, lang, note=note),
            ephemeral=is_private_place(interaction),
            undelivered=say(interaction, "discord.step_not_shown"),
        )
        await self.live.replace(key, interaction, text("discord.superseded", lang))

    # --- clicks ------------------------------------------------------------------------

    async def may_use(
        self,
        interaction: discord.Interaction[Any],
        owner_id: int,
        ref: StepRef | None,
        *,
        refusal: str = "discord.not_yours",
    ) -> bool:
        """True if the clicker owns the component (or modal) and, for an interview's, clicks
        from the place it was drawn for; else they are told why not. A custom_id is whatever
        the client sends, so the interview it names must be the one this place would open."""
        if interaction.user.id != owner_id:
            await reply(interaction, say(interaction, refusal), ephemeral=True)
            return False
        if ref is not None and ref.key != key_for(interaction):
            await reply(interaction, say(interaction, "discord.elsewhere"), ephemeral=True)
            return False
        return True

    @reporting
    async def act(
        self, interaction: discord.Interaction[Any], ref: StepRef, action: Action, value: str | list[str]
    ) -> None:
        await self._act(interaction, ref, action, value)

    async def _act(
        self, interaction: discord.Interaction[Any], ref: StepRef, action: Action, value: str | list[str]
    ) -> None:
        try:
            outcome = await self.service.act(ref.key, action, value, expected_version=ref.version)
        except NoActiveInterview:
            await reply(interaction, say(interaction, "discord.ended"), ephemeral=True)
            return
        if outcome.stale:
            await reply(interaction, say(interaction, "discord.moved_on"), ephemeral=True)
            return
        await self._show(interaction, ref, outcome)

    async def _show(self, interaction: discord.Interaction[Any], ref: StepRef, outcome: Outcome) -> None:
        turn = outcome.turn
        lang = language_of(interaction)
        if turn.kind in (TurnKind.FINISHED, TurnKind.CANCELLED):
            # Its message now shows the result or the cancellation: nothing live to switch off.
            self.live.drop(ref.key)
        if turn.kind is TurnKind.FINISHED and outcome.record is not None:
            await update(
                interaction,
                **card_message(
                    outcome.record,
                    lang,
                    in_server=is_private_place(interaction),
                    previous=outcome.previous,
                ),
                undelivered=say(interaction, "discord.result_not_shown"),
            )
            return
        if turn.kind is TurnKind.CANCELLED:
            cancelled = discord.Embed(
                title=text("discord.cancelled_title", lang), description=text("discord.cancelled_text", lang)
            )
            await update(interaction, embed=cancelled, view=None)
            return
        fresh = StepRef(ref.user_id, ref.place, outcome.version)
        await update(
            interaction,
            **_step_message(turn, fresh, lang),
            undelivered=say(interaction, "discord.step_not_shown"),
        )
        # This message now holds the interview's live step (a confirmation that became a
        # step may have taken over from another message).
        await self.live.replace(ref.key, interaction, text("discord.superseded", lang))

    async def _owned_current(self, interaction: discord.Interaction[Any], ref: StepRef) -> Outcome | None:
        """The member's interview as stored now, or None once they have been told why not."""
        try:
            outcome = await self.service.current(ref.key)
        except NoActiveInterview:
            await reply(interaction, say(interaction, "discord.ended"), ephemeral=True)
            return None
        if outcome.turn.kind is not TurnKind.ASK:
            await reply(interaction, say(interaction, "discord.ended"), ephemeral=True)
            return None
        return outcome

    @reporting
    async def help(self, interaction: discord.Interaction[Any], ref: StepRef) -> None:
        outcome = await self._owned_current(interaction, ref)
        if outcome is not None:
            help_text = render(self.service.help(outcome.turn.session), language_of(interaction))
            await reply(interaction, help_text, ephemeral=True)

    @reporting
    async def open_text_modal(self, interaction: discord.Interaction[Any], ref: StepRef) -> None:
        outcome = await self._owned_current(interaction, ref)
        if outcome is None:
            return
        if outcome.version != ref.version or outcome.turn.prompt is None:
            await reply(interaction, say(interaction, "discord.moved_on"), ephemeral=True)
            return
        if not claim_response(interaction):
            # A modal can only be the first answer, and this one came too late for that.
            button = Quoted((msg("discord.type"),))
            await reply(
                interaction, say(interaction, "discord.modal_too_late", button=button), ephemeral=True
            )
            return
        lang = language_of(interaction)
        prompt = wording.localize_prompt(outcome.turn.prompt, lang)
        await interaction.response.send_modal(text_modal(prompt, ref, lang))

    @reporting
    async def on_modal_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Handle a free-text answer from its custom_id alone (modals we did not send are
        left to whoever sent them)."""
        data: Any = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        if not custom_id.startswith(TEXT_MODAL_PREFIX):
            return
        match = TEXT_MODAL_PATTERN.fullmatch(custom_id)
        if match is None:
            await reply(interaction, say(interaction, "discord.moved_on"), ephemeral=True)
            return
        answer = _modal_value(data, TEXT_FIELD_ID)
        ref = StepRef.from_match(match)
        if not await self.may_use(interaction, ref.user_id, ref):
            return
        action = Action.ANSWER if answer.strip() else Action.SKIP
        await self._act(interaction, ref, action, answer)

    # --- results and data ---------------------------------------------------------------

    @reporting
    async def export(self, interaction: discord.Interaction[Any]) -> None:
        data = await self.service.export(str(interaction.user.id))
        payload = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        file = discord.File(io.BytesIO(payload), filename="offering-advisor-export.json")
        await reply(
            interaction,
            say(
                interaction,
                "discord.export_done",
                results=msg("count.results", count=len(data["results"])),
                interviews=msg("count.interviews_in_progress", count=len(data["sessions_in_progress"])),
            ),
            file=file,
            ephemeral=True,
        )

    @reporting
    async def ask_forget(self, interaction: discord.Interaction[Any]) -> None:
        lang = language_of(interaction)
        user_id = interaction.user.id
        data = await self.service.data_fingerprint(str(user_id))
        await reply(
            interaction,
            text("discord.forget_prompt", lang),
            view=forget_view(user_id, self._issued_now(), data, lang),
            ephemeral=True,
        )
        await self.live.replace(("forget", user_id), interaction, text("discord.superseded", lang))

    @reporting
    async def confirm_forget(
        self, interaction: discord.Interaction[Any], user_id: int, *, confirmed: bool, issued: int, data: str
    ) -> None:
        """Delete everything, if the member's data is still what the question was shown for."""
        lang = language_of(interaction)
        self.live.drop(("forget", user_id))  # the question is over, whatever the answer
        if not confirmed:
            await update(interaction, content=text("discord.forget_kept", lang), view=None)
            return
        if self._expired(issued):
            await update(interaction, content=text("discord.confirm_expired", lang), view=None)
            return
        removed = await self.service.forget(str(user_id), fingerprint=data)
        if removed is None:
            await update(interaction, content=text("discord.forget_changed", lang), view=None)
            return
        await update(
            interaction,
            content=say(interaction, "discord.forgotten", count=removed),
            view=None,
        )


def _step_message(turn: Turn, ref: StepRef, lang: str, *, note: str | None = None) -> dict[str, Any]:
    """The embed and components of one interview step, in the member's language, drawn
    for the session version in ``ref``; with the reason when an answer was refused."""
    assert turn.prompt is not None
    prompt = wording.localize_prompt(turn.prompt, lang)
    embed = embeds.prompt_embed(prompt, error=turn.error, explanation=turn.explanation, note=note, lang=lang)
    return {"embed": embed, "view": prompt_view(prompt, ref, lang)}


def _confirmation(what: str, ref: StepRef, answered: int, issued: int, lang: str) -> dict[str, Any]:
    """The question "cancel (or restart) this interview?", for the version in ``ref``."""
    embed = discord.Embed(
        title=text(f"discord.confirm_{what}_title", lang),
        description=text("discord.confirm_discards", lang, count=answered),
        colour=discord.Colour.orange(),
    )
    return {"embed": embed, "view": confirm_step_view(what, ref, issued, lang), "content": None}


def _modal_value(data: Any, field_id: str) -> str:
    """The value of one text input in a modal submission (rows of components)."""
    for row in data.get("components", []):
        children = row.get("components", []) if "components" in row else [row.get("component", row)]
        for component in children:
            if component.get("custom_id") == field_id:
                return str(component.get("value") or "")
    return ""
