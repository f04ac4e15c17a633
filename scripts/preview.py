"""Draw every message of the bot's main journeys as Discord shows it, and screenshot them.

Usage: python -m scripts.preview [--out DIR] [--no-screenshots]   (or `make preview`)

The real bot runs against the loopback Discord double (tests/discord_double), driven the
way a member and a moderator drive it. Every message the bot sends (embeds, fields,
buttons, menus, forms, attached charts) is recorded as Discord received it, checked
against Discord's limits and for text cut off to fit, and drawn into DIR/index.html in
Discord's dark theme. With Chromium installed (Debian's `chromium`), each journey is
also screenshotted at desktop width (1,280 px) and at phone width (390 px) through the
browser's DevTools protocol, so a page is captured whole whatever its height.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import html
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.cogs.background import BackgroundTimings
from tests.discord_double.fixtures import running_double
from tests.discord_double.payloads import walk_components
from tests.transcript import EBOOK_STEPS, STAFF, Harness, component_for, running_advisor, seed_server

JSON = dict[str, Any]
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "preview"
WIDTHS = {"desktop": 1280, "phone": 390}
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
FOLLOWUP = "/webhooks/{webhook_id}/{webhook_token}"
EDIT_ORIGINAL = "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
EDIT_MESSAGE = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
CHANNEL_MESSAGES = "/channels/{channel_id}/messages"
MODAL, DEFERRED = 9, (5, 6)

# Discord's limits (developer docs: Embed Limits, Message, Components, Modals).
LIMITS = {
    "content": 2000,
    "embed title": 256,
    "embed description": 4096,
    "field name": 256,
    "field value": 1024,
    "footer": 2048,
    "embed total": 6000,
    "button label": 80,
    "menu placeholder": 150,
    "option label": 100,
    "option description": 100,
    "modal title": 45,
    "input label": 45,
    "input placeholder": 100,
}


@dataclass
class Shown:
    """One message the bot sent, as the member saw it, and the charts attached to it."""

    caption: str
    message: JSON
    modal: bool = False
    ephemeral: bool = False
    images: dict[str, bytes] = field(default_factory=dict)


@dataclass
class Journey:
    name: str
    title: str
    shown: list[Shown] = field(default_factory=list)


# --- recording ------------------------------------------------------------------------------

# Background work checks often, so the check-in a week on arrives in a moment.
BACKGROUND = BackgroundTimings(check_every=timedelta(seconds=0.1), lease=timedelta(seconds=2))


class PreviewClock:
    """The store's clock: now, until the roadmap journey lets a week pass."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _messages_of(request: Any) -> list[tuple[JSON, bool]]:
    """The messages one recorded request carried: (message, is it a modal)."""
    body = request.json
    if not isinstance(body, dict):
        return []
    if request.route == CALLBACK:
        if body.get("type") in DEFERRED or "data" not in body:
            return []
        return [(body["data"], body.get("type") == MODAL)]
    if request.route in (FOLLOWUP, EDIT_ORIGINAL, EDIT_MESSAGE, CHANNEL_MESSAGES) and request.method in (
        "POST",
        "PATCH",
    ):
        return [(body, False)]
    return []


class Recorder:
    def __init__(self) -> None:
        self.journeys: list[Journey] = []

    def journey(self, name: str, title: str) -> Journey:
        self.journeys.append(Journey(name, title))
        return self.journeys[-1]

    @staticmethod
    async def keep(journey: Journey, harness: Harness, handle: Any, caption: str) -> None:
        """Every message the bot sent for one interaction, once it has settled."""
        await harness.settled(0.1)
        for request in handle.requests:
            Recorder.keep_request(journey, request, caption)

    @staticmethod
    def keep_request(journey: Journey, request: Any, caption: str) -> None:
        """The messages one request of the bot's carried (for what no interaction asked for,
        such as a check-in by DM)."""
        images = {file.filename: file.data for file in request.files if file.filename.endswith(".png")}
        for message, is_modal in _messages_of(request):
            journey.shown.append(
                Shown(caption, message, is_modal, bool(message.get("flags", 0) & 64), images)
            )


def _message_id(handle: Any) -> str:
    """The id of the message an interaction's reply created."""
    message = handle.original_message
    if message is None:
        raise LookupError("the bot's reply created no message")
    return str(message["id"])


async def _answer(harness: Harness, message_id: str, step: Any) -> Any:
    """Answer the step shown (a label, or menu values); the interaction's handle."""
    custom_id, _, values = component_for(harness.message(message_id), step)
    handle, _ = await harness.click(message_id, custom_id, values)
    return handle


async def _interview(journey: Journey, harness: Harness, *, steps: list[Any], description: str) -> str:
    """An interview to its card: the first step, one refused answer, the form, the card."""
    keep = Recorder.keep
    handle, _ = await harness.slash("start")
    await keep(journey, harness, handle, "/advisor start: the first question")
    message_id = _message_id(handle)
    await harness.answer(message_id, steps[0])
    handle = await _answer(harness, message_id, ["nonsense"])
    await keep(journey, harness, handle, "An answer the bot cannot take")
    for step in steps[:-1]:
        await harness.answer(message_id, step)
    handle = await _answer(harness, message_id, steps[-1])
    await keep(journey, harness, handle, "The last question: the free-text step")
    label = next(
        c["label"]
        for c in walk_components(harness.message(message_id)["components"])
        if c.get("custom_id", "").startswith("oa:n:type:")
    )
    handle, _ = await harness.press(message_id, label)
    await keep(journey, harness, handle, "The free-text form")
    handle, _ = await harness.type_answer(message_id, description, button=label)
    await keep(journey, harness, handle, f"The result card ({journey.name})")
    return message_id


async def _member(recorder: Recorder, harness: Harness) -> None:
    journey = recorder.journey("member", "A member: interview, card, parts, share, history, quick check")
    keep = Recorder.keep
    message_id = await _interview(
        journey,
        harness,
        steps=list(EBOOK_STEPS),
        description="A PDF guide to sourdough baking at home, sold once as a download.",
    )
    for label, caption in (
        ("All reasons", "The card's “All reasons”"),
        ("Whole roadmap", "The card's “Whole roadmap”"),
        ("Chart", "The card's “Chart”"),
        ("ITIL 4 reading", "The card's “ITIL 4 reading”"),
    ):
        handle, _ = await harness.press(message_id, label)
        await keep(journey, harness, handle, caption)
    handle, _ = await harness.press(message_id, "Share…")
    await keep(journey, harness, handle, "Share: the preview only the member sees")
    handle, _ = await harness.press(_message_id(handle), "Post it")
    await keep(journey, harness, handle, "Share: posted for the channel")
    handle, _ = await harness.slash("history")
    await keep(journey, harness, handle, "/advisor history")
    handle, _ = await harness.slash("help")
    await keep(journey, harness, handle, "/advisor help")
    for description in (
        "Notion templates for freelancers, pay once and keep them.",
        "An online course with weekly group coaching calls.",
    ):
        handle, _ = await harness.slash("check", {"description": description})
        await keep(journey, harness, handle, f"/advisor check “{description}”")
    start, _ = await harness.slash("start")
    await keep(journey, harness, start, "/advisor start again")
    again = _message_id(start)
    await harness.answer(again, EBOOK_STEPS[0])
    handle, _ = await harness.press(again, "Cancel")
    await keep(journey, harness, handle, "Cancel asks first")


async def _french(recorder: Recorder, harness: Harness) -> None:
    from tests.bot.test_discord_french import FRENCH_DESCRIPTION, FRENCH_STEPS  # noqa: PLC0415

    journey = recorder.journey("french", "Un membre, en français")
    harness.locale = "fr"
    message_id = await _interview(journey, harness, steps=list(FRENCH_STEPS), description=FRENCH_DESCRIPTION)
    handle, _ = await harness.press(message_id, "Lecture ITIL 4")
    await Recorder.keep(journey, harness, handle, "« Lecture ITIL 4 »")
    harness.locale = "en-US"


async def _roadmap(recorder: Recorder, harness: Harness, clock: PreviewClock) -> None:
    """The member's roadmap as a checklist, a check-in chosen, the week passing, the DM."""
    journey = recorder.journey("roadmap", "A member's roadmap: the checklist and a check-in")
    keep = Recorder.keep
    handle, _ = await harness.slash("roadmap")
    await keep(journey, harness, handle, "/advisor roadmap")
    roadmap_id = _message_id(handle)
    handle, _ = await harness.press(roadmap_id, "Done")
    await keep(journey, harness, handle, "Step 1 marked done: the checklist moves on")
    menu = next(
        c["custom_id"]
        for c in walk_components(harness.message(roadmap_id)["components"])
        if str(c.get("custom_id", "")).startswith("oa:k:")
    )
    handle, _ = await harness.click(roadmap_id, menu, ["week"])
    await keep(journey, harness, handle, "Check-ins chosen: every week")
    sent_before = len(harness.double.requests_to("POST", CHANNEL_MESSAGES))
    clock.now += timedelta(days=7, minutes=1)
    async with asyncio.timeout(10):
        while len(harness.double.requests_to("POST", CHANNEL_MESSAGES)) == sent_before:
            await asyncio.sleep(0.05)
    check_in = harness.double.requests_to("POST", CHANNEL_MESSAGES)[-1]
    Recorder.keep_request(journey, check_in, "A week later: the check-in, by DM")
    handle, _ = await harness.press(str(check_in.response["id"]), "Still on it")
    await keep(journey, harness, handle, "The check-in answered: still on it")


async def _staff(recorder: Recorder, harness: Harness) -> None:
    journey = recorder.journey("staff", "A moderator: the server's summary")
    handle, _ = await harness.staff("summary")
    await Recorder.keep(journey, harness, handle, "/advisor-staff summary, for the moderator alone")
    handle, _ = await harness.press(_message_id(handle), "Post to channel", permissions=STAFF)
    await Recorder.keep(journey, harness, handle, "The summary, posted for the channel")


async def record() -> Recorder:
    """Run every journey on a fresh bot and double; what the bot sent, by journey."""
    recorder = Recorder()
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "preview.db"

        async def seeded(store: Any) -> None:
            await seed_server(store, double.guild_id)

        clock = PreviewClock()
        async with (
            running_double() as double,
            running_advisor(
                double, db_path, seed=seeded, clock=clock, background_timings=BACKGROUND
            ) as harness,
        ):
            for journey in (_member, _french):
                await journey(recorder, harness)
            await _roadmap(recorder, harness, clock)
            await _staff(recorder, harness)
    return recorder


# --- checks ---------------------------------------------------------------------------------


def _cut(kind: str, text: str) -> bool:
    """Text clipped to fit shows the ellipsis the bot adds, right after a word; a label such
    as "Share…" ends in one by design."""
    return kind not in ("button label", "option label") and re.search(r"\w…", text) is not None


def problems(shown: Shown) -> list[str]:
    """Where a message breaks Discord's limits or shows text cut off to fit."""
    found: list[str] = []
    message = shown.message

    def check(kind: str, text: str | None) -> None:
        if not text:
            return
        if len(text) > LIMITS[kind]:
            found.append(f"{kind} is {len(text)} characters (limit {LIMITS[kind]}): {text[:60]!r}")
        if _cut(kind, text):
            found.append(f"{kind} is cut off: {text[-60:]!r}")

    check("content", message.get("content"))
    if shown.modal:
        check("modal title", message.get("title"))
    for embed in message.get("embeds") or []:
        total = 0
        for kind, text in (
            ("embed title", embed.get("title")),
            ("embed description", embed.get("description")),
            ("footer", (embed.get("footer") or {}).get("text")),
        ):
            check(kind, text)
            total += len(text or "")
        for embed_field in embed.get("fields") or []:
            check("field name", embed_field.get("name"))
            check("field value", embed_field.get("value"))
            total += len(embed_field.get("name", "")) + len(embed_field.get("value", ""))
        if total > LIMITS["embed total"]:
            found.append(f"an embed is {total} characters (limit 6,000)")
    for component in walk_components(message.get("components") or []):
        if component.get("type") == 2:
            check("button label", component.get("label"))
        elif component.get("type") == 3:
            check("menu placeholder", component.get("placeholder"))
            for option in component.get("options", []):
                check("option label", option.get("label"))
                check("option description", option.get("description"))
        elif component.get("type") == 4:
            check("input label", component.get("label"))
            check("input placeholder", component.get("placeholder"))
    return found


# --- drawing --------------------------------------------------------------------------------

BUTTON_STYLES = {1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link"}


def _markdown(text: str) -> str:
    """Discord's markdown, as far as the bot uses it, over escaped text."""
    text = re.sub(r"\\([\\*_`~|>#\-\[\]()])", r"\1", text)
    out = html.escape(text)
    out = re.sub(
        r"&lt;t:(\d+):\w&gt;",
        lambda m: datetime.fromtimestamp(int(m.group(1)), UTC).strftime("%d/%m/%Y"),
        out,
    )
    out = re.sub(r"&lt;#(\d+)&gt;", r'<span class="mention">#results</span>', out)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out, flags=re.S)
    out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", out, flags=re.S)
    return out.replace("\n", "<br>")


def _embed_html(embed: JSON, images: dict[str, bytes]) -> str:
    colour = f"#{embed.get('color', 0x4E5058):06x}"
    parts = [f'<div class="embed" style="border-left-color:{colour}">']
    if embed.get("title"):
        parts.append(f'<div class="title">{_markdown(embed["title"])}</div>')
    if embed.get("description"):
        parts.append(f'<div class="description">{_markdown(embed["description"])}</div>')
    fields = embed.get("fields") or []
    if fields:
        parts.append('<div class="fields">')
        for embed_field in fields:
            inline = " inline" if embed_field.get("inline") else ""
            parts.append(
                f'<div class="field{inline}"><div class="name">{_markdown(embed_field["name"])}</div>'
                f'<div class="value">{_markdown(embed_field["value"])}</div></div>'
            )
        parts.append("</div>")
    image = (embed.get("image") or {}).get("url", "")
    if image.startswith("attachment://") and image.removeprefix("attachment://") in images:
        data = base64.b64encode(images[image.removeprefix("attachment://")]).decode("ascii")
        parts.append(f'<img class="image" src="data:image/png;base64,{data}">')
    if (embed.get("footer") or {}).get("text"):
        parts.append(f'<div class="footer">{_markdown(embed["footer"]["text"])}</div>')
    parts.append("</div>")
    return "".join(parts)


def _components_html(rows: list[JSON]) -> str:
    parts = []
    for row in rows:
        parts.append('<div class="row">')
        for component in row.get("components", []):
            if component.get("type") == 2:
                style = BUTTON_STYLES.get(component.get("style", 2), "secondary")
                parts.append(f'<span class="button {style}">{html.escape(component.get("label", ""))}</span>')
            elif component.get("type") == 3:
                placeholder = component.get("placeholder") or ""
                parts.append(
                    f'<span class="select">{html.escape(placeholder)}<span class="caret">⌄</span></span>'
                )
            elif component.get("type") == 4:
                label = html.escape(component.get("label", ""))
                hint = html.escape(component.get("placeholder") or "")
                parts.append(
                    f'<div class="input"><div class="label">{label}</div><div class="box">{hint}</div></div>'
                )
        parts.append("</div>")
    return "".join(parts)


def _shown_html(shown: Shown) -> str:
    message = shown.message
    if shown.modal:
        body = (
            f'<div class="modal"><div class="modal-title">{html.escape(message.get("title", ""))}</div>'
            f"{_components_html(message.get('components', []))}"
            '<div class="modal-buttons"><span class="button secondary">Cancel</span>'
            '<span class="button primary">Submit</span></div></div>'
        )
    else:
        content = (
            f'<div class="content">{_markdown(message["content"])}</div>' if message.get("content") else ""
        )
        embeds = "".join(_embed_html(embed, shown.images) for embed in message.get("embeds") or [])
        body = (
            '<div class="message"><div class="avatar"></div><div class="body">'
            '<div class="author">Offering Advisor <span class="tag">APP</span></div>'
            f"{content}{embeds}{_components_html(message.get('components') or [])}"
            + ('<div class="only-you">Only you can see this message</div>' if shown.ephemeral else "")
            + "</div></div>"
        )
    issues = problems(shown)
    flagged = "".join(f'<div class="problem">{html.escape(issue)}</div>' for issue in issues)
    return f'<section><div class="caption">{html.escape(shown.caption)}</div>{body}{flagged}</section>'


# Discord's dark theme, as far as these messages need it.
STYLE = (Path(__file__).parent / "preview.css").read_text(encoding="utf-8")


def page(journey: Journey) -> str:
    sections = "".join(_shown_html(shown) for shown in journey.shown)
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(journey.title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{html.escape(journey.title)}</h1>{sections}</body></html>"
    )


def write_pages(recorder: Recorder, out: Path) -> list[Path]:
    """A page per journey, and one of the result cards alone (the README's picture)."""
    out.mkdir(parents=True, exist_ok=True)
    cards = Journey("cards", "The result card, in English and in French")
    cards.shown = [
        shown for journey in recorder.journeys for shown in journey.shown if "result card" in shown.caption
    ]
    pages = []
    for journey in [*recorder.journeys, cards]:
        path = out / f"{journey.name}.html"
        path.write_text(page(journey), encoding="utf-8")
        pages.append(path)
    links = "".join(
        f'<li><a href="{p.name}">{html.escape(j.title)}</a></li>'
        for p, j in zip(pages, [*recorder.journeys, cards], strict=True)
    )
    (out / "index.html").write_text(
        f"<!doctype html><meta charset='utf-8'><ul>{links}</ul>", encoding="utf-8"
    )
    return pages


# --- screenshots ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[int]:
    """Headless Chromium with its DevTools port; the flags keep it off the network."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if binary is None:
        raise FileNotFoundError("Chromium is not installed (apt-get install chromium)")
    port = _free_port()
    with tempfile.TemporaryDirectory() as profile:
        process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                f"--remote-debugging-port={port}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            yield port
        finally:
            process.terminate()
            process.wait(timeout=10)


async def _devtools(port: int) -> str:
    async with aiohttp.ClientSession() as http:
        for _ in range(100):
            with contextlib.suppress(aiohttp.ClientError):
                async with http.put(f"http://127.0.0.1:{port}/json/new?about:blank") as response:
                    target = await response.json()
                    return str(target["webSocketDebuggerUrl"])
            await asyncio.sleep(0.1)
    raise TimeoutError("Chromium's DevTools did not answer")


async def screenshot(port: int, page_path: Path, width: int, output: Path) -> None:
    """The whole page at ``width`` CSS pixels, drawn at twice that for a sharp image."""
    url = await _devtools(port)
    async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as socket_:
        counter = 0

        async def call(method: str, **params: Any) -> JSON:
            nonlocal counter
            counter += 1
            await socket_.send_json({"id": counter, "method": method, "params": params})
            while True:
                reply = await socket_.receive_json()
                if reply.get("id") == counter:
                    return dict(reply.get("result", {}))

        await call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=800,
            deviceScaleFactor=2,
            mobile=width < 500,
        )
        await call("Page.enable")
        await call("Page.navigate", url=page_path.resolve().as_uri())
        await asyncio.sleep(0.5)
        metrics = await call("Page.getLayoutMetrics")
        height = int(metrics["cssContentSize"]["height"])
        await call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=2,
            mobile=width < 500,
        )
        shot = await call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        output.write_bytes(base64.b64decode(shot["data"]))


async def screenshots(pages: list[Path], out: Path) -> list[Path]:
    made = []
    async with chromium() as port:
        for page_path in pages:
            for name, width in WIDTHS.items():
                target = out / f"{page_path.stem}-{name}.png"
                await screenshot(port, page_path, width, target)
                made.append(target)
    return made


async def main_async(out: Path, *, shoot: bool) -> int:
    recorder = await record()
    found = [
        f"{journey.name}: {shown.caption}: {issue}"
        for journey in recorder.journeys
        for shown in journey.shown
        for issue in problems(shown)
    ]
    pages = write_pages(recorder, out)
    count = sum(len(journey.shown) for journey in recorder.journeys)
    print(f"{count} messages in {len(pages)} journeys drawn into {out / 'index.html'}")
    for line in found:
        print(f"problem: {line}")
    if shoot:
        try:
            made = await screenshots(pages, out)
        except FileNotFoundError as missing:
            print(f"no screenshots: {missing}")
            made = []
        for path in made:
            print(f"screenshot: {path}")
    return 1 if found else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-screenshots", action="store_true", help="draw the pages only")
    args = parser.parse_args(argv)
    os.environ.setdefault("DISCORD_TOKEN", "")
    return asyncio.run(main_async(args.out, shoot=not args.no_screenshots))


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["Journey", "Recorder", "Shown", "main", "page", "problems", "record"]
