"""LOG_LEVEL sets the shop's own logging; the chattiest libraries log warnings only, whatever it
says. Each case runs in its own process: logging is configured once per process."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

PROBE = textwrap.dedent(
    """
    import json, logging, sys

    from servicekit.logging import configure_logging

    configure_logging("leveltest", sys.argv[1])
    names = ["shop", "botocore", "botocore.endpoint", "aiobotocore.client", "boto3",
             "urllib3.connectionpool", "sqlalchemy.engine.Engine"]
    print(json.dumps({name: logging.getLogger(name).getEffectiveLevel() for name in names}))
    """
)


def _levels(level: str) -> dict[str, int]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, level],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    levels: dict[str, int] = json.loads(result.stdout.splitlines()[-1])
    return levels


@pytest.mark.parametrize(("level", "own"), [("DEBUG", 10), ("INFO", 20), ("ERROR", 40)])
def test_libraries_log_warnings_at_most(level: str, own: int) -> None:
    levels = _levels(level)
    assert levels.pop("shop") == own
    assert levels == dict.fromkeys(levels, max(own, 30))
