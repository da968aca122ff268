#!/usr/bin/env -S python3 -I -S
"""Exit 0 if a URL answers 2xx in time, else 1: a container healthcheck that needs no curl.

Usage: healthcheck [URL] [TIMEOUT_SECONDS]
       (default http://127.0.0.1:8000/health/ready, 3 seconds)

Compose runs it every few seconds in every API container, for as long as the stack is up, so
it costs as little as a Python start can: one HTTP/1.0 request over a plain socket, read up to
its status line. (With `urllib.request` each probe cost about twice the CPU.)
"""

import socket
import sys


def main(argv: list[str]) -> int:
    """Probe the URL; report why on stderr when it fails."""
    url = argv[1] if len(argv) > 1 else "http://127.0.0.1:8000/health/ready"
    timeout = float(argv[2]) if len(argv) > 2 else 3.0
    address, _, path = url.removeprefix("http://").partition("/")
    host, _, port = address.partition(":")
    try:
        with socket.create_connection((host, int(port or 80)), timeout=timeout) as connection:
            request = f"GET /{path} HTTP/1.0\r\nHost: {address}\r\n\r\n"
            connection.sendall(request.encode("ascii"))
            status_line = connection.makefile("rb").readline()
    except (OSError, ValueError) as exc:  # refused, timed out, or not a host:port
        print(f"{url}: {exc!r}", file=sys.stderr)
        return 1
    status = status_line.split(b" ", 2)[1:2]
    if status and status[0].startswith(b"2") and len(status[0]) == 3:
        return 0
    print(f"{url}: {status_line!r}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
