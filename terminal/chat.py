"""The interview in a terminal: the same engine and store the Discord adapter uses.

Input comes line by line (typed, or piped for a scripted interview); output is rich
text on a terminal that supports it and plain text otherwise (a pipe, NO_COLOR,
TERM=dumb, or --plain). Every answer is stored before the next question is shown, so
quitting, closing the window or a killed process loses nothing already answered.
"""

from __future__ import annotations

import asyncio
import os
from typing import Protocol, TextIO

from rich.console import Console, Group
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from advisor.card import ResultCard, result_card, since_last_time
from advisor.presentation import explained_factors, factor_lines, progress_bar
from advisor.service import Action, AdvisorService, Outcome
from dialogs import wording
from dialogs.bank import StepKind
from dialogs.engine import Prompt, Turn, TurnKind
from dialogs.messages import Msg, Param, chosen, render, text
from dialogs.progress import Progress
from dialogs.verdict import Classification
from storage.keys import SessionKey

# The parts of a result a member can open under its card, in the order they are offered.
PARTS = ("reasons", "roadmap", "itil")
_LEAN_COLOURS = {"product": "blue", "service": "magenta", "both": "yellow", "unknown": "dim"}

# Words that end the interview for now, in any language.
QUIT_WORDS = frozenset({"exit", "q", ":q"})
COMMANDS = ("back", "skip", "help", "change", "restart", "quit")


def command_words(lang: str) -> dict[str, str]:
    """What a member may type for each command: its English word and its word in ``lang``."""
    words: dict[str, str] = {}
    for command in COMMANDS:
        for language in ("en", lang):
            words[text(f"terminal.command.{command}", language).casefold()] = command
    words["?"] = "help"
    words["review"] = "change"
    words.update(dict.fromkeys(QUIT_WORDS, "quit"))
    return words


def part_keys(lang: str) -> dict[str, str]:
    """The key that opens each part of a result: its English key and its key in ``lang``."""
    return {
        text(f"terminal.key.{part}", language).casefold(): part for part in PARTS for language in ("en", lang)
    }


def more_hint(lang: str) -> str:
    keys = {part: text(f"terminal.key.{part}", lang) for part in PARTS}
    return text("terminal.more", lang, **keys)


def commands_hint(lang: str) -> str:
    names = {command: text(f"terminal.command.{command}", lang) for command in COMMANDS}
    return text("terminal.commands_hint", lang, **names)


def answer_hint(prompt: Prompt, lang: str) -> str:
    if prompt.kind is StepKind.TEXT:
        return text("terminal.hint.text", lang, count=prompt.max_length)
    if prompt.kind is StepKind.YES_NO:
        return text("terminal.hint.yes_no", lang)
    if prompt.kind is StepKind.MULTI:
        return text("terminal.hint.multi", lang)
    return text("terminal.hint.single", lang)


def answer_summary(
    prompt_options: dict[str, str],
    options: tuple[str, ...],
    answer_text: str | None,
    skipped: bool,
    lang: str,
) -> str:
    if skipped:
        return text("terminal.skipped", lang)
    if answer_text is not None:
        return answer_text
    return chosen([prompt_options.get(option, option) for option in options], lang)


class Renderer(Protocol):
    lang: str

    def intro(self, questions: int) -> None: ...
    def info(self, message: str) -> None: ...
    def prompt(self, prompt: Prompt) -> None: ...
    def error(self, message: Msg, explanation: Msg | None) -> None: ...
    def help(self, help_text: Msg) -> None: ...
    def review(self, items: list[tuple[int, str, str]]) -> None: ...
    def card(self, result: Classification, progress: Progress | None = None) -> None: ...
    def part(self, part: str, result: Classification) -> None: ...
    def ask(self, question: str) -> None: ...


def _itil_words(result: Classification, lang: str) -> dict[str, Param]:
    return {
        "owner": wording.owner_title(result.itil.cost_and_risk_owner),
        "relationship": wording.relationship_title(result.itil.relationship),
    }


def step_heading(card: ResultCard, lang: str) -> str:
    if card.step_number == 1:
        return text("terminal.card_first_step", lang, count=card.steps)
    return text("terminal.card_next_step", lang, number=card.step_number, count=card.steps)


def plain_card(result: Classification, lang: str = "en", progress: Progress | None = None) -> str:
    """A result's card as plain text: the verdict, how sure, three reasons, the step to
    take next."""
    card = result_card(result, lang, progress)
    headline = text("terminal.verdict", lang, verdict=card.headline)
    lines = [headline, card.subtitle, card.gist, "", text("terminal.card_why", lang)]
    lines += [
        text("terminal.factor_line", lang, factor=reason.title, leans=reason.leans, why=reason.line)
        for reason in card.reasons
    ]
    step = card.first_step
    lines += [
        "",
        step_heading(card, lang),
        f"  {step.title}",
        f"  {step.detail}",
    ]
    return "\n".join(lines)


def plain_part(part: str, result: Classification, lang: str = "en") -> str:
    """One part of a result in full, as plain text: ``reasons``, ``roadmap`` or ``itil``."""
    localized = wording.localize_result(result, lang)
    if part == "reasons":
        return "\n".join([text("terminal.why", lang), *factor_lines(localized, lang, "terminal.factor_line")])
    if part == "itil":
        meaning = text(f"itil.meaning.{result.itil.relationship}", lang)
        return "\n".join(
            [
                text("terminal.itil_line", lang, **_itil_words(result, lang)),
                f"  {meaning}",
                f"  {localized.itil.text}",
                f"  {text('itil.intro', lang)}",
            ]
        )
    lines = [text("terminal.roadmap", lang)]
    for number, step in enumerate(localized.roadmap, start=1):
        lines.append(f"  {number}. {step.title} [{render(wording.factor_title(step.factor), lang)}]")
        lines.append(f"     {step.detail}")
        if step.why:
            lines.append(f"     {step.why}")
    return "\n".join(lines)


def plain_result(result: Classification, lang: str = "en") -> str:
    """A result in full as plain text: its card, then every part."""
    return "\n\n".join([plain_card(result, lang), *(plain_part(part, result, lang) for part in PARTS)])


class PlainRenderer:
    def __init__(self, out: TextIO, lang: str = "en") -> None:
        self.out = out
        self.lang = lang

    def _say(self, line: str = "") -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def intro(self, questions: int) -> None:
        self._say(text("terminal.intro_plain", self.lang, title=wording.bank_title()))
        self._say(f"{text('terminal.intro', self.lang, count=questions)} {commands_hint(self.lang)}")

    def info(self, message: str) -> None:
        self._say(message)

    def prompt(self, prompt: Prompt) -> None:
        lang = self.lang
        prompt = wording.localize_prompt(prompt, lang)
        self._say()
        optional = f" {text('terminal.optional', lang)}" if prompt.optional else ""
        step = text("terminal.step_of", lang, position=prompt.position, total=prompt.total)
        self._say(f"{step}  {progress_bar(prompt.position, prompt.total)}")
        self._say(prompt.text + optional)
        for option in prompt.options:
            extra = f" - {option.description}" if option.description else ""
            self._say(f"  {option.number}) {option.label}{extra}")
        self._say(answer_hint(prompt, lang))

    def error(self, message: Msg, explanation: Msg | None) -> None:
        self._say(f"! {render(message, self.lang)}")
        if explanation:
            self._say(f"{text('terminal.explain', self.lang)} {render(explanation, self.lang)}")

    def help(self, help_text: Msg) -> None:
        self._say(render(help_text, self.lang))

    def review(self, items: list[tuple[int, str, str]]) -> None:
        self._say(text("terminal.so_far_heading", self.lang))
        for number, question, answer in items:
            self._say(
                text("terminal.review_line", self.lang, number=number, question=question, answer=answer)
            )

    def card(self, result: Classification, progress: Progress | None = None) -> None:
        self._say()
        self._say(f"== {text('terminal.your_result', self.lang)} ==")
        self._say(plain_card(result, self.lang, progress))

    def part(self, part: str, result: Classification) -> None:
        self._say()
        self._say(plain_part(part, result, self.lang))

    def ask(self, question: str) -> None:
        self.out.write(question)
        self.out.flush()


class RichRenderer:
    """The same screens with colour, panels and a table, for a real terminal."""

    def __init__(self, console: Console, lang: str = "en") -> None:
        self.console = console
        self.lang = lang

    def intro(self, questions: int) -> None:
        title = escape(render(wording.bank_title(), self.lang))
        intro = escape(text("terminal.intro", self.lang, count=questions))
        self.console.print(
            Panel.fit(
                f"[bold]{title}[/bold]\n{intro}\n[dim]{escape(commands_hint(self.lang))}[/dim]",
                title=text("terminal.title", self.lang),
            )
        )

    def info(self, message: str) -> None:
        self.console.print(escape(message))

    def prompt(self, prompt: Prompt) -> None:
        lang = self.lang
        prompt = wording.localize_prompt(prompt, lang)
        body = f"[bold]{escape(prompt.text)}[/bold]"
        if prompt.optional:
            body += f" [dim]{escape(text('terminal.optional', lang))}[/dim]"
        for option in prompt.options:
            extra = f" [dim]- {escape(option.description)}[/dim]" if option.description else ""
            body += f"\n  [cyan]{option.number:>2}[/cyan]  {escape(option.label)}{extra}"
        body += f"\n[dim]{escape(answer_hint(prompt, lang))}[/dim]"
        step = text("terminal.step_of", lang, position=prompt.position, total=prompt.total)
        title = f"{step}  {progress_bar(prompt.position, prompt.total)}"
        self.console.print(Panel(body, title=title, title_align="left"))

    def error(self, message: Msg, explanation: Msg | None) -> None:
        self.console.print(f"[red]![/red] {escape(render(message, self.lang))}")
        if explanation:
            explain = escape(text("terminal.explain", self.lang))
            self.console.print(f"[yellow]{explain}[/yellow] {escape(render(explanation, self.lang))}")

    def help(self, help_text: Msg) -> None:
        body = escape(render(help_text, self.lang))
        self.console.print(Panel(body, title=text("terminal.help_title", self.lang), title_align="left"))

    def review(self, items: list[tuple[int, str, str]]) -> None:
        table = Table(title=text("terminal.so_far", self.lang), show_lines=False)
        table.add_column("#", style="cyan")
        table.add_column(text("terminal.column.question", self.lang))
        table.add_column(text("terminal.column.answer", self.lang))
        for number, question, answer in items:
            table.add_row(str(number), escape(question), escape(answer))
        self.console.print(table)

    def card(self, result: Classification, progress: Progress | None = None) -> None:
        card = result_card(result, self.lang, progress)
        head = (
            f"[bold]{escape(card.headline)}[/bold]\n[green]{escape(card.subtitle)}[/green]\n"
            f"{escape(card.gist)}\n"
        )
        parts: list[Text | Padding] = [
            Text.from_markup(head),
            Text.from_markup(f"[bold]{escape(text('terminal.card_why', self.lang))}[/bold]"),
        ]
        for reason in card.reasons:
            colour = _LEAN_COLOURS[reason.reading]
            named = f"[{colour}]{escape(reason.title)} ({escape(reason.leans)})[/]"
            line = text("terminal.card_reason", self.lang, factor=named, why=escape(reason.line))
            # Indented as a block, so a line that wraps stays under its reason.
            parts.append(Padding(Text.from_markup(line), (0, 0, 0, 2)))
        step = card.first_step
        heading = escape(step_heading(card, self.lang))
        parts.append(Text.from_markup(f"\n[bold]{heading}[/bold]"))
        parts.append(
            Padding(
                Text.from_markup(f"[cyan]{escape(step.title)}[/cyan]\n{escape(step.detail)}"), (0, 0, 0, 2)
            )
        )
        title = text("terminal.your_result", self.lang)
        self.console.print(Panel(Group(*parts), title=title, title_align="left", border_style="green"))

    def part(self, part: str, result: Classification) -> None:
        lang = self.lang
        localized = wording.localize_result(result, lang)
        if part == "reasons":
            table = Table(title=text("terminal.what_drove_it", lang), show_lines=False)
            table.add_column(text("terminal.column.factor", lang))
            table.add_column(text("terminal.column.leans", lang))
            table.add_column(text("terminal.column.why", lang))
            for reading in explained_factors(localized):
                leans = escape(render(wording.reading_title(reading.reading), lang))
                table.add_row(
                    escape(reading.title),
                    f"[{_LEAN_COLOURS[reading.reading]}]{leans}[/]",
                    escape(reading.why),
                )
            self.console.print(table)
        elif part == "itil":
            costs = text("terminal.costs_and_risks", lang, **_itil_words(result, lang))
            meaning = text(f"itil.meaning.{result.itil.relationship}", lang)
            body = f"{escape(costs)}\n{escape(meaning)}\n\n{escape(localized.itil.text)}"
            body += f"\n\n[dim]{escape(text('itil.intro', lang))}[/dim]"
            self.console.print(Panel(body, title=text("terminal.itil_title", lang), title_align="left"))
        else:
            roadmap = Table.grid(padding=(0, 1))
            roadmap.add_column(style="cyan", justify="right")
            roadmap.add_column()
            for number, step in enumerate(localized.roadmap, start=1):
                factor = escape(render(wording.factor_title(step.factor), lang))
                roadmap.add_row(
                    f"{number}.",
                    f"[bold]{escape(step.title)}[/bold] [dim]({factor})[/dim]\n{escape(step.detail)}"
                    + (f"\n[italic dim]{escape(step.why)}[/italic dim]" if step.why else ""),
                )
            self.console.print(Panel(roadmap, title=text("terminal.roadmap_title", lang), title_align="left"))

    def ask(self, question: str) -> None:
        self.console.print(escape(question), end="")


def choose_renderer(out: TextIO, *, plain: bool, lang: str = "en") -> Renderer:
    dumb = os.environ.get("TERM") == "dumb" or "NO_COLOR" in os.environ
    if plain or dumb or not out.isatty():
        return PlainRenderer(out, lang)
    return RichRenderer(Console(file=out, highlight=False), lang)


class TerminalChat:
    def __init__(
        self,
        service: AdvisorService,
        key: SessionKey,
        renderer: Renderer,
        stdin: TextIO,
        *,
        interactive: bool,
        full: bool = False,
    ) -> None:
        self.service = service
        self.full = full
        self.key = key
        self.render = renderer
        self.stdin = stdin
        self.interactive = interactive

    async def _read(self) -> str | None:
        self.render.ask("> ")
        line = await asyncio.to_thread(self.stdin.readline)
        if not self.interactive:
            # A piped answer is not echoed, so end the prompt's line ourselves.
            self.render.info("")
        if line == "":
            return None
        return line.rstrip("\r\n")

    def _say(self, key: str, /, **params: Param) -> str:
        return text(key, self.render.lang, **params)

    async def run(self, *, restart: bool = False) -> int:
        outcome = await self.service.begin(self.key, restart=restart)
        if outcome.resumed and outcome.turn.prompt is not None:
            prompt = outcome.turn.prompt
            self.render.info(self._say("terminal.welcome_back", position=prompt.position, total=prompt.total))
        else:
            self.render.intro(self.service.engine.most_steps)
        turn = outcome.turn
        commands = command_words(self.render.lang)
        refusal_shown = False
        while True:
            if turn.kind is TurnKind.FINISHED:
                assert turn.result is not None
                progress, since = await self._since_last_time()
                await self.show_result(turn.result, progress=progress, since=since)
                self.render.info(self._say("terminal.saved_to_history"))
                self.render.info(self._say("terminal.roadmap_hint"))
                return 0
            if turn.kind is TurnKind.CANCELLED:
                self.render.info(self._say("terminal.cancelled"))
                return 0
            if turn.kind is TurnKind.REJECTED and turn.error is not None and not refusal_shown:
                self.render.error(turn.error, turn.explanation)
            assert turn.prompt is not None
            self.render.prompt(turn.prompt)
            line = await self._read()
            if line is None or commands.get(line.strip().casefold()) == "quit":
                self.render.info("\n" + self._say("terminal.paused"))
                return 0
            next_turn = await self._handle(turn, line, commands.get(line.strip().casefold()))
            # Help or a change left alone asks the same question again, without repeating
            # the refusal that came before it.
            refusal_shown = next_turn is None
            if next_turn is not None:
                turn = next_turn

    async def _since_last_time(self) -> tuple[Progress, str | None]:
        """The progress the result just stored carried over, and after a retake what moved
        since the member's previous result (the one just stored is the newest)."""
        latest, *earlier = await self.service.history(self.key.user_id, limit=2)
        if not earlier:
            return latest.progress, None
        since = since_last_time(earlier[0].result, latest.result, latest.progress, self.render.lang)
        return latest.progress, since

    async def show_result(
        self, result: Classification, *, progress: Progress | None = None, since: str | None = None
    ) -> None:
        """The card (after a retake, with what moved since), then each part the member asks
        for by its key, until they are done; with ``full`` every part at once, for a
        transcript or a script."""
        self.render.card(result, progress)
        if since:
            self.render.info("")
            self.render.info(since)
        if self.full:
            for part in PARTS:
                self.render.part(part, result)
            return
        keys = part_keys(self.render.lang)
        while True:
            self.render.info("")
            self.render.info(more_hint(self.render.lang))
            line = await self._read()
            choice = None if line is None else line.strip().casefold()
            if not choice or command_words(self.render.lang).get(choice) == "quit":
                return
            if choice in keys:
                self.render.part(keys[choice], result)
            else:
                self.render.info(self._say("terminal.not_a_key", typed=line.strip() if line else ""))

    async def _handle(self, turn: Turn, line: str, command: str | None) -> Turn | None:
        if command == "back":
            return (await self.service.act(self.key, Action.BACK)).turn
        if command == "skip":
            return (await self.service.act(self.key, Action.SKIP)).turn
        if command == "help":
            self.render.help(self.service.help(turn.session))
            return None
        if command == "restart":
            if self.interactive:
                self.render.ask(self._say("terminal.confirm_restart"))
                reply = await asyncio.to_thread(self.stdin.readline)
                if reply.strip().casefold() not in self._say("terminal.yes_words").split():
                    self.render.info(self._say("terminal.carrying_on"))
                    return None
            outcome: Outcome = await self.service.restart(self.key)
            self.render.info(self._say("terminal.started_over"))
            return outcome.turn
        if command == "change":
            return await self._change(turn)
        return (await self.service.act(self.key, Action.ANSWER, line)).turn

    async def _change(self, turn: Turn) -> Turn | None:
        lang = self.render.lang
        answered = self.service.engine.answered_on_path(turn.session)
        if not answered:
            self.render.info(self._say("terminal.nothing_answered"))
            return None
        items = []
        for number, (step, answer) in enumerate(answered, start=1):
            labels = {
                option.id: render(wording.option_label(step.id, option.id, option.label), lang)
                for option in step.options
            }
            question = render(wording.question(step.id, step.prompt), lang)
            items.append(
                (number, question, answer_summary(labels, answer.options, answer.text, answer.skipped, lang))
            )
        self.render.review(items)
        self.render.ask(self._say("terminal.which_to_change"))
        reply = await asyncio.to_thread(self.stdin.readline)
        choice = reply.strip()
        if not choice:
            return None
        if not choice.isdigit() or not 1 <= int(choice) <= len(answered):
            self.render.info(self._say("terminal.pick_a_number", count=len(answered)))
            return None
        step = answered[int(choice) - 1][0]
        return (await self.service.act(self.key, Action.EDIT, step.id)).turn
