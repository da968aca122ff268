#!/usr/bin/env python3
"""Exit 0 if a URL answers 2xx in time, else 1: a container healthcheck that needs no curl.

Usage: healthcheck [URL] [TIMEOUT_SECONDS]
       (default http://127.0.0.1:8000/health/ready, 3 seconds)
"""

import sys
import urllib.request


def main(argv: list[str]) -> int:
    """Probe the URL; report why on stderr when it fails."""
    url = argv[1] if len(argv) > 1 else "http://127.0.0.1:8000/health/ready"
    timeout = float(argv[2]) if len(argv) > 2 else 3.0
    # No proxies: the probe is always for this container itself.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return 0 if 200 <= response.status < 300 else 1
    except Exception as exc:  # any failure is "unhealthy"
        print(f"{url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
