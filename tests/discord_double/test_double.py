"""The Discord double, proved with a tiny discord.py bot defined here."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands, ui
from discord.ext import commands

from tests.discord_double import DiscordDouble, check_request, fixtures, run_client, running_double
from tests.discord_double.double import CALLBACK, DEFAULT_GUILD, FOLLOWUP, GuildChoice
from tests.discord_double.payloads import guild_id_on_shard, shard_of
from tests.discord_double.rest import Fault

discord_double = fixtures.discord_double  # the plugin's fixture, without editing tests/conftest.py

CHANNEL_MESSAGES = "/channels/{channel_id}/messages"
REPORT = b"offering: hybrid\nnext step: package the service\n"


class DescribeModal(ui.Modal, title="Describe your offering"):
    offering: ui.Label[DescribeModal] = ui.Label(
        text="What do you sell?", component=ui.TextInput(custom_id="offering", max_length=200)
    )

    def __init__(self) -> None:
        super().__init__(custom_id="advisor:describe-modal")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        assert isinstance(self.offering.component, ui.TextInput)
        await interaction.response.send_message(f"Got: {self.offering.component.value}", ephemeral=True)


class MenuView(ui.View):
    @ui.button(label="Next", custom_id="advisor:next", style=discord.ButtonStyle.primary)
    async def next_step(self, interaction: discord.Interaction, button: ui.Button[MenuView]) -> None:
        await interaction.response.edit_message(content="Step 2 of 5", view=None)

    @ui.button(label="Describe", custom_id="advisor:describe")
    async def describe(self, interaction: discord.Interaction, button: ui.Button[MenuView]) -> None:
        await interaction.response.send_modal(DescribeModal())


class ProbeBot(commands.Bot):
    """Just enough of a bot to exercise every route the double serves."""

    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.release = asyncio.Event()  # lets a test act between a defer and the followup
        self.errors: list[discord.HTTPException] = []
        self._add_commands()

    def _add_commands(self) -> None:
        @self.tree.command(name="advice", description="Your verdict, privately")
        async def advice(interaction: discord.Interaction) -> None:
            embed = discord.Embed(title="Your offering", description="A hybrid", colour=0x2B6CB0)
            await interaction.response.send_message(embed=embed, ephemeral=True)

        @self.tree.command(name="menu", description="Start the interview")
        async def menu(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Step 1 of 5", view=MenuView())

        @self.tree.command(name="report", description="Your report as a file")
        async def report(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await self.release.wait()
            try:
                await interaction.followup.send(
                    "Here it is", file=discord.File(io.BytesIO(REPORT), "report.txt")
                )
            except discord.HTTPException as error:
                self.errors.append(error)
                assert isinstance(interaction.channel, discord.TextChannel)
                await interaction.channel.send(f"Could not deliver (HTTP {error.status}, code {error.code})")

        @self.tree.command(name="announce", description="Post in the channel")
        async def announce(interaction: discord.Interaction) -> None:
            assert isinstance(interaction.channel, discord.TextChannel)
            await interaction.channel.send("The advisor is open")
            await interaction.response.send_message("Posted", ephemeral=True)

        @self.tree.command(name="shout", description="Too long for Discord")
        async def shout(interaction: discord.Interaction) -> None:
            try:
                await interaction.response.send_message("A" * 3000)
            except discord.HTTPException as error:
                self.errors.append(error)

        @self.tree.command(name="think", description="Defer, then edit, fetch and follow up")
        async def think(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.edit_original_response(content="Done thinking")
            original = await interaction.original_response()
            extra = await interaction.followup.send(f"Also: {original.content}", ephemeral=True, wait=True)
            await extra.edit(content="Also: edited")
            await interaction.delete_original_response()

        group = app_commands.Group(name="profile", description="Your profile")

        @group.command(name="set", description="Set a field")
        async def profile_set(interaction: discord.Interaction, field: str, years: int) -> None:
            await interaction.response.send_message(f"{field}={years}", ephemeral=True)

        self.tree.add_command(group)


@pytest.fixture
async def bot(discord_double: DiscordDouble) -> AsyncIterator[ProbeBot]:
    async with run_client(ProbeBot()) as client:
        assert isinstance(client, ProbeBot)
        yield client


# --------------------------------------------------------------------------- connection


async def test_bot_connects_and_sees_the_guild(discord_double: DiscordDouble, bot: ProbeBot) -> None:
    assert bot.user is not None and str(bot.user.id) == discord_double.bot_user["id"]
    guild = bot.get_guild(int(discord_double.guild_id))
    assert guild is not None and guild.name == "Test Server"
    channel = guild.get_channel(int(discord_double.channel_id))
    assert isinstance(channel, discord.TextChannel) and channel.name == "general"
    assert guild.me is not None and guild.me.guild_permissions.send_messages
    assert guild.default_role.id == guild.id
    identify = discord_double.gateway.identifies[0]
    assert identify["token"] == "test-token" and identify["intents"] == discord.Intents.default().value
    assert discord_double.gateway.heartbeats >= 1  # discord.py beats once right after HELLO
    assert [r.key for r in discord_double.requests] == ["GET /users/@me", "GET /oauth2/applications/@me"]


async def test_gateway_uses_zlib_stream_when_asked(discord_double: DiscordDouble, bot: ProbeBot) -> None:
    (connection,) = discord_double.gateway.ready_connections
    wanted = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
    assert (connection.compressor is not None) == (wanted == "zlib-stream")


async def test_tree_sync_registers_commands_with_ids(discord_double: DiscordDouble, bot: ProbeBot) -> None:
    synced = await bot.tree.sync()
    put = discord_double.requests_to("PUT", "/applications/{application_id}/commands")[0]
    assert sorted(c["name"] for c in put.json) == [
        "advice",
        "announce",
        "menu",
        "profile",
        "report",
        "shout",
        "think",
    ]
    registered = discord_double.commands[None]
    assert {str(c.id) for c in synced} == set(registered)
    fetched = await bot.tree.fetch_commands()
    assert {c.id for c in fetched} == {c.id for c in synced}
    again = await bot.tree.sync()  # same names keep their ids, as on Discord
    assert {c.id for c in again} == {c.id for c in synced}
    payload = discord_double.slash_command("advice")
    assert payload["data"]["id"] == next(i for i, c in registered.items() if c["name"] == "advice")


# --------------------------------------------------------------------------- interactions


async def test_slash_command_replies_ephemerally_with_an_embed(
    discord_double: DiscordDouble, bot: ProbeBot
) -> None:
    handle = await discord_double.interact(discord_double.slash_command("advice"))
    callback = await handle.callback()
    assert callback.route == CALLBACK
    assert callback.query == {"with_response": "1"}
    assert callback.json == {
        "type": 4,
        "data": {
            "tts": False,
            "content": None,
            "embeds": [
                {
                    "type": "rich",
                    "title": "Your offering",
                    "description": "A hybrid",
                    "color": 0x2B6CB0,
                    "flags": 0,
                }
            ],
            "flags": 64,
            "allowed_mentions": {"parse": []},
        },
    }
    assert callback.status == 200
    assert callback.response["interaction"]["response_message_ephemeral"] is True
    original = handle.original_message
    assert original is not None and original["flags"] == 64 and original["type"] == 20
    assert original["embeds"][0]["title"] == "Your offering"
    assert original["interaction_metadata"]["user"]["id"] == discord_double.user["id"]


async def test_subcommand_options_reach_the_bot(discord_double: DiscordDouble, bot: ProbeBot) -> None:
    await bot.tree.sync()
    payload = discord_double.slash_command("profile", "set", {"field": "hours", "years": 3})
    assert payload["data"]["options"] == [
        {
            "name": "set",
            "type": 1,
            "options": [
                {"name": "field", "type": 3, "value": "hours"},
                {"name": "years", "type": 4, "value": 3},
            ],
        }
    ]
    callback = await (await discord_double.interact(payload)).callback()
    assert callback.json["data"]["content"] == "hours=3"


async def test_button_click_on_the_message_the_bot_sent_edits_it(
    discord_double: DiscordDouble, bot: ProbeBot
) -> None:
    menu = await discord_double.interact(discord_double.slash_command("menu"))
    sent = (await menu.callback()).response["resource"]["message"]
    assert [c["custom_id"] for c in sent["components"][0]["components"]] == [
        "advisor:next",
        "advisor:describe",
    ]

    click = await discord_double.interact(discord_double.component_click("advisor:next", message=sent))
    assert click.payload["message"]["id"] == sent["id"]
    callback = await click.callback()
    assert callback.json == {
        "type": 7,
        "data": {"tts": False, "content": "Step 2 of 5", "components": [], "allowed_mentions": {"parse": []}},
    }
    assert discord_double.messages[sent["id"]]["content"] == "Step 2 of 5"
    assert discord_double.messages[sent["id"]]["components"] == []
    with pytest.raises(ValueError, match="no component"):
        discord_double.component_click("advisor:next", message=sent)  # the button is gone now


async def test_modal_opened_from_a_button_and_submitted(discord_double: DiscordDouble, bot: ProbeBot) -> None:
    menu = await discord_double.interact(discord_double.slash_command("menu"))
    sent = (await menu.callback()).response["resource"]["message"]
    click = await discord_double.interact(discord_double.component_click("advisor:describe", message=sent))
    opened = await click.callback()
    assert opened.json["type"] == 9
    assert click.modal is not None and click.modal["custom_id"] == "advisor:describe-modal"

    with pytest.raises(ValueError, match="no field"):
        discord_double.modal_submit("advisor:describe-modal", {"price": "10"})
    payload = discord_double.modal_submit("advisor:describe-modal", {"offering": "Notion templates"})
    assert payload["type"] == 5 and payload["message"]["id"] == sent["id"]
    label = payload["data"]["components"][0]
    assert label["type"] == 18 and label["component"]["value"] == "Notion templates"
    answer = await (await discord_double.interact(payload)).callback()
    assert answer.json["data"]["content"] == "Got: Notion templates"


async def test_deferred_response_then_followup_with_a_file(
    discord_double: DiscordDouble, bot: ProbeBot
) -> None:
    handle = await discord_double.interact(discord_double.slash_command("report"))
    deferred = await handle.callback()
    assert deferred.json == {"type": 5}
    assert deferred.response["interaction"]["response_message_loading"] is True
    bot.release.set()

    followup = await handle.followup()
    assert followup.route == FOLLOWUP
    assert followup.json["attachments"] == [{"id": 0, "filename": "report.txt"}]
    (upload,) = followup.files
    assert (upload.field, upload.filename, upload.data) == ("files[0]", "report.txt", REPORT)
    original = handle.original_message  # the first followup after a defer fills the loader
    assert original is not None and original["content"] == "Here it is" and original["flags"] == 0
    (attachment,) = original["attachments"]
    assert attachment["size"] == len(REPORT) and attachment["url"].startswith(discord_double.base_url)
    async with aiohttp.ClientSession() as session, session.get(attachment["url"]) as response:
        assert await response.read() == REPORT


async def test_channel_send(discord_double: DiscordDouble, bot: ProbeBot) -> None:
    handle = await discord_double.interact(discord_double.slash_command("announce"))
    post = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert post.params["channel_id"] == discord_double.channel_id
    assert post.json["content"] == "The advisor is open"
    assert post.response["author"]["id"] == discord_double.bot_user["id"]
    assert (await handle.callback()).json["data"]["content"] == "Posted"


async def test_dm_slash_command(discord_double: DiscordDouble, bot: ProbeBot) -> None:
    payload = discord_double.slash_command("advice", guild_id=None)
    assert "member" not in payload and "guild_id" not in payload
    assert payload["user"]["id"] == discord_double.user["id"] and payload["context"] == 1
    assert payload["channel"]["type"] == 1
    callback = await (await discord_double.interact(payload)).callback()
    assert callback.status == 200 and callback.json["data"]["flags"] == 64


async def test_defer_edit_fetch_followup_edit_and_delete(
    discord_double: DiscordDouble, bot: ProbeBot
) -> None:
    handle = await discord_double.interact(discord_double.slash_command("think"))
    assert (await handle.callback()).json == {"type": 5, "data": {"flags": 64}}
    delete = await handle.request("DELETE")
    assert (
        delete.route == "/webhooks/{webhook_id}/{webhook_token}/messages/@original" and delete.status == 204
    )
    assert [(r.method, r.status) for r in handle.requests] == [
        ("POST", 200),  # callback: deferred, ephemeral
        ("PATCH", 200),  # edit_original_response
        ("GET", 200),  # original_response
        ("POST", 200),  # followup, wait=True
        ("PATCH", 200),  # the followup's edit, by id
        ("DELETE", 204),  # delete_original_response
    ]
    assert (await handle.edit()).json["content"] == "Done thinking"
    assert (await handle.followup()).query["wait"] == "1"
    assert handle.original_message is None  # deleted
    (extra,) = handle.followup_messages
    assert extra["content"] == "Also: edited" and extra["flags"] == 64 and extra["edited_timestamp"]


async def test_guild_commands_sync(discord_double: DiscordDouble, bot: ProbeBot) -> None:
    guild = discord.Object(id=int(discord_double.guild_id))
    bot.tree.copy_global_to(guild=guild)
    synced = await bot.tree.sync(guild=guild)
    assert {c.guild_id for c in synced} == {guild.id}
    assert len(discord_double.commands[discord_double.guild_id]) == len(synced)
    payload = discord_double.slash_command("advice")
    assert payload["data"]["guild_id"] == discord_double.guild_id
    assert (await (await discord_double.interact(payload)).callback()).status == 200


# --------------------------------------------------------------------------- failures


async def test_expired_token_gives_the_bot_an_http_exception(
    discord_double: DiscordDouble, bot: ProbeBot
) -> None:
    handle = await discord_double.interact(discord_double.slash_command("report"))
    await handle.callback()
    discord_double.expire_token(handle.token)
    bot.release.set()

    notice = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert notice.json["content"] == "Could not deliver (HTTP 401, code 50027)"
    (error,) = bot.errors
    assert (error.status, error.code, error.text) == (401, 50027, "Invalid Webhook Token")
    assert discord_double.violations == []  # an expired token is Discord's doing, not the bot's


async def test_a_body_discord_would_reject_is_a_violation(
    discord_double: DiscordDouble, bot: ProbeBot
) -> None:
    handle = await discord_double.interact(discord_double.slash_command("shout"))
    callback = await handle.callback()
    assert callback.status == 400 and callback.response["code"] == 50035
    with pytest.raises(AssertionError, match="would have rejected"):
        discord_double.assert_clean()  # what the fixture's teardown does
    (violation,) = discord_double.take_violations()
    assert violation.kind == "invalid-request" and violation.route == f"POST {CALLBACK}"
    assert "data.content" in violation.message and "2000" in violation.message
    await asyncio.sleep(0.05)  # let the command's except clause run
    (error,) = bot.errors
    assert error.status == 400 and error.code == 50035


async def test_unknown_route_is_answered_404_and_recorded(
    discord_double: DiscordDouble, bot: ProbeBot
) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/guilds/{guild_id}/audit-logs", guild_id=1))
    assert [v.kind for v in discord_double.unhandled] == ["unknown-route"]
    (violation,) = discord_double.take_violations()
    assert violation.route == "GET /guilds/1/audit-logs"


async def test_a_second_callback_is_rejected(discord_double: DiscordDouble, bot: ProbeBot) -> None:
    handle = await discord_double.interact(discord_double.slash_command("advice"))
    await handle.callback()
    state = handle.payload
    with pytest.raises(discord.HTTPException) as caught:
        await bot.http.request(
            discord.http.Route(
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
                interaction_id=state["id"],
                interaction_token=state["token"],
            ),
            json={"type": 4, "data": {"content": "again"}},
        )
    assert caught.value.code == 40060
    (violation,) = discord_double.take_violations()
    assert violation.kind == "rejected"


# --------------------------------------------------------------------------- injected faults


async def test_a_rate_limited_callback_is_waited_out_and_retried(
    discord_double: DiscordDouble, bot: ProbeBot
) -> None:
    rule = discord_double.inject_fault(Fault.rate_limited(0.3), "POST", CALLBACK)
    started = asyncio.get_running_loop().time()
    handle = await discord_double.interact(discord_double.slash_command("advice"))
    answered = await handle.request("POST", CALLBACK, nth=1)
    assert asyncio.get_running_loop().time() - started >= 0.3  # discord.py waited retry_after
    limited = await handle.callback()
    assert (limited.status, answered.status) == (429, 200)
    assert limited.response == {
        "message": "You are being rate limited.",
        "retry_after": 0.3,
        "global": False,
        "code": 0,
    }
    headers = limited.response_headers
    assert headers["Retry-After"] == "1" and headers["X-RateLimit-Remaining"] == "0"
    assert float(headers["X-RateLimit-Reset-After"]) == 0.3 and headers["X-RateLimit-Bucket"]
    assert headers["Via"]  # discord.py honours a 429 only with it (else: a Cloudflare ban)
    assert limited.json == answered.json and limited.fault is rule.fault and answered.fault is None
    assert rule.served == [limited] and rule.remaining == 0 and discord_double.faults_served == [limited]
    assert handle.original_message is not None  # delivered once, by the retry
    assert len([m for m in discord_double.messages.values() if m["embeds"]]) == 1
    assert discord_double.violations == []  # a fault is Discord's doing, and the 429 fits the spec


async def test_a_server_error_is_retried_by_discord_py(discord_double: DiscordDouble, bot: ProbeBot) -> None:
    html = "<html><body><h1>502 Bad Gateway</h1>cloudflare</body></html>"
    rule = discord_double.inject_fault(Fault.server_error(502, body=html), "POST", CHANNEL_MESSAGES)
    handle = await discord_double.interact(discord_double.slash_command("announce"))
    failed = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert (failed.status, failed.response) == (502, html)
    posted = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES, nth=1, timeout=3)
    assert posted.status == 200 and rule.count == 1  # after discord.py's 1 s backoff
    assert [m["content"] for m in discord_double.messages.values()] == ["The advisor is open"]
    assert (await handle.callback()).json["data"]["content"] == "Posted"


async def test_an_unretried_server_error_reaches_the_bot_with_its_body(
    discord_double: DiscordDouble, bot: ProbeBot
) -> None:
    discord_double.inject_fault(Fault.server_error(503), "POST", CHANNEL_MESSAGES, times=None)
    channel = bot.get_channel(int(discord_double.channel_id))
    assert isinstance(channel, discord.TextChannel)
    for _ in range(2):  # 503 is not among the statuses discord.py's client retries
        with pytest.raises(discord.DiscordServerError) as caught:
            await channel.send("hello")
        assert (caught.value.status, caught.value.text) == (503, "503: Service Unavailable")
    assert len(discord_double.faults_served) == 2 and discord_double.messages == {}


async def test_a_slow_answer_is_served_after_the_hold(discord_double: DiscordDouble, bot: ProbeBot) -> None:
    channel = bot.get_channel(int(discord_double.channel_id))
    assert isinstance(channel, discord.TextChannel)
    discord_double.inject_fault(Fault.slow(0.3), "POST", CHANNEL_MESSAGES)
    started = asyncio.get_running_loop().time()
    sent = await channel.send("late but there")
    assert asyncio.get_running_loop().time() - started >= 0.3
    (request,) = discord_double.requests_to("POST", CHANNEL_MESSAGES)
    assert request.status == 200 and request.fault is not None
    assert discord_double.messages[str(sent.id)]["content"] == "late but there"


async def test_no_answer_outlasts_the_client_and_changes_nothing(
    discord_double: DiscordDouble, bot: ProbeBot
) -> None:
    channel = bot.get_channel(int(discord_double.channel_id))
    assert isinstance(channel, discord.TextChannel)
    rule = discord_double.inject_fault(Fault.no_answer(0.6), "POST", CHANNEL_MESSAGES)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(channel.send("into the void"), 0.2)
    assert len(rule.served) == 1  # listed on arrival, while still held
    assert discord_double.requests_to("POST", CHANNEL_MESSAGES) == []
    held = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert held.status == 504 and discord_double.messages == {}  # never applied
    sent = await channel.send("the next one goes through")
    assert discord_double.messages[str(sent.id)]["content"] == "the next one goes through"


async def test_stopping_the_double_ends_a_hold_at_once() -> None:
    async with DiscordDouble(validate=False) as double:
        double.inject_fault(Fault.no_answer(30), "GET", "/users/@me")
        async with aiohttp.ClientSession() as session:
            pending = asyncio.create_task(session.get(f"{double.api_base}/users/@me"))
            async with asyncio.timeout(3):
                while not double.faults_served:
                    await asyncio.sleep(0.01)
            started = asyncio.get_running_loop().time()
            await double.stop()
            assert asyncio.get_running_loop().time() - started < 3
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)


async def test_faults_match_method_route_params_and_count(
    discord_double: DiscordDouble, bot: ProbeBot
) -> None:
    with pytest.raises(ValueError, match="no route"):
        discord_double.inject_fault(Fault.server_error(), "POST", "/interactions/{id}/callback")
    first = await discord_double.interact(discord_double.slash_command("advice"))
    await first.callback()
    later = discord_double.slash_command("advice")
    only_later = discord_double.inject_fault(
        Fault.rate_limited(0.05), "POST", CALLBACK, times=2, params={"interaction_token": later["token"]}
    )
    other = await discord_double.interact(discord_double.slash_command("advice"))
    assert (await other.callback()).status == 200 and only_later.count == 0
    handle = await discord_double.interact(later)
    done = await handle.request("POST", CALLBACK, nth=2)
    assert [r.status for r in handle.requests] == [429, 429, 200] and done.fault is None
    assert only_later.count == 2 and only_later.remaining == 0


async def test_an_invalid_request_is_refused_before_any_fault(
    discord_double: DiscordDouble, bot: ProbeBot
) -> None:
    rule = discord_double.inject_fault(Fault.server_error(), "POST", CALLBACK)
    handle = await discord_double.interact(discord_double.slash_command("shout"))
    refused = await handle.callback()
    assert refused.status == 400 and refused.fault is None
    assert rule.count == 0 and rule.remaining == 1  # still waiting for a valid callback
    (violation,) = discord_double.take_violations()
    assert violation.kind == "invalid-request"


def test_fault_headers_say_what_discord_says() -> None:
    limited = Fault.rate_limited(2.5, is_global=True, bucket="abc")
    headers = limited.headers()
    assert headers["Retry-After"] == "3" and headers["X-RateLimit-Global"] == "true"
    assert headers["X-RateLimit-Scope"] == "global" and headers["X-RateLimit-Bucket"] == "abc"
    assert limited.body["global"] is True
    assert Fault.server_error(500).body == {"message": "500: Internal Server Error", "code": 0}
    assert Fault.server_error(502).headers() == {} and Fault.slow(1).status is None
    with pytest.raises(ValueError):
        Fault.server_error(404)


# --------------------------------------------------------------------------- reconnecting


async def test_resume_after_reconnect_request(discord_double: DiscordDouble, bot: ProbeBot) -> None:
    (session_id,) = discord_double.gateway.sessions
    await discord_double.request_reconnect()
    async with asyncio.timeout(5):
        while not discord_double.gateway.resumes or not discord_double.gateway.ready_connections:
            await asyncio.sleep(0.01)
    assert len(discord_double.gateway.identifies) == 1
    assert discord_double.gateway.resumes[0]["session_id"] == session_id
    callback = await (await discord_double.interact(discord_double.slash_command("advice"))).callback()
    assert callback.status == 200


async def test_a_restarted_client_connects_again(discord_double: DiscordDouble) -> None:
    async with run_client(ProbeBot()) as first:
        assert first.is_ready()
    assert first.is_closed() and discord_double.gateway.ready_connections == []
    async with run_client(ProbeBot()) as second:
        callback = await (await discord_double.interact(discord_double.slash_command("advice"))).callback()
        assert callback.status == 200 and second.is_ready()
    assert len(discord_double.gateway.identifies) == 2
    with pytest.raises(RuntimeError, match="no bot is connected"):
        await discord_double.interact(discord_double.slash_command("advice"))


# --------------------------------------------------------------------------- sharding


class ShardProbe(commands.AutoShardedBot):
    """A bot process running some shards of a sharded bot. /where answers with the shards it
    runs, so a reply tells which process got the interaction."""

    def __init__(self, shard_ids: list[int] | None = None, shard_count: int | None = None) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            shard_ids=shard_ids,  # type: ignore[arg-type]  # None (every shard) is discord.py's default
            shard_count=shard_count,
        )
        self.messages: list[discord.Message] = []  # every MESSAGE_CREATE this process got

        @self.tree.command(name="where", description="Which shards answered")
        async def where(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"shards {self.running}", ephemeral=True)

    @property
    def running(self) -> str:
        return ",".join(str(shard_id) for shard_id in sorted(self.shards))

    async def on_message(self, message: discord.Message) -> None:
        self.messages.append(message)


@pytest.fixture
async def two_shards() -> AsyncIterator[DiscordDouble]:
    """A double that requires two shards; its default guild is on shard 0, "Shard One" on 1."""
    async with running_double(shard_count=2) as double:
        double.add_guild_on_shard(1, "Shard One", members=(double.user,))
        yield double


def guild_on_shard_1(double: DiscordDouble) -> str:
    return next(guild_id for guild_id in double.world.guilds if double.shard_of(guild_id) == 1)


async def where(
    double: DiscordDouble, *, guild_id: GuildChoice = DEFAULT_GUILD, via_shard: int | None = None
) -> str:
    """Which process answered /where in that guild (None: in DMs)."""
    payload = double.slash_command("where", guild_id=guild_id)
    callback = await (await double.interact(payload, via_shard=via_shard)).callback()
    return str(callback.json["data"]["content"])


def test_guild_ids_on_a_chosen_shard() -> None:
    ids = [guild_id_on_shard(shard, 3) for shard in (2, 0, 1, 1)]
    assert [shard_of(guild_id, 3) for guild_id in ids] == [2, 0, 1, 1]
    assert ids == sorted(ids, key=int) and len(set(ids)) == 4  # still fresh, increasing snowflakes
    with pytest.raises(ValueError, match="not one of 2"):
        guild_id_on_shard(2, 2)
    double = DiscordDouble(shard_count=4)
    assert double.shard_of(double.guild_id) == 0  # the default guild, whatever the count
    guild = double.add_guild_on_shard(3, "Three")
    assert double.shard_of(guild["id"]) == 3 and guild["id"] in double.world.guilds
    with pytest.raises(ValueError, match="already a guild"):
        double.world.add_guild("Again", guild_id=guild["id"])


async def test_an_unsharded_client_is_shard_zero_of_one(discord_double: DiscordDouble, bot: ProbeBot) -> None:
    (connection,) = discord_double.gateway.ready_connections
    assert "shard" not in discord_double.gateway.identifies[0] and connection.shard == (0, 1)
    assert discord_double.shard_count == 1


async def test_each_shard_gets_only_its_own_guilds(two_shards: DiscordDouble) -> None:
    async with run_client(ShardProbe([0], 2)) as first, run_client(ShardProbe([1], 2)) as second:
        shards, url, limits = await first.http.get_bot_gateway()
        assert (shards, url, limits["max_concurrency"]) == (2, two_shards.gateway_url, 1)
        assert [str(g.id) for g in first.guilds] == [two_shards.guild_id]
        assert [str(g.id) for g in second.guilds] == [guild_on_shard_1(two_shards)]
        assert [i["shard"] for i in two_shards.gateway.identifies] == [[0, 2], [1, 2]]
        assert sorted(c.shard for c in two_shards.gateway.ready_connections if c.shard) == [(0, 2), (1, 2)]


async def test_one_process_running_every_shard_sees_every_guild(two_shards: DiscordDouble) -> None:
    bot = ShardProbe()  # no count: it asks GET /gateway/bot, as AutoShardedClient does

    async def without_the_wait(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before each further shard's IDENTIFY (Discord's identify rate
        limit); the double has none, and the test need not wait."""

    bot.before_identify_hook = without_the_wait  # type: ignore[method-assign]
    async with run_client(bot):
        assert bot.shard_count == 2 and bot.running == "0,1"
        assert {str(g.id) for g in bot.guilds} == set(two_shards.world.guilds)
        assert await where(two_shards, guild_id=guild_on_shard_1(two_shards)) == "shards 0,1"
    assert two_shards.requests_to("GET", "/gateway/bot")


async def test_interactions_go_to_the_shard_of_their_guild_and_dms_to_shard_zero(
    two_shards: DiscordDouble,
) -> None:
    async with run_client(ShardProbe([0], 2)), run_client(ShardProbe([1], 2)):
        assert await where(two_shards) == "shards 0"
        assert await where(two_shards, guild_id=guild_on_shard_1(two_shards)) == "shards 1"
        assert await where(two_shards, guild_id=None) == "shards 0"
        # As after shard 1 moved to the other process: the interaction goes where it is sent.
        assert await where(two_shards, guild_id=guild_on_shard_1(two_shards), via_shard=0) == "shards 0"
        assert await where(two_shards, guild_id=None, via_shard=1) == "shards 1"
        with pytest.raises(RuntimeError, match="no bot is connected for shard 5"):
            await where(two_shards, via_shard=5)


async def test_an_interaction_for_a_shard_no_process_runs_is_refused(two_shards: DiscordDouble) -> None:
    async with run_client(ShardProbe([1], 2)):
        with pytest.raises(RuntimeError, match="no bot is connected for the shard of guild"):
            await where(two_shards)
        with pytest.raises(RuntimeError, match="shard 0, which gets DMs"):
            await where(two_shards, guild_id=None)
        assert await where(two_shards, guild_id=guild_on_shard_1(two_shards)) == "shards 1"


async def test_guild_events_go_to_their_shard_and_dm_events_to_shard_zero(two_shards: DiscordDouble) -> None:
    gateway = two_shards.gateway
    first, second = ShardProbe([0], 2), ShardProbe([1], 2)
    async with run_client(first), run_client(second):
        zero, one = gateway.on_shard(0), gateway.on_shard(1)
        other = guild_on_shard_1(two_shards)
        assert gateway.recipients("GUILD_UPDATE", {"id": other}) == one
        assert gateway.recipients("GUILD_MEMBER_ADD", {"guild_id": two_shards.guild_id}) == zero
        assert gateway.recipients("MESSAGE_CREATE", {"channel_id": "1"}) == zero  # a DM
        assert gateway.recipients("USER_UPDATE", {"id": "1"}) == gateway.ready_connections
        assert gateway.recipients("GUILD_UPDATE", {"id": other}, shard_id=0) == zero

        # MESSAGE_CREATE for the bot's own message reaches only the process of its guild.
        for bot, guild_id in ((first, two_shards.guild_id), (second, other)):
            guild = bot.get_guild(int(guild_id))
            assert guild is not None
            await guild.text_channels[0].send(f"hello from {bot.running}")
        async with asyncio.timeout(5):
            while not (first.messages and second.messages):
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # anything misrouted would have arrived by now
        assert [m.content for m in first.messages] == ["hello from 0"]
        assert [m.content for m in second.messages] == ["hello from 1"]


async def test_a_reconnected_shard_resumes_as_the_same_shard(two_shards: DiscordDouble) -> None:
    async with run_client(ShardProbe([0], 2)), run_client(ShardProbe([1], 2)):
        await two_shards.request_reconnect(shard_id=1)
        async with asyncio.timeout(5):
            while not two_shards.gateway.resumes or len(two_shards.gateway.ready_connections) < 2:
                await asyncio.sleep(0.01)
        assert len(two_shards.gateway.resumes) == 1 and len(two_shards.gateway.identifies) == 2
        assert await where(two_shards, guild_id=guild_on_shard_1(two_shards)) == "shards 1"


@pytest.mark.parametrize(
    ("shard_id", "shard_count", "code", "problem"),
    [
        (2, 2, 4010, "shard 2 is not in range(2)"),  # Invalid shard
        (0, 1, 4011, "IDENTIFY with 1 shard(s) where Discord requires 2"),  # Sharding required
    ],
    ids=["out-of-range", "too-few"],
)
async def test_a_shard_discord_would_refuse_is_closed_before_ready(
    two_shards: DiscordDouble, shard_id: int, shard_count: int, code: int, problem: str
) -> None:
    with pytest.raises(discord.ConnectionClosed) as closed:
        async with run_client(ShardProbe([shard_id], shard_count)):
            pass
    assert closed.value.code == code
    (violation,) = two_shards.take_violations()
    assert violation.kind == "gateway" and problem in violation.message
    assert two_shards.gateway.sessions == {}  # no READY, no session


async def test_an_unsharded_bot_is_told_that_sharding_is_required(two_shards: DiscordDouble) -> None:
    with pytest.raises(discord.ConnectionClosed) as closed:
        async with run_client(ProbeBot()):
            pass
    assert closed.value.code == 4011
    (violation,) = two_shards.take_violations()
    assert "IDENTIFY with 1 shard(s)" in violation.message


async def test_a_shard_count_unlike_the_connected_shards_is_refused(two_shards: DiscordDouble) -> None:
    async with run_client(ShardProbe([0], 2)):
        with pytest.raises(discord.ConnectionClosed) as closed:
            async with run_client(ShardProbe([1], 3)):
                pass
        assert closed.value.code == 4010
        (violation,) = two_shards.take_violations()
        assert "num_shards 3 differs from the connected shards' (2)" in violation.message
        assert await where(two_shards) == "shards 0"  # the first process is untouched


# --------------------------------------------------------------------------- spec checks


def test_validation_against_the_spec() -> None:
    callback = "/interactions/1234567890123456789/a-token/callback"
    good = {"type": 4, "data": {"content": "hi", "flags": 64, "allowed_mentions": {"parse": []}}}
    assert check_request("POST", callback, query={"with_response": "1"}, body=good) == []
    too_long = check_request("POST", callback, body={"type": 4, "data": {"content": "x" * 3000}})
    assert [p.where for p in too_long] == ["data.content"]
    # quirk: a file index as an integer attachment id is valid (spec: snowflake strings only)
    upload = {"content": "file", "attachments": [{"id": 0, "filename": "a.txt"}]}
    assert check_request("POST", "/webhooks/1234567890123456789/tok", query={"wait": "1"}, body=upload) == []
    # stricter than the spec: 2,000 characters in a channel message, as Discord's docs say
    bot_auth = {"Authorization": "Bot test-token"}
    channel = "/channels/1234567890123456789/messages"
    assert check_request("POST", channel, headers=bot_auth, body={"content": "x" * 2000}) == []
    assert check_request("POST", channel, headers=bot_auth, body={"content": "x" * 2001})
    assert [p.where for p in check_request("POST", channel, body={"content": "hi"})] == ["headers"]


def test_interaction_payload_shapes() -> None:
    double = DiscordDouble()
    guild = double.slash_command("advice", locale="pt-BR", roles=("42",))
    for key in (
        "id",
        "application_id",
        "token",
        "channel",
        "channel_id",
        "guild",
        "guild_locale",
        "app_permissions",
    ):
        assert key in guild
    assert guild["type"] == 2 and guild["version"] == 1 and guild["locale"] == "pt-BR"
    assert guild["entitlements"] == [] and guild["context"] == 0
    assert guild["authorizing_integration_owners"] == {"0": double.guild_id}
    assert guild["member"]["user"]["id"] == double.user["id"] and guild["member"]["roles"] == ["42"]
    assert guild["member"]["permissions"].isdigit() and "user" not in guild
    dm = double.slash_command("advice", guild_id=None)
    assert dm["authorizing_integration_owners"] == {"0": "0"} and dm["context"] == 1
    other = double.slash_command("advice")
    assert other["id"] != guild["id"] and other["token"] != guild["token"]
