"""A throwaway PostgreSQL server for the test suite and CI.

Usage: python3 scripts/throwaway_postgres.py start DIR [--durable]   (prints the URL)
       python3 scripts/throwaway_postgres.py stop DIR
       python3 scripts/throwaway_postgres.py bin                      (prints the binaries' folder)

The PostgreSQL store is tested against a real server, not a mock, so the tests and `.ci/run`
need one they can create and discard: a fresh cluster in DIR/data, listening only on
127.0.0.1 on a free port, its unix socket in DIR (so nothing in /var/run is touched or
clashes), its log in DIR/server.log, and trust authentication for the user `advisor`.

It is standard library only because `.ci/run` runs it with the system python3 before the
virtual environment exists. initdb refuses to run as root, so as root the cluster runs as
the `postgres` user (or `nobody`) through runuser.
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BIN_ENV = "OFFERING_ADVISOR_PG_BIN"
DB_USER = "advisor"
HOST = "127.0.0.1"
# initdb's own defaults (128MB of shared buffers) are sized for a real server; the tests run
# small transactions on a 2-core machine, where a light server leaves the CPU to pytest.
SHARED_BUFFERS = "32MB"
MAX_CONNECTIONS = 100
# A free port can be taken by someone else between picking it and the server binding it.
PORT_ATTEMPTS = 3
# A unix socket path (DIR/.s.PGSQL.PORT.lock included) must fit in sockaddr_un.sun_path.
MAX_SOCKET_DIR_LENGTH = 107 - len("/.s.PGSQL.65535.lock")
LOG_TAIL_LINES = 3
TIMEOUT_SECONDS = 60


class PostgresUnavailable(RuntimeError):
    """No server can be had here; the message is one line, fit to show as a skip reason."""


@dataclass(frozen=True)
class Server:
    url: str
    data_dir: Path
    bin_dir: Path
    # The unprivileged user the server runs as, or None when it runs as the caller.
    run_as: str | None


def _has_binaries(folder: Path) -> bool:
    return all(os.access(folder / name, os.X_OK) for name in ("initdb", "pg_ctl"))


def _version_key(folder: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/<version>/bin: compare 9.6 < 10 < 15 as numbers, not strings.
    return tuple(int(part) for part in re.findall(r"\d+", folder.parent.name))


def find_binaries() -> Path:
    """The folder holding initdb and pg_ctl."""
    configured = os.environ.get(BIN_ENV)
    if configured:
        folder = Path(configured)
        if _has_binaries(folder):
            return folder
        raise PostgresUnavailable(f"no initdb and pg_ctl in {folder} (set by {BIN_ENV})")
    on_path = shutil.which("pg_ctl")
    # Debian links only some of the binaries into /usr/bin, so follow the link to the
    # folder that holds them all.
    if on_path and _has_binaries(folder := Path(on_path).resolve().parent):
        return folder
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True):
        if _has_binaries(folder):
            return folder
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found; install PostgreSQL "
        f"(Debian: apt-get install postgresql) or set {BIN_ENV} to their folder"
    )


# The prefix of the server's default log_line_prefix ('%m [%p] '): a timestamp and a pid.
LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[\d+\] ")


def _one_line(text: str) -> str:
    """The last few lines of a log or an output, as one line for a skip reason or stderr."""
    lines = [" ".join(LOG_PREFIX.sub("", line).split()) for line in text.splitlines()]
    return " | ".join([line for line in lines if line][-LOG_TAIL_LINES:]) or "no output"


def _read_log(base: Path, offset: int = 0) -> str:
    try:
        with (base / "server.log").open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _log_size(base: Path) -> int:
    try:
        return (base / "server.log").stat().st_size
    except OSError:
        return 0


def _unprivileged_user() -> str | None:
    """The user to run the cluster as, or None to run it as ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        if shutil.which("runuser") is None:
            raise PostgresUnavailable("running as root and runuser (util-linux) is not installed")
        return name
    raise PostgresUnavailable("running as root and there is neither a postgres nor a nobody user")


def _run(
    command: list[str], run_as: str | None, cwd: Path, timeout: float = TIMEOUT_SECONDS
) -> subprocess.CompletedProcess[str]:
    if run_as is not None:
        command = ["runuser", "-u", run_as, "--", *command]
    try:
        # cwd is the cluster's own folder: the unprivileged user may not be allowed into ours.
        return subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PostgresUnavailable(f"{Path(command[-1]).name} took over {timeout:.0f} s") from None
    except OSError as error:
        raise PostgresUnavailable(f"cannot run {command[0]}: {error}") from None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _settings(base: Path, port: int, durable: bool) -> str:
    # Without a short enough path for the socket, TCP alone serves the tests.
    socket_dir = str(base) if len(str(base)) <= MAX_SOCKET_DIR_LENGTH else ""
    lines = [
        "",
        "# Set by scripts/throwaway_postgres.py",
        f"listen_addresses = '{HOST}'",
        f"port = {port}",
        f"unix_socket_directories = '{socket_dir}'",
        f"max_connections = {MAX_CONNECTIONS}",
        f"shared_buffers = '{SHARED_BUFFERS}'",
    ]
    if not durable:
        # Losing this data in an OS crash costs nothing, and skipping the flushes makes
        # every commit in the tests much cheaper.
        lines += ["fsync = off", "full_page_writes = off", "synchronous_commit = off"]
    return "\n".join(lines) + "\n"


def start(base: Path, *, durable: bool = False) -> Server:
    """Create a cluster in base/"data" and start it; base is created if missing."""
    bin_dir = find_binaries()
    run_as = _unprivileged_user()
    base = base.resolve()
    data_dir = base / "data"
    if data_dir.exists():
        raise PostgresUnavailable(f"{data_dir} already exists; give start an empty folder")
    base.mkdir(parents=True, exist_ok=True)
    if run_as is not None:
        entry = pwd.getpwnam(run_as)
        os.chown(base, entry.pw_uid, entry.pw_gid)
        # A folder under a private parent (pytest's /tmp/pytest-of-root is 0700) cannot be
        # reached by the unprivileged user; say so rather than let initdb fail obscurely.
        if _run(["test", "-w", str(base), "-a", "-x", str(base)], run_as, cwd=Path("/")).returncode:
            raise PostgresUnavailable(
                f"user {run_as} cannot write to {base}; use a folder whose parents it can enter, "
                "such as one made by mktemp -d"
            )

    initdb = [str(bin_dir / "initdb"), "-D", str(data_dir), "-A", "trust", "-U", DB_USER]
    initdb += ["-E", "UTF8", "--locale=C"]
    if not durable:
        initdb.append("--no-sync")
    done = _run(initdb, run_as, cwd=base)
    if done.returncode:
        raise PostgresUnavailable(f"initdb failed: {_one_line(done.stderr + done.stdout)}")

    config = data_dir / "postgresql.conf"
    initdb_config = config.read_text(encoding="utf-8")
    for _ in range(PORT_ATTEMPTS):
        port = _free_port()
        # Rewritten, not appended, so a retry on another port leaves one setting of each.
        config.write_text(initdb_config + _settings(base, port, durable), encoding="utf-8")
        log_start = _log_size(base)
        pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(base / "server.log")]
        done = _run([*pg_ctl, "-w", "-t", str(TIMEOUT_SECONDS), "start"], run_as, cwd=base)
        if done.returncode == 0:
            url = f"postgresql://{DB_USER}@{HOST}:{port}/postgres"
            return Server(url=url, data_dir=data_dir, bin_dir=bin_dir, run_as=run_as)
        log = _read_log(base, log_start)
        if "could not bind" not in log:
            break
    reason = _one_line(log or done.stderr + done.stdout)
    raise PostgresUnavailable(f"PostgreSQL did not start; server.log ends: {reason}")


def stop(data_dir: Path) -> None:
    """Stop the server of data_dir (fast: open sessions are ended); quiet if it is not running."""
    if not (data_dir / "postmaster.pid").exists():
        return
    bin_dir = find_binaries()
    # The user who owns the cluster is the one who started it, and the only one pg_ctl accepts.
    run_as = pwd.getpwuid(data_dir.stat().st_uid).pw_name if os.geteuid() == 0 else None
    command = [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "-t", "30", "stop"]
    done = _run(command, run_as, cwd=data_dir)
    if done.returncode and (data_dir / "postmaster.pid").exists():
        raise PostgresUnavailable(f"pg_ctl stop failed: {_one_line(done.stderr + done.stdout)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", help="create and start a cluster in DIR; print its URL")
    start_parser.add_argument("dir", type=Path)
    start_parser.add_argument(
        "--durable", action="store_true", help="keep fsync, full_page_writes and synchronous_commit on"
    )
    stop_parser = commands.add_parser("stop", help="stop the cluster in DIR")
    stop_parser.add_argument("dir", type=Path)
    commands.add_parser("bin", help="print the folder holding initdb and pg_ctl")
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            print(start(args.dir, durable=args.durable).url)
        elif args.command == "stop":
            stop(args.dir.resolve() / "data")
        else:
            print(find_binaries())
    except (PostgresUnavailable, OSError) as error:
        print(f"throwaway_postgres: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
