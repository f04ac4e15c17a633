"""Database URLs as an operator types them: a typo is one line and exit code 2 before any
connection is tried, and a password never shows, wherever the URL carries it.

The command-line cases run the real console script (tests/cli/test_cli.py's ``run_cli``,
which also fails on any Python traceback).
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from storage.factory import parse_database_url
from storage.urls import UNREADABLE, DatabaseURLError, check_postgres_url, redact_url
from tests.command_line import make_env, run_cli

SECRET = "S3cret-pw"

# The same password in every place a PostgreSQL URL can carry one.
SECRET_URLS = [
    f"postgresql://bot:{SECRET}@db:5432/advisor",
    f"postgresql://bot@db/advisor?password={SECRET}",
    f"postgresql://bot@db/advisor?sslmode=require&password={SECRET}&application_name=x",
    f"postgresql://bot@db/advisor?PassWord={SECRET}",
    f"postgresql://bot@db/advisor?sslpassword={SECRET}",
    f"postgresql://bot@db/advisor?pass%77ord={SECRET}",
    f"postgresql://bot:{SECRET}@db/advisor?password={SECRET}",
    # Unencoded specials in the password: where the user-info ends is anyone's guess.
    f"postgresql://bot:{SECRET}/x@db/advisor",
    f"postgresql://bot:{SECRET}?x@db/advisor",
    f"postgresql://bot:{SECRET}@more@db/advisor",
    f"postgres://bot:{SECRET}@[::1]:5432/advisor",
    f"host=db user=bot password={SECRET}",
    f"host=db password = '{SECRET} with spaces'",
]


@pytest.mark.parametrize("url", SECRET_URLS)
def test_a_password_is_hidden_wherever_the_url_carries_it(url: str) -> None:
    shown = redact_url(url)
    assert SECRET not in shown
    assert "***" in shown or shown == UNREADABLE


def test_redaction_keeps_what_an_operator_needs_to_see() -> None:
    assert redact_url(f"postgresql://bot:{SECRET}@db:5432/advisor?sslmode=require") == (
        "postgresql://bot:***@db:5432/advisor?sslmode=require"
    )
    assert redact_url(f"postgresql://bot@db/advisor?password={SECRET}&sslmode=require") == (
        "postgresql://bot@db/advisor?password=***&sslmode=require"
    )
    assert redact_url("postgresql://db/advisor") == "postgresql://db/advisor"
    assert redact_url("/var/lib/advisor.db") == "/var/lib/advisor.db"


def test_text_that_is_not_a_url_is_not_shown() -> None:
    assert redact_url(f"po stgres://bot:{SECRET}@db") == UNREADABLE


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql://a:pw@localhost:99999/db", "the port 99999 is out of range (1 to 65535)"),
        ("postgresql://a:pw@localhost:70000/db", "the port 70000 is out of range (1 to 65535)"),
        ("postgresql://a:pw@localhost:0/db", "the port 0 is out of range (1 to 65535)"),
        ("postgresql://u@[::1/db", "the IPv6 address in '[::1' has no closing ']'"),
        ("postgresql://u@[nothost]:5432/db", "'nothost' is not an IPv6 address"),
        ("postgresql://u@localhost:54x2/db", "the port '54x2' is not a number"),
        ("postgresql://u@h1:5432,,h2/db", "it lists an empty host"),
        ("postgresql://u@db/advisor?sslmode=sometimes", "sslmode='sometimes' is not one of"),
        ("postgresql://u@db/advisor?port=99999", "the port 99999 is out of range"),
        ("postgresql://u@db/advisor?sslmode", "not name=value pairs"),
        (f"postgresql://u:{SECRET}/x@db/advisor", "percent-encode"),
        ("sqlite://advisor.db", "write sqlite:///relative/file.db"),
        ("mysql://bot@db/advisor", "it must start with sqlite:/// or postgresql://"),
    ],
)
def test_a_malformed_url_is_refused_naming_the_problem(url: str, problem: str) -> None:
    with pytest.raises(DatabaseURLError) as raised:
        parse_database_url(url)
    message = str(raised.value)
    assert problem in message and "\n" not in message
    assert "pw" not in message.replace("postgresql", "") and SECRET not in message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://bot:pw@db.internal:5432/advisor",
        "postgresql://db/advisor?sslmode=verify-full&application_name=advisor",
        "postgresql://bot@h1:5432,h2:5433/advisor",
        "postgresql://bot@[::1]:5432/advisor",
        "postgresql:///advisor?host=/var/run/postgresql",
        "postgres://db/advisor?search_path=t_1&password=x",
    ],
)
def test_well_formed_urls_are_accepted(url: str) -> None:
    assert parse_database_url(url).backend == "postgresql"


def test_the_location_in_messages_names_hosts_and_database_only() -> None:
    location = check_postgres_url(f"postgresql://bot:{SECRET}@h1:5432,h2/advisor?password={SECRET}")
    assert str(location) == "h1:5432,h2/advisor"


# --- the console script ---------------------------------------------------------------------


def listening_socket() -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    return server


def connections_waiting(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            accepted, _ = server.accept()
        except TimeoutError:
            return count
        accepted.close()
        count += 1


@pytest.mark.parametrize("given_as", ["--db", "DATABASE_URL"])
@pytest.mark.parametrize("command", [["history"], ["export"], ["chat"], ["run"]])
def test_a_port_out_of_range_is_one_line_and_exit_2_before_connecting(
    given_as: str, command: list[str], tmp_path: Path
) -> None:
    with listening_socket() as server:
        port = server.getsockname()[1]
        # asyncpg would wrap this port round to the one the server listens on.
        url = f"postgresql://a:{SECRET}@127.0.0.1:{port + 65536}/db"
        env = make_env(tmp_path)
        args = ["--db", url, *command] if given_as == "--db" else command
        if given_as == "DATABASE_URL":
            env["DATABASE_URL"] = url
        run = run_cli(*args, env=env)
        assert run.code == 2
        assert run.err_lines == [
            f"offering-advisor: cannot use the database URL postgresql://a:***@127.0.0.1:{port + 65536}/db: "
            f"the port {port + 65536} is out of range (1 to 65535)"
        ]
        assert SECRET not in run.out + run.err
        assert connections_waiting(server) == 0


@pytest.mark.parametrize(
    "url", ["postgresql://u@[::1/db", "postgresql://a:pw@localhost:70000/db", "sqlite://nowhere.db"]
)
def test_migrate_store_refuses_a_malformed_url_on_either_side(url: str, tmp_path: Path) -> None:
    good = f"sqlite:///{tmp_path / 'good.db'}"
    for source, target in ((url, good), (good, url)):
        run = run_cli("migrate-store", "--from", source, "--to", target, env=make_env(tmp_path))
        assert run.code == 2
        [line] = run.err_lines
        assert line.startswith("offering-advisor: cannot use the database URL ")
    assert not (tmp_path / "good.db").exists()


def test_an_unreachable_server_named_with_a_query_password_hides_it(tmp_path: Path) -> None:
    with listening_socket() as probe:
        port = probe.getsockname()[1]
    url = f"postgresql://advisor@127.0.0.1:{port}/postgres?password={SECRET}"
    run = run_cli("--db", url, "history", env=make_env(tmp_path))
    assert run.code == 1
    [line] = run.err_lines
    assert line.startswith(f"offering-advisor: cannot reach PostgreSQL at 127.0.0.1:{port}/postgres (")
    assert SECRET not in run.out + run.err


def test_migrate_store_output_hides_a_query_password(postgres_url: str, tmp_path: Path) -> None:
    # The test server trusts local connections, so a password it does not need is ignored.
    target = f"{postgres_url}&password={SECRET}"
    source = tmp_path / "source.db"
    run_cli("--db", str(source), "history", env=make_env(tmp_path))  # creates an empty store
    run = run_cli("migrate-store", "--from", f"sqlite:///{source}", "--to", target, env=make_env(tmp_path))
    assert run.code == 0, run.err
    assert "password=***" in run.out
    assert SECRET not in run.out + run.err
