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

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from advisor.presentation import progress_bar
from advisor.service import Action, AdvisorService, Outcome
from dialogs.bank import StepKind
from dialogs.engine import Prompt, Turn, TurnKind
from dialogs.factors import FACTOR_TITLES
from dialogs.verdict import Classification
from storage.keys import SessionKey

QUIT_WORDS = frozenset({"quit", "exit", "q", ":q"})
COMMANDS_HINT = "Commands: back, skip, help, change, restart, quit."
_OWNER_WORDS = {
    "customer": "your customer carries them",
    "provider": "you carry them",
    "shared": "shared between you and your customer",
}


def answer_hint(prompt: Prompt) -> str:
    if prompt.kind is StepKind.TEXT:
        return f"Type your answer (up to {prompt.max_length:,} characters)."
    if prompt.kind is StepKind.YES_NO:
        return "Type yes or no."
    if prompt.kind is StepKind.MULTI:
        return "Type one or more numbers, separated by commas."
    return "Type a number or the option's text."


def answer_summary(
    prompt_options: dict[str, str], options: tuple[str, ...], text: str | None, skipped: bool
) -> str:
    if skipped:
        return "(skipped)"
    if text is not None:
        return text
    return ", ".join(prompt_options.get(option, option) for option in options)


class Renderer(Protocol):
    def intro(self) -> None: ...
    def info(self, message: str) -> None: ...
    def prompt(self, prompt: Prompt) -> None: ...
    def error(self, message: str, explanation: str | None) -> None: ...
    def help(self, text: str) -> None: ...
    def review(self, items: list[tuple[int, str, str]]) -> None: ...
    def result(self, result: Classification) -> None: ...
    def ask(self, text: str) -> None: ...


def plain_result(result: Classification) -> str:
    lines = [f"Verdict: {result.headline} (confidence {result.confidence:.0%})"]
    if result.subtype:
        lines.append(f"Kind of offering: {result.subtype}")
    lines += [result.summary, "", "Why:"]
    lines += [f"  - {reading.title} ({reading.reading}): {reading.why}" for reading in result.factors]
    lines += [
        "",
        f"ITIL reading: costs and risks after the sale: "
        f"{_OWNER_WORDS[result.itil.cost_and_risk_owner]} ({result.itil.relationship}).",
        f"  {result.itil.text}",
        "",
        "Roadmap:",
    ]
    for number, step in enumerate(result.roadmap, start=1):
        lines.append(f"  {number}. {step.title} [{FACTOR_TITLES[step.factor]}]")
        lines.append(f"     {step.detail}")
    return "\n".join(lines)


class PlainRenderer:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def _say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def intro(self) -> None:
        self._say("Offering Advisor: what are you really selling?")
        self._say("A dozen short questions; your answers are saved as you go. " + COMMANDS_HINT)

    def info(self, message: str) -> None:
        self._say(message)

    def prompt(self, prompt: Prompt) -> None:
        self._say()
        optional = " (optional)" if prompt.optional else ""
        self._say(f"Step {prompt.position} of {prompt.total}  {progress_bar(prompt.position, prompt.total)}")
        self._say(prompt.text + optional)
        for option in prompt.options:
            extra = f" - {option.description}" if option.description else ""
            self._say(f"  {option.number}) {option.label}{extra}")
        self._say(answer_hint(prompt))

    def error(self, message: str, explanation: str | None) -> None:
        self._say(f"! {message}")
        if explanation:
            self._say(f"Let me explain this one differently. {explanation}")

    def help(self, text: str) -> None:
        self._say(text)

    def review(self, items: list[tuple[int, str, str]]) -> None:
        self._say("Your answers so far:")
        for number, question, answer in items:
            self._say(f"  {number}) {question}: {answer}")

    def result(self, result: Classification) -> None:
        self._say()
        self._say("== Your result ==")
        self._say(plain_result(result))

    def ask(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()


class RichRenderer:
    """The same screens with colour, panels and a table, for a real terminal."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def intro(self) -> None:
        self.console.print(
            Panel.fit(
                "[bold]What are you really selling?[/bold]\nA dozen short questions; your answers are "
                f"saved as you go.\n[dim]{COMMANDS_HINT}[/dim]",
                title="Offering Advisor",
            )
        )

    def info(self, message: str) -> None:
        self.console.print(escape(message))

    def prompt(self, prompt: Prompt) -> None:
        body = f"[bold]{escape(prompt.text)}[/bold]"
        if prompt.optional:
            body += " [dim](optional)[/dim]"
        for option in prompt.options:
            extra = f" [dim]- {escape(option.description)}[/dim]" if option.description else ""
            body += f"\n  [cyan]{option.number:>2}[/cyan]  {escape(option.label)}{extra}"
        body += f"\n[dim]{escape(answer_hint(prompt))}[/dim]"
        title = f"Step {prompt.position} of {prompt.total}  {progress_bar(prompt.position, prompt.total)}"
        self.console.print(Panel(body, title=title, title_align="left"))

    def error(self, message: str, explanation: str | None) -> None:
        self.console.print(f"[red]![/red] {escape(message)}")
        if explanation:
            self.console.print(f"[yellow]Let me explain this one differently.[/yellow] {escape(explanation)}")

    def help(self, text: str) -> None:
        self.console.print(Panel(escape(text), title="Help", title_align="left"))

    def review(self, items: list[tuple[int, str, str]]) -> None:
        table = Table(title="Your answers so far", show_lines=False)
        table.add_column("#", style="cyan")
        table.add_column("Question")
        table.add_column("Your answer")
        for number, question, answer in items:
            table.add_row(str(number), escape(question), escape(answer))
        self.console.print(table)

    def result(self, result: Classification) -> None:
        heading = f"[bold]{escape(result.headline)}[/bold]  confidence {result.confidence:.0%}"
        if result.subtype:
            heading += f"\n[dim]Kind of offering: {escape(result.subtype)}[/dim]"
        self.console.print(
            Panel(
                f"{heading}\n{escape(result.summary)}",
                title="Your result",
                title_align="left",
                border_style="green",
            )
        )
        table = Table(title="What drove it", show_lines=False)
        table.add_column("Factor")
        table.add_column("Leans")
        table.add_column("Why")
        colours = {"product": "blue", "service": "magenta", "both": "yellow", "unknown": "dim"}
        for reading in result.factors:
            table.add_row(
                reading.title, f"[{colours[reading.reading]}]{reading.reading}[/]", escape(reading.why)
            )
        self.console.print(table)
        owner = _OWNER_WORDS[result.itil.cost_and_risk_owner]
        self.console.print(
            Panel(
                f"Costs and risks after the sale: [bold]{owner}[/bold] "
                f"({result.itil.relationship}).\n{escape(result.itil.text)}",
                title="ITIL 4 reading",
                title_align="left",
            )
        )
        roadmap = Table.grid(padding=(0, 1))
        roadmap.add_column(style="cyan", justify="right")
        roadmap.add_column()
        for number, step in enumerate(result.roadmap, start=1):
            roadmap.add_row(
                f"{number}.",
                f"[bold]{escape(step.title)}[/bold] [dim]({FACTOR_TITLES[step.factor]})[/dim]\n"
                f"{escape(step.detail)}",
            )
        self.console.print(Panel(roadmap, title="Your roadmap", title_align="left"))

    def ask(self, text: str) -> None:
        self.console.print(escape(text), end="")


def choose_renderer(out: TextIO, *, plain: bool) -> Renderer:
    dumb = os.environ.get("TERM") == "dumb" or "NO_COLOR" in os.environ
    if plain or dumb or not out.isatty():
        return PlainRenderer(out)
    return RichRenderer(Console(file=out, highlight=False))


class TerminalChat:
    def __init__(
        self,
        service: AdvisorService,
        key: SessionKey,
        renderer: Renderer,
        stdin: TextIO,
        *,
        interactive: bool,
    ) -> None:
        self.service = service
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

    async def run(self, *, restart: bool = False) -> int:
        outcome = await self.service.begin(self.key, restart=restart)
        if outcome.resumed and outcome.turn.prompt is not None:
            prompt = outcome.turn.prompt
            self.render.info(
                f"Welcome back. Picking up at step {prompt.position} of {prompt.total}; "
                "your earlier answers are kept."
            )
        else:
            self.render.intro()
        turn = outcome.turn
        while True:
            if turn.kind is TurnKind.FINISHED:
                assert turn.result is not None
                self.render.result(turn.result)
                self.render.info("Saved to your history: see it with `offering-advisor history`.")
                return 0
            if turn.kind is TurnKind.CANCELLED:
                self.render.info("Interview cancelled. Start again any time with `offering-advisor chat`.")
                return 0
            if turn.kind is TurnKind.REJECTED:
                self.render.error(turn.error or "That answer did not work.", turn.explanation)
            assert turn.prompt is not None
            self.render.prompt(turn.prompt)
            line = await self._read()
            if line is None or line.strip().casefold() in QUIT_WORDS:
                self.render.info("\nPaused. Your answers are saved; run `offering-advisor chat` to continue.")
                return 0
            next_turn = await self._handle(turn, line)
            if next_turn is not None:
                turn = next_turn

    async def _handle(self, turn: Turn, line: str) -> Turn | None:
        command = line.strip().casefold()
        if command == "back":
            return (await self.service.act(self.key, Action.BACK)).turn
        if command == "skip":
            return (await self.service.act(self.key, Action.SKIP)).turn
        if command in ("help", "?"):
            self.render.help(self.service.help(turn.session))
            return None
        if command == "restart":
            if self.interactive:
                self.render.ask("Start over? Your answers so far will be discarded. [y/N] ")
                reply = await asyncio.to_thread(self.stdin.readline)
                if reply.strip().casefold() not in ("y", "yes"):
                    self.render.info("Carrying on where you were.")
                    return None
            outcome: Outcome = await self.service.restart(self.key)
            self.render.info("Started over.")
            return outcome.turn
        if command in ("change", "review"):
            return await self._change(turn)
        return (await self.service.act(self.key, Action.ANSWER, line)).turn

    async def _change(self, turn: Turn) -> Turn | None:
        answered = self.service.engine.answered_on_path(turn.session)
        if not answered:
            self.render.info("You have not answered anything yet.")
            return None
        items = []
        for number, (step, answer) in enumerate(answered, start=1):
            labels = {option.id: option.label for option in step.options}
            items.append(
                (number, step.prompt, answer_summary(labels, answer.options, answer.text, answer.skipped))
            )
        self.render.review(items)
        self.render.ask("Which answer do you want to change? (number, or Enter to carry on) ")
        reply = await asyncio.to_thread(self.stdin.readline)
        choice = reply.strip()
        if not choice:
            return None
        if not choice.isdigit() or not 1 <= int(choice) <= len(answered):
            self.render.info(f"Please give a number from 1 to {len(answered)}. Carrying on where you were.")
            return None
        step = answered[int(choice) - 1][0]
        return (await self.service.act(self.key, Action.EDIT, step.id)).turn
