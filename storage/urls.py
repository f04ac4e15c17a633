"""Database URLs: checked before any connection is tried, and shown with every secret hidden.

Every place that shows a URL (error messages, ``migrate-store``'s output, the start-up log
line) goes through ``redact_url``, which hides a password wherever a URL can carry one: in
the user-info (``user:pw@``), in ``password=`` or ``sslpassword=`` query parameters, and in
libpq's ``key=value`` form. Text it cannot read as a URL is not shown at all.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus

from storage.protocol import StoreUnavailableError

POSTGRES_SCHEMES = ("postgresql", "postgres")
HIDDEN = "***"
UNREADABLE = "(a database URL that could not be read, not shown)"
# What asyncpg accepts for sslmode (libpq's values).
SSL_MODES = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
HIGHEST_PORT = 65535

_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)", re.DOTALL)
# A password given as key=value outside a URL's query ("host=db password=x", or a path).
_LOOSE_PASSWORD = re.compile(r"(?i)(\b[\w%]*password\s*=\s*)('[^']*'|[^\s&]+)")
_HOST_NAME = re.compile(r"[A-Za-z0-9._%~-]+")


class DatabaseURLError(StoreUnavailableError):
    """A database URL that cannot be used as written; the message names what is wrong.

    It is raised before any connection is tried, so it is the operator's typo, not an
    outage: the command line leaves with its usage exit code.
    """


def redact_url(text: str) -> str:
    """``text`` fit for a log or a message: every password in it replaced by ``***``."""
    match = _URL.fullmatch(text.strip())
    if match is None:
        if "://" in text:
            return UNREADABLE
        # A file path or libpq's key=value form.
        return _LOOSE_PASSWORD.sub(rf"\g<1>{HIDDEN}", text)
    scheme, rest = match["scheme"], match["rest"]
    if "@" in rest:
        # Everything up to the last "@" may be user-info, and a password may itself hold
        # "/", "?" or "@" unencoded: keep the user name alone, hide the rest of it.
        authority, after = rest.rsplit("@", 1)
        user, colon, _ = authority.partition(":")
        if re.search(r"[/?#]", user):
            user, colon = "", ":"  # no telling where the user-info began: hide it all
        rest = f"{user}{':' + HIDDEN if colon else ''}@{after}"
    head, question, query = rest.partition("?")
    if question:
        query, hash_mark, fragment = query.partition("#")
        query = "&".join(_hide_parameter(pair) for pair in query.split("&"))
        rest = f"{head}?{query}{hash_mark}{fragment}"
    return _LOOSE_PASSWORD.sub(rf"\g<1>{HIDDEN}", f"{scheme}://{rest}")


def _hide_parameter(pair: str) -> str:
    name, equals, _ = pair.partition("=")
    if equals and "password" in unquote_plus(name).casefold():
        return f"{name}={HIDDEN}"
    return pair


@dataclass(frozen=True)
class PostgresLocation:
    """Where a checked PostgreSQL URL points: its hosts (with ports) and database."""

    hosts: tuple[str, ...]
    database: str

    def __str__(self) -> str:
        return f"{','.join(self.hosts) or 'localhost'}/{self.database}".rstrip("/")


def check_postgres_url(url: str) -> PostgresLocation:
    """Read ``postgresql://user:password@host:port,host2:port/database?options`` as
    asyncpg will, and refuse, naming the problem, what it would fail on or misread (a
    port out of range wraps around to another port in asyncpg)."""
    match = _URL.fullmatch(url)
    if match is None or match["scheme"].casefold() not in POSTGRES_SCHEMES:
        raise _refused(url, "it must start with postgresql://")
    rest = match["rest"]
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    rest = rest[len(netloc) :]
    path, _, query = rest.partition("?")
    path, hash_mark, _ = path.partition("#")
    query, query_hash, _ = query.partition("#")
    # Nothing after the user-info is quoted back until it is known where the user-info
    # ends: a password with an unencoded "/", "?", "#" or "@" spills into the rest.
    if netloc.count("@") > 1 or ("@" not in netloc and "@" in rest) or hash_mark or query_hash:
        raise _refused(
            url,
            "percent-encode the special characters in the user name, password and options "
            "(@ as %40, / as %2F, ? as %3F, # as %23)",
        )
    _, _, hostlist = netloc.rpartition("@")
    hosts = tuple(_check_host(url, spec) for spec in hostlist.split(",")) if hostlist else ()
    database = path.removeprefix("/")
    if "/" in database:
        raise _refused(url, f"the database name {database!r} holds a '/'; percent-encode it as %2F")
    _check_query(url, query)
    return PostgresLocation(hosts, unquote_plus(database))


def _check_host(url: str, spec: str) -> str:
    if not spec:
        raise _refused(url, "it lists an empty host (two commas in a row, or a trailing comma)")
    if spec.startswith("["):
        address, bracket, port = spec[1:].partition("]")
        if not bracket:
            raise _refused(url, f"the IPv6 address in {spec!r} has no closing ']'")
        try:
            ipaddress.IPv6Address(address.split("%", 1)[0])
        except ValueError:
            raise _refused(url, f"{address!r} is not an IPv6 address") from None
        if port and not port.startswith(":"):
            raise _refused(url, f"after the IPv6 address {spec!r}, write :port")
        _check_port(url, port[1:] if port else "")
        return spec
    if "[" in spec or "]" in spec:
        raise _refused(url, f"the host {spec!r} has a stray bracket; write an IPv6 address as [::1]")
    host, _, port = spec.partition(":")
    if host and not _HOST_NAME.fullmatch(host):
        raise _refused(url, f"{host!r} is not a host name")
    _check_port(url, port)
    return spec


def _check_port(url: str, port: str) -> None:
    if not port:
        return
    if not (port.isascii() and port.isdecimal()):
        raise _refused(url, f"the port {port!r} is not a number")
    if not 1 <= int(port) <= HIGHEST_PORT:
        raise _refused(url, f"the port {int(port)} is out of range (1 to {HIGHEST_PORT})")


def _check_query(url: str, query: str) -> None:
    if not query:
        return
    try:
        options = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise _refused(url, "its options after '?' are not name=value pairs joined by '&'") from None
    for name, value in options:
        if name == "port":
            for port in value.split(","):
                _check_port(url, port)
        elif name == "sslmode" and value not in SSL_MODES:
            raise _refused(url, f"sslmode={value!r} is not one of {', '.join(sorted(SSL_MODES))}")


def _refused(url: str, problem: str) -> DatabaseURLError:
    return DatabaseURLError(f"cannot use the database URL {redact_url(url)}: {problem}")
