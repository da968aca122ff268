"""Command-line tools the tests run: found on PATH, or run from a pinned package."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def require_tool(name: str) -> str:
    """Return the path of a command-line tool, or fail saying how to get it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"'{name}' is not on PATH; see the README's prerequisites")
    return path


def run_tool(args: list[str], timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """Run a tool, failing the test with its output if it cannot be started."""
    try:
        return subprocess.run(
            args, capture_output=True, text=True, timeout=timeout, env=os.environ.copy()
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.fail(f"could not run {args[:4]}: {error}")


def uv_tool(package: str, command: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `command` from `package` (a pinned requirement) in its own cached environment."""
    uv = require_tool("uv")
    return run_tool([uv, "tool", "run", "--quiet", "--from", package, command, *args])
