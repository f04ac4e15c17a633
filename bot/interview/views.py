"""Components that survive a restart: every button and menu is a ``DynamicItem``.

A custom_id carries only what is needed to find the session again (the owner, the
place) and the session version the component was drawn for, never answers or state.
Discord allows 100 characters; the longest id here is under 95.

    oa:o:<user>:<place>:<version>:<option>   an option button
    oa:s:<user>:<place>:<version>            an option menu (single or multiple choice)
    oa:n:<action>:<user>:<place>:<version>   back / skip / help / cancel / type
    oa:t:<user>:<place>:<version>            the free-text modal (see bot/interview/controller.py)
    oa:b:<user>                              "take the full interview" under a quick check
    oa:c:<cancel|restart>:<yes|no>:<user>:<place>:<version>:<issued>
                                             confirming cancel or restart of that version
    oa:f:<yes|no>:<user>:<issued>:<data>     confirming /advisor forget of that data
    oa:r:<part>:<user>:<result>              a result card's button: open a part of that
                                             result, share it, or take the interview again
    oa:p:<post|cancel>:<user>:<result>       posting a previewed share of that result
    oa:h:<user>                              /advisor history's menu of past results
    oa:w:<state>:<user>:<result>:<step>:<progress version>
                                             put a roadmap step in a state, from the roadmap
    oa:i:<state>:<user>:<result>:<step>:<progress version>
                                             the same from a check-in's direct message
    oa:v:<user>:<result>                     the roadmap's menu of its steps (which to show)
    oa:k:<user>:<result>                     the roadmap's menu of check-in choices
    oa:q:<user>                              "stop check-ins" under a check-in

A confirmation of a destructive action is tied to what it was shown for (the session
version, or a fingerprint of everything stored about the member) and to when it was shown
(``issued``, in Unix seconds), so an old one changes nothing (see bot/interview/controller.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from advisor.service import Action
from dialogs.bank import StepKind
from dialogs.engine import Prompt
from dialogs.messages import text
from dialogs.progress import CheckInChoice, StepState
from storage.keys import DM_SCOPE, SessionKey, guild_of

if TYPE_CHECKING:
    from bot.client import AdvisorBot

CUSTOM_ID_LIMIT = 100
# Discord's limits on a modal's text field.
MODAL_LABEL_LIMIT = 45
PLACEHOLDER_LIMIT = 100
BUTTON_OPTION_LIMIT = 5
_PLACE = r"(?P<place>g\d{1,20}|dm)"
_USER = r"(?P<user>\d{1,20})"
_VERSION = r"(?P<version>\d{1,10})"
_ISSUED = r"(?P<issued>\d{1,12})"


@dataclass(frozen=True)
class StepRef:
    """Which interview, and which version of it, a component was drawn for."""

    user_id: int
    place: str
    version: int

    @classmethod
    def for_key(cls, key: SessionKey, version: int) -> StepRef:
        """The custom_id form of a place: ``g<server id>``, or ``dm``; ``key`` reads it back."""
        guild = guild_of(key.scope)
        if guild is None and key.scope != DM_SCOPE:
            raise ValueError(f"{key.scope!r} interviews have no Discord components")
        return cls(int(key.user_id), DM_SCOPE if guild is None else f"g{guild}", version)

    @classmethod
    def from_match(cls, match: re.Match[str]) -> StepRef:
        return cls(int(match["user"]), match["place"], int(match["version"]))

    @property
    def key(self) -> SessionKey:
        if self.place == DM_SCOPE:
            return SessionKey.for_dm(self.user_id)
        return SessionKey.for_guild(self.user_id, self.place[1:])

    @property
    def id_part(self) -> str:
        return f"{self.user_id}:{self.place}:{self.version}"


def _bot(interaction: discord.Interaction[Any]) -> AdvisorBot:
    return interaction.client  # type: ignore[no-any-return]


class _MembersItem:
    """A component only its member may use, and only from the place it was drawn for.

    discord.py runs ``interaction_check`` before the callback, for every item below, so
    a stranger's click or one from another place never reaches the controller.
    """

    owner_id: int
    # What a stranger is told, by catalog key.
    refusal = "discord.not_yours"

    def drawn_for(self) -> StepRef | None:
        """The interview the component was drawn for; None for a component of no interview."""
        return None

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await _bot(interaction).interviews.may_use(
            interaction, self.owner_id, self.drawn_for(), refusal=self.refusal
        )


class _InterviewItem(_MembersItem):
    """A component of one interview, at the version in ``ref``."""

    ref: StepRef

    def drawn_for(self) -> StepRef | None:
        return self.ref


class OptionButton(
    _InterviewItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"oa:o:{_USER}:{_PLACE}:{_VERSION}:(?P<option>[a-z0-9_]{{1,32}})",
):
    def __init__(self, ref: StepRef, option_id: str, label: str = "…", *, selected: bool = False) -> None:
        style = discord.ButtonStyle.primary if selected else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=style, row=0, custom_id=f"oa:o:{ref.id_part}:{option_id}"
            )
        )
        self.ref, self.option_id, self.owner_id = ref, option_id, ref.user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> OptionButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(StepRef.from_match(match), match["option"], label or "…")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _bot(interaction).interviews.act(interaction, self.ref, Action.ANSWER, [self.option_id])


class OptionSelect(
    _InterviewItem,
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=rf"oa:s:{_USER}:{_PLACE}:{_VERSION}",
):
    def __init__(self, ref: StepRef, prompt: Prompt | None = None, lang: str = "en") -> None:
        options: list[discord.SelectOption] = []
        min_values = max_values = 1
        if prompt is not None:
            chosen = set(prompt.current_answer.options) if prompt.current_answer else set()
            options = [
                discord.SelectOption(
                    label=option.label[:100],
                    value=option.id,
                    description=option.description[:100] or None,
                    default=option.id in chosen,
                )
                for option in prompt.options
            ]
            if prompt.kind is StepKind.MULTI:
                max_values = min(prompt.max_choices, len(options))
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"oa:s:{ref.id_part}",
            options=options or [discord.SelectOption(label="…")],
            min_values=min_values,
            max_values=max_values,
            row=0,
            placeholder=text("discord.choose_many", lang)
            if max_values > 1
            else text("discord.choose_one", lang),
        )
        super().__init__(select)
        self.ref, self.owner_id = ref, ref.user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> OptionSelect:
        rebuilt = cls(StepRef.from_match(match))
        if isinstance(item, discord.ui.Select):
            rebuilt.item = item  # keep the values Discord sent
        return rebuilt

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _bot(interaction).interviews.act(interaction, self.ref, Action.ANSWER, list(self.item.values))


class NavButton(
    _InterviewItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"oa:n:(?P<action>back|skip|help|cancel|type):{_USER}:{_PLACE}:{_VERSION}",
):
    def __init__(self, action: str, ref: StepRef, lang: str = "en") -> None:
        # Cancel is grey, last and asks before it throws anything away: a red button under
        # the answers invites the one tap that loses an interview.
        style = discord.ButtonStyle.primary if action == "type" else discord.ButtonStyle.secondary
        row = 0 if action == "type" else 1
        super().__init__(
            discord.ui.Button(
                label=text(f"discord.{action}", lang),
                style=style,
                row=row,
                custom_id=f"oa:n:{action}:{ref.id_part}",
            )
        )
        self.action, self.ref, self.owner_id = action, ref, ref.user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> NavButton:
        return cls(match["action"], StepRef.from_match(match))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        interviews = _bot(interaction).interviews
        if self.action == "help":
            await interviews.help(interaction, self.ref)
        elif self.action == "type":
            await interviews.open_text_modal(interaction, self.ref)
        elif self.action == "cancel":
            await interviews.ask_cancel(interaction, self.ref)
        else:
            action = {"back": Action.BACK, "skip": Action.SKIP}[self.action]
            await interviews.act(interaction, self.ref, action, "")


class BeginButton(_MembersItem, discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"oa:b:{_USER}"):
    def __init__(self, user_id: int, lang: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=text("discord.take_interview", lang),
                style=discord.ButtonStyle.primary,
                custom_id=f"oa:b:{user_id}",
            )
        )
        self.owner_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> BeginButton:
        return cls(int(match["user"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _bot(interaction).interviews.start(interaction)


def _yes_or_no(answer: str, yes: str, no: str, custom_id: str) -> discord.ui.Button[Any]:
    """One button of a confirmation: the destructive "yes" in red, the way back in grey."""
    if answer == "yes":
        return discord.ui.Button(label=yes, style=discord.ButtonStyle.danger, custom_id=custom_id)
    return discord.ui.Button(label=no, style=discord.ButtonStyle.secondary, custom_id=custom_id)


class ConfirmStepButton(
    _InterviewItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"oa:c:(?P<what>cancel|restart):(?P<answer>yes|no):{_USER}:{_PLACE}:{_VERSION}:{_ISSUED}",
):
    """Yes or no to cancelling or restarting the interview at the version it was shown for."""

    def __init__(self, what: str, answer: str, ref: StepRef, issued: int, lang: str = "en") -> None:
        yes, no = text(f"discord.confirm_{what}_yes", lang), text("discord.keep_going", lang)
        super().__init__(_yes_or_no(answer, yes, no, f"oa:c:{what}:{answer}:{ref.id_part}:{issued}"))
        self.what, self.answer, self.ref, self.issued = what, answer, ref, issued
        self.owner_id = ref.user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ConfirmStepButton:
        return cls(match["what"], match["answer"], StepRef.from_match(match), int(match["issued"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _bot(interaction).interviews.confirm_step(
            interaction, self.ref, self.what, confirmed=self.answer == "yes", issued=self.issued
        )


class ForgetButton(
    _MembersItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    # Buttons drawn before confirmations were tied to the data carry no issue time or
    # fingerprint; they still match, and are refused as expired.
    template=rf"oa:f:(?P<answer>yes|no):{_USER}(?::{_ISSUED}:(?P<data>[0-9a-f]{{10}}))?",
):
    refusal = "discord.only_the_asker"

    def __init__(self, answer: str, user_id: int, issued: int, data: str, lang: str = "en") -> None:
        yes, no = text("discord.forget_yes", lang), text("discord.forget_no", lang)
        super().__init__(_yes_or_no(answer, yes, no, f"oa:f:{answer}:{user_id}:{issued}:{data}"))
        self.answer, self.owner_id, self.issued, self.data = answer, user_id, issued, data

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ForgetButton:
        return cls(match["answer"], int(match["user"]), int(match["issued"] or 0), match["data"] or "")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _bot(interaction).interviews.confirm_forget(
            interaction, self.owner_id, confirmed=self.answer == "yes", issued=self.issued, data=self.data
        )


_RESULT = r"(?P<result>\d{1,20})"
# The card's buttons: the detail a member opens, in the order they ask for it.
CARD_PARTS = ("reasons", "roadmap", "chart", "itil")


class ResultButton(
    _MembersItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"oa:r:(?P<part>reasons|roadmap|chart|itil|share|retake):{_USER}:{_RESULT}",
):
    """A button under a result card. It names the stored result, so it opens that result
    after a restart, and after a newer result too."""

    refusal = "discord.not_your_result"

    def __init__(self, part: str, user_id: int, result_id: int, lang: str = "en") -> None:
        style = discord.ButtonStyle.primary if part == "share" else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=text(f"discord.card.{part}.label", lang),
                style=style,
                row=0 if part in CARD_PARTS else 1,
                custom_id=f"oa:r:{part}:{user_id}:{result_id}",
            )
        )
        self.part, self.owner_id, self.result_id = part, user_id, result_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ResultButton:
        return cls(match["part"], int(match["user"]), int(match["result"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        results = _bot(interaction).results
        if self.part == "share":
            await results.preview_share(interaction, self.result_id)
        elif self.part == "retake":
            await _bot(interaction).interviews.start(interaction)
        elif self.part == "roadmap":
            await _bot(interaction).roadmaps.show(interaction, self.result_id)
        else:
            await results.open_part(interaction, self.result_id, self.part)


class ShareButton(
    _MembersItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"oa:p:(?P<answer>post|cancel):{_USER}:{_RESULT}",
):
    """Post, or not, the public card the member was shown."""

    refusal = "discord.not_your_result"

    def __init__(self, answer: str, user_id: int, result_id: int, lang: str = "en") -> None:
        style = discord.ButtonStyle.success if answer == "post" else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=text(f"discord.share_{answer}.label", lang),
                style=style,
                custom_id=f"oa:p:{answer}:{user_id}:{result_id}",
            )
        )
        self.answer, self.owner_id, self.result_id = answer, user_id, result_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ShareButton:
        return cls(match["answer"], int(match["user"]), int(match["result"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _bot(interaction).results.share(interaction, self.result_id, post=self.answer == "post")


class HistorySelect(_MembersItem, discord.ui.DynamicItem[discord.ui.Select[Any]], template=rf"oa:h:{_USER}"):
    """A menu of the member's past results; picking one opens it as its card."""

    refusal = "discord.not_your_result"

    def __init__(
        self, user_id: int, options: list[discord.SelectOption] | None = None, lang: str = "en"
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"oa:h:{user_id}",
                options=options or [discord.SelectOption(label="…")],
                placeholder=text("discord.history_open", lang),
            )
        )
        self.owner_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> HistorySelect:
        rebuilt = cls(int(match["user"]))
        if isinstance(item, discord.ui.Select):
            rebuilt.item = item  # keep the values Discord sent
        return rebuilt

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        values = self.item.values
        if values and values[0].isdigit():
            await _bot(interaction).results.open_card(interaction, int(values[0]))


_STATE = r"(?P<state>todo|doing|done|skipped)"
_STEP = r"(?P<step>\d)"


class StepStateButton(
    _MembersItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"oa:(?P<where>w|i):{_STATE}:{_USER}:{_RESULT}:{_STEP}:{_VERSION}",
):
    """Puts one roadmap step in a state. It names the progress version it was drawn for,
    so a stale or double click changes nothing (bot/roadmaps.py); ``where`` says whether
    it sits under the roadmap (``w``) or under a check-in (``i``), which answer differently."""

    refusal = "discord.not_your_roadmap"

    def __init__(  # noqa: PLR0917 (the custom_id's parts)
        self,
        where: str,
        state: StepState,
        user_id: int,
        result_id: int,
        step_index: int,
        version: int,
        lang: str = "en",
    ) -> None:
        label_key = (
            f"discord.roadmap.set.{state.value}.label"
            if where == "w"
            else f"discord.check_in.{state.value}.label"
        )
        style = discord.ButtonStyle.success if state is StepState.DONE else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=text(label_key, lang),
                style=style,
                custom_id=f"oa:{where}:{state.value}:{user_id}:{result_id}:{step_index}:{version}",
                row=0,
            )
        )
        self.where, self.state, self.owner_id = where, state, user_id
        self.result_id, self.step_index, self.version = result_id, step_index, version

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StepStateButton:
        return cls(
            match["where"],
            StepState(match["state"]),
            int(match["user"]),
            int(match["result"]),
            int(match["step"]),
            int(match["version"]),
        )

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _bot(interaction).roadmaps.set_state(
            interaction,
            self.result_id,
            self.step_index,
            self.state,
            version=self.version,
            from_check_in=self.where == "i",
        )


class StepSelect(
    _MembersItem, discord.ui.DynamicItem[discord.ui.Select[Any]], template=rf"oa:v:{_USER}:{_RESULT}"
):
    """The roadmap's steps; picking one shows it with its buttons."""

    refusal = "discord.not_your_roadmap"

    def __init__(
        self,
        user_id: int,
        result_id: int,
        options: list[discord.SelectOption] | None = None,
        lang: str = "en",
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"oa:v:{user_id}:{result_id}",
                options=options or [discord.SelectOption(label="…")],
                placeholder=text("discord.roadmap.another", lang),
                row=1,
            )
        )
        self.owner_id, self.result_id = user_id, result_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StepSelect:
        rebuilt = cls(int(match["user"]), int(match["result"]))
        if isinstance(item, discord.ui.Select):
            rebuilt.item = item  # keep the values Discord sent
        return rebuilt

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        values = self.item.values
        if values and values[0].isdigit():
            await _bot(interaction).roadmaps.show_step(interaction, self.result_id, int(values[0]))


class CheckInSelect(
    _MembersItem, discord.ui.DynamicItem[discord.ui.Select[Any]], template=rf"oa:k:{_USER}:{_RESULT}"
):
    """How often the member wants a check-in by DM: never, every week, every two weeks."""

    refusal = "discord.not_your_roadmap"

    def __init__(
        self, user_id: int, result_id: int, chosen: CheckInChoice = CheckInChoice.NEVER, lang: str = "en"
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"oa:k:{user_id}:{result_id}",
                options=[
                    discord.SelectOption(
                        label=text(f"discord.check_ins.{choice.value}", lang),
                        value=choice.value,
                        default=choice is chosen,
                    )
                    for choice in CheckInChoice
                ],
                placeholder=text("discord.roadmap.check_ins.choose", lang),
                row=2,
            )
        )
        self.owner_id, self.result_id = user_id, result_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CheckInSelect:
        rebuilt = cls(int(match["user"]), int(match["result"]))
        if isinstance(item, discord.ui.Select):
            rebuilt.item = item
        return rebuilt

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        values = self.item.values
        choices = {choice.value: choice for choice in CheckInChoice}
        if values and values[0] in choices:
            await _bot(interaction).roadmaps.choose_check_ins(interaction, self.result_id, choices[values[0]])


class StopCheckInsButton(
    _MembersItem, discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"oa:q:{_USER}"
):
    refusal = "discord.not_your_roadmap"

    def __init__(self, user_id: int, lang: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=text("discord.check_in.stop.label", lang),
                style=discord.ButtonStyle.secondary,
                custom_id=f"oa:q:{user_id}",
                row=0,
            )
        )
        self.owner_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StopCheckInsButton:
        return cls(int(match["user"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _bot(interaction).roadmaps.stop_check_ins(interaction)


DYNAMIC_ITEMS = (
    OptionButton,
    OptionSelect,
    NavButton,
    BeginButton,
    ConfirmStepButton,
    ForgetButton,
    ResultButton,
    ShareButton,
    HistorySelect,
    StepStateButton,
    StepSelect,
    CheckInSelect,
    StopCheckInsButton,
)

TEXT_MODAL_PREFIX = "oa:t:"
TEXT_MODAL_PATTERN = re.compile(rf"oa:t:{_USER}:{_PLACE}:{_VERSION}")
TEXT_FIELD_ID = "answer"


def prompt_view(prompt: Prompt, ref: StepRef, lang: str = "en") -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    chosen = set(prompt.current_answer.options) if prompt.current_answer else set()
    if prompt.kind is StepKind.TEXT:
        view.add_item(NavButton("type", ref, lang))
    elif prompt.kind is StepKind.MULTI or len(prompt.options) > BUTTON_OPTION_LIMIT:
        view.add_item(OptionSelect(ref, prompt, lang))
    else:
        for option in prompt.options:
            view.add_item(OptionButton(ref, option.id, option.label, selected=option.id in chosen))
    if prompt.can_go_back:
        view.add_item(NavButton("back", ref, lang))
    if prompt.optional:
        view.add_item(NavButton("skip", ref, lang))
    view.add_item(NavButton("help", ref, lang))
    view.add_item(NavButton("cancel", ref, lang))
    return view


def text_modal(prompt: Prompt, ref: StepRef, lang: str = "en") -> discord.ui.Modal:
    """The modal for a free-text step. It is handed to Discord but never kept in memory:
    its submission is handled from the custom_id alone (bot/interview/controller.py), so a modal
    left open across a restart still lands."""
    title = text("discord.text_modal_title", lang, position=prompt.position, total=prompt.total)
    modal = discord.ui.Modal(title=title, custom_id=f"{TEXT_MODAL_PREFIX}{ref.id_part}", timeout=None)
    current = prompt.current_answer.text if prompt.current_answer else None
    # The question is the field's label; Discord allows 45 characters there, so a longer
    # question is asked in its short form, written for it in the catalog.
    label = (
        prompt.text
        if len(prompt.text) <= MODAL_LABEL_LIMIT
        else text(f"discord.short.{prompt.step_id}", lang)
    )
    example = text(f"bank.{prompt.step_id}.example", lang)
    modal.add_item(
        discord.ui.TextInput(
            label=label,
            custom_id=TEXT_FIELD_ID,
            style=discord.TextStyle.paragraph,
            max_length=min(prompt.max_length, 4000),
            required=not prompt.optional,
            default=current,
            placeholder=example if len(example) <= PLACEHOLDER_LIMIT else None,
        )
    )
    modal.stop()
    return modal


def forget_view(user_id: int, issued: int, data: str, lang: str = "en") -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetButton("yes", user_id, issued, data, lang))
    view.add_item(ForgetButton("no", user_id, issued, data, lang))
    return view


def confirm_step_view(what: str, ref: StepRef, issued: int, lang: str = "en") -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmStepButton(what, "yes", ref, issued, lang))
    view.add_item(ConfirmStepButton(what, "no", ref, issued, lang))
    return view


def card_view(user_id: int, result_id: int, lang: str = "en", *, shareable: bool) -> discord.ui.View:
    """The result card's buttons; Share only where there is someone to share with."""
    view = discord.ui.View(timeout=None)
    for part in (*CARD_PARTS, *(("share",) if shareable else ()), "retake"):
        view.add_item(ResultButton(part, user_id, result_id, lang))
    return view


def share_view(user_id: int, result_id: int, lang: str = "en") -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ShareButton("post", user_id, result_id, lang))
    view.add_item(ShareButton("cancel", user_id, result_id, lang))
    return view


def history_view(user_id: int, options: list[discord.SelectOption], lang: str = "en") -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(HistorySelect(user_id, options, lang))
    return view


def begin_view(user_id: int, lang: str = "en") -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(BeginButton(user_id, lang))
    return view


def roadmap_view(
    user_id: int,
    result_id: int,
    version: int,
    *,
    focus: int,
    states: list[tuple[str, StepState]],
    lang: str = "en",
    check_ins: CheckInChoice | None,
) -> discord.ui.View:
    """Under the roadmap: the shown step's other states, a menu of every step, and (where
    check-ins are offered for this result) how often to check in."""
    view = discord.ui.View(timeout=None)
    current = states[focus][1]
    for state in (StepState.DONE, StepState.DOING, StepState.SKIPPED, StepState.TODO):
        if state is not current:
            view.add_item(StepStateButton("w", state, user_id, result_id, focus, version, lang))
    options = [
        discord.SelectOption(label=label[:100], value=str(index), default=index == focus)
        for index, (label, _) in enumerate(states)
    ]
    view.add_item(StepSelect(user_id, result_id, options, lang))
    if check_ins is not None:
        view.add_item(CheckInSelect(user_id, result_id, check_ins, lang))
    return view


def check_in_view(
    user_id: int, result_id: int, step_index: int, version: int, lang: str = "en"
) -> discord.ui.View:
    """Under a check-in: done, still on it, skip, and stop the check-ins."""
    view = discord.ui.View(timeout=None)
    for state in (StepState.DONE, StepState.DOING, StepState.SKIPPED):
        view.add_item(StepStateButton("i", state, user_id, result_id, step_index, version, lang))
    view.add_item(StopCheckInsButton(user_id, lang))
    return view
