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
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec

import discord

from bot import embeds
from bot.chart import factor_chart_png
from bot.delivery import answer_in_time, claim_response, reply, update
from bot.service import Action, AdvisorService, NoActiveInterview, Outcome
from bot.ui_text import ui
from bot.views import (
    TEXT_FIELD_ID,
    TEXT_MODAL_PATTERN,
    TEXT_MODAL_PREFIX,
    StepRef,
    forget_view,
    prompt_view,
    text_modal,
)
from dialogs import i18n
from dialogs.engine import Turn, TurnKind
from dialogs.verdict import Classification
from storage.keys import SessionKey
from storage.protocol import SessionStore
from storage.reports import GuildSettings

if TYPE_CHECKING:
    from storage.protocol import ResultRecord

log = logging.getLogger(__name__)

MOVED_ON = (
    "This step has moved on: your answer was already recorded. Use the latest message, or `/advisor resume`."
)
NOT_YOURS = "This interview belongs to someone else. Start your own with `/advisor start`."
ELSEWHERE = (
    "That belongs to your interview in another place (another server, or our DMs), so nothing "
    "was changed. Carry on there with `/advisor resume`."
)
ENDED = "That interview has ended. Start a new one with `/advisor start`."
# Sent instead (by followup or DM) when Discord would not take a step or a result; the
# answer that led to it is already stored (see bot.delivery).
STEP_NOT_SHOWN = (
    "Discord would not let me show your next question just now. Your answers are saved: "
    "use `/advisor resume` to see it and carry on."
)
RESULT_NOT_SHOWN = "Discord would not let me show your result just now. It is saved: use `/advisor result`."
DMS_ONLY = (
    "This server keeps interviews in direct messages, so your answers stay between us. "
    "Open a DM with me and use `/advisor start` there."
)


Reporter = Callable[[discord.Interaction[Any], BaseException], Awaitable[None]]
P = ParamSpec("P")


Handler = Callable[Concatenate["InterviewController", discord.Interaction[Any], P], Coroutine[Any, Any, None]]


def reporting(method: Handler[P]) -> Handler[P]:
    """Answer in time and report failures: work that runs long is deferred before
    Discord's three seconds are up, and any failure goes to the bot's one error handler
    (a short message with a reference id for the member, the traceback in the log).
    Components are not app commands, so the command tree would never see their errors."""

    async def wrapper(
        self: InterviewController, interaction: discord.Interaction[Any], /, *args: P.args, **kwargs: P.kwargs
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


def language_of(interaction: discord.Interaction[Any]) -> str:
    """The member's language for replies: their Discord locale, where we have it."""
    return i18n.language_for(str(interaction.locale))


def is_private_place(interaction: discord.Interaction[Any]) -> bool:
    """In a server, interview messages are ephemeral; in DMs there is no one else."""
    return interaction.guild_id is not None


def chart_file(result: Classification) -> discord.File:
    return discord.File(io.BytesIO(factor_chart_png(result)), filename=embeds.CHART_FILENAME)


class InterviewController:
    def __init__(
        self,
        service: AdvisorService,
        store: SessionStore,
        *,
        report: Reporter,
        settings_for: Callable[[int | None], GuildSettings | None] = lambda _guild: None,
    ) -> None:
        self.service = service
        self.store = store
        self.report = report
        self.settings_for = settings_for

    # --- starting ------------------------------------------------------------------------

    @reporting
    async def start(self, interaction: discord.Interaction[Any], *, restart: bool = False) -> None:
        settings = self.settings_for(interaction.guild_id)
        if settings is not None and not settings.interviews_in_channels:
            await reply(interaction, DMS_ONLY, ephemeral=True)
            return
        key = key_for(interaction)
        outcome = await self.service.begin(key, restart=restart)
        lang = language_of(interaction)
        note = None
        if outcome.revived:
            note = ui("revived", lang)
        elif outcome.resumed:
            note = ui("welcome_back", lang)
        elif restart:
            note = ui("started_over", lang)
        await self._send_new(interaction, key, outcome, note=note)

    @reporting
    async def resume(self, interaction: discord.Interaction[Any]) -> None:
        key = key_for(interaction)
        try:
            outcome = await self.service.current(key)
        except NoActiveInterview:
            await reply(
                interaction,
                "You have no interview in progress here. Start one with `/advisor start`.",
                ephemeral=True,
            )
            return
        await self._send_new(interaction, key, outcome, note="Here is where you left off.")

    @reporting
    async def cancel(self, interaction: discord.Interaction[Any]) -> None:
        key = key_for(interaction)
        try:
            await self.service.act(key, Action.CANCEL)
        except NoActiveInterview:
            await reply(interaction, "You have no interview in progress here.", ephemeral=True)
            return
        await reply(interaction, "Interview cancelled. Your earlier results are kept.", ephemeral=True)

    async def _send_new(
        self, interaction: discord.Interaction[Any], key: SessionKey, outcome: Outcome, *, note: str | None
    ) -> None:
        turn = outcome.turn
        lang = language_of(interaction)
        if turn.kind is TurnKind.FINISHED and turn.result is not None:
            await reply(
                interaction,
                embed=embeds.result_embed(turn.result, lang=lang),
                file=chart_file(turn.result),
                ephemeral=is_private_place(interaction),
                undelivered=RESULT_NOT_SHOWN,
            )
            return
        ref = StepRef.for_key(key, outcome.version)
        await reply(
            interaction,
            **_step_message(turn, ref, lang, note=note),
            ephemeral=is_private_place(interaction),
            undelivered=STEP_NOT_SHOWN,
        )

    # --- clicks ------------------------------------------------------------------------

    async def refuse_stranger(self, interaction: discord.Interaction[Any]) -> None:
        await reply(interaction, NOT_YOURS, ephemeral=True)

    async def _may_use(self, interaction: discord.Interaction[Any], ref: StepRef) -> bool:
        """True if the component or modal was drawn for the clicker's interview in the place
        the click came from; else they are told why not. A custom_id is whatever the client
        sends, so the interview it names must be the one this place would open."""
        if interaction.user.id != ref.user_id:
            await self.refuse_stranger(interaction)
            return False
        if ref.key != key_for(interaction):
            await reply(interaction, ELSEWHERE, ephemeral=True)
            return False
        return True

    @reporting
    async def act(
        self, interaction: discord.Interaction[Any], ref: StepRef, action: Action, value: str | list[str]
    ) -> None:
        if not await self._may_use(interaction, ref):
            return
        try:
            outcome = await self.service.act(ref.key, action, value, expected_version=ref.version)
        except NoActiveInterview:
            await reply(interaction, ENDED, ephemeral=True)
            return
        if outcome.stale:
            await reply(interaction, MOVED_ON, ephemeral=True)
            return
        await self._show(interaction, ref, outcome)

    async def _show(self, interaction: discord.Interaction[Any], ref: StepRef, outcome: Outcome) -> None:
        turn = outcome.turn
        lang = language_of(interaction)
        if turn.kind is TurnKind.FINISHED and turn.result is not None:
            await update(
                interaction,
                embed=embeds.result_embed(turn.result, lang=lang),
                attachments=[chart_file(turn.result)],
                view=None,
                undelivered=RESULT_NOT_SHOWN,
            )
            return
        if turn.kind is TurnKind.CANCELLED:
            cancelled = discord.Embed(
                title=ui("cancelled_title", lang), description=ui("cancelled_text", lang)
            )
            await update(interaction, embed=cancelled, view=None)
            return
        fresh = StepRef(ref.user_id, ref.place, outcome.version)
        await update(interaction, **_step_message(turn, fresh, lang), undelivered=STEP_NOT_SHOWN)

    async def _owned_current(self, interaction: discord.Interaction[Any], ref: StepRef) -> Outcome | None:
        """The member's interview as stored now, or None once they have been told why not."""
        if not await self._may_use(interaction, ref):
            return None
        try:
            outcome = await self.service.current(ref.key)
        except NoActiveInterview:
            await reply(interaction, ENDED, ephemeral=True)
            return None
        if outcome.turn.kind is not TurnKind.ASK:
            await reply(interaction, ENDED, ephemeral=True)
            return None
        return outcome

    @reporting
    async def help(self, interaction: discord.Interaction[Any], ref: StepRef) -> None:
        outcome = await self._owned_current(interaction, ref)
        if outcome is not None:
            step = outcome.turn.session.current or ""
            help_text = i18n.localize_help(
                self.service.help(outcome.turn.session), step, language_of(interaction)
            )
            await reply(interaction, help_text, ephemeral=True)

    @reporting
    async def open_text_modal(self, interaction: discord.Interaction[Any], ref: StepRef) -> None:
        outcome = await self._owned_current(interaction, ref)
        if outcome is None:
            return
        if outcome.version != ref.version or outcome.turn.prompt is None:
            await reply(interaction, MOVED_ON, ephemeral=True)
            return
        if not claim_response(interaction):
            # A modal can only be the first answer, and this one came too late for that.
            await reply(interaction, "That took me too long; press “Type your answer” again.", ephemeral=True)
            return
        lang = language_of(interaction)
        prompt = i18n.localize_prompt(outcome.turn.prompt, lang)
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
            await reply(interaction, MOVED_ON, ephemeral=True)
            return
        text = _modal_value(data, TEXT_FIELD_ID)
        ref = StepRef.from_match(match)
        action = Action.ANSWER if text.strip() else Action.SKIP
        await self.act(interaction, ref, action, text)

    # --- results and data ---------------------------------------------------------------

    async def latest(self, user_id: int) -> ResultRecord | None:
        records = await self.store.history(str(user_id), limit=1)
        return records[0] if records else None

    @reporting
    async def export(self, interaction: discord.Interaction[Any]) -> None:
        data = await self.store.export_user(str(interaction.user.id))
        payload = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        file = discord.File(io.BytesIO(payload), filename="offering-advisor-export.json")
        await reply(
            interaction,
            f"Everything stored about you: {len(data['results'])} result(s) and "
            f"{len(data['sessions_in_progress'])} interview(s) in progress.",
            file=file,
            ephemeral=True,
        )

    @reporting
    async def ask_forget(self, interaction: discord.Interaction[Any]) -> None:
        await reply(
            interaction,
            "This deletes every interview and result stored about you, in every server "
            "and in DMs. It cannot be undone.",
            view=forget_view(interaction.user.id),
            ephemeral=True,
        )

    @reporting
    async def confirm_forget(
        self, interaction: discord.Interaction[Any], user_id: int, *, confirmed: bool
    ) -> None:
        if interaction.user.id != user_id:
            await reply(interaction, "Only the member who asked can confirm this.", ephemeral=True)
            return
        if not confirmed:
            await update(interaction, content="Nothing was deleted.", view=None)
            return
        removed = await self.store.forget_user(str(user_id))
        await update(
            interaction,
            content=f"Done: {removed} record(s) deleted. Nothing about you is stored any more.",
            view=None,
        )


def _step_message(turn: Turn, ref: StepRef, lang: str, *, note: str | None = None) -> dict[str, Any]:
    """The embed and components of one interview step, in the member's language, drawn
    for the session version in ``ref``; with the reason when an answer was refused."""
    assert turn.prompt is not None
    prompt = i18n.localize_prompt(turn.prompt, lang)
    explanation = turn.explanation and i18n.localize_help(turn.explanation, turn.prompt.step_id, lang)
    embed = embeds.prompt_embed(prompt, error=turn.error, explanation=explanation, note=note, lang=lang)
    return {"embed": embed, "view": prompt_view(prompt, ref, lang)}


def _modal_value(data: Any, field_id: str) -> str:
    """The value of one text input in a modal submission (rows of components)."""
    for row in data.get("components", []):
        children = row.get("components", []) if "components" in row else [row.get("component", row)]
        for component in children:
            if component.get("custom_id") == field_id:
                return str(component.get("value") or "")
    return ""
