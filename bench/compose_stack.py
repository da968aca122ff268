"""What the benches read off the running compose stack: its containers and their settings."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def docker(*args: str) -> str:
    """Run the docker CLI in the project folder; its output."""
    done = subprocess.run(["docker", *args], cwd=ROOT, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def inspect(container: str, template: str) -> object:
    """A field of `docker inspect`, decoded."""
    return json.loads(docker("inspect", "--format", "{{json " + template + "}}", container))


def service_container(service: str) -> str:
    """The id of the compose service's running container."""
    return docker("compose", "ps", "--quiet", service)


def service_env(service: str) -> dict[str, str]:
    """The environment the compose service's container runs with."""
    variables = inspect(service_container(service), ".Config.Env")
    if not isinstance(variables, list):
        raise SystemExit(f"no environment for {service}")
    return dict(str(item).partition("=")[::2] for item in variables)


def database_url(service: str) -> str:
    """The service's database, as reached from this machine through PostgreSQL's published
    port (`POSTGRES_PORT`, as in compose.yaml)."""
    env = service_env(service)
    port = os.environ.get("POSTGRES_PORT", "55432")
    return f"postgresql://{env['DB_USER']}:{env['DB_PASSWORD']}@127.0.0.1:{port}/{env['DB_NAME']}"


def running_services() -> dict[str, str]:
    """Each running compose service's container id, by service name."""
    lines = docker("compose", "ps", "--format", "{{.Service}} {{.ID}}").splitlines()
    return dict(line.split() for line in lines if line.strip())


def cpu_seconds(container: str) -> float:
    """CPU time the container's processes have used since it started, from its cgroup's own
    counter (cgroup v1 `cpuacct.usage` or v2 `cpu.stat`), as the kernel keeps it."""
    pid = inspect(container, ".State.Pid")
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "cpuacct" in controllers.split(","):
            usage = Path(f"/sys/fs/cgroup/{controllers}{path}/cpuacct.usage")
            if not usage.exists():  # the controllers mounted together under one name
                usage = Path(f"/sys/fs/cgroup/cpuacct{path}/cpuacct.usage")
            return int(usage.read_text()) / 1e9
        if controllers == "":
            stat = Path(f"/sys/fs/cgroup{path}/cpu.stat").read_text()
            usec = dict(item.split() for item in stat.splitlines())["usage_usec"]
            return int(usec) / 1e6
    raise SystemExit(f"no CPU counter found for container {container}")


def machine_cpu() -> tuple[float, float]:
    """The machine's CPU seconds so far, over all its cores: those spent busy (in every state
    but idle and waiting on I/O) and those in all, from the kernel's `/proc/stat`."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / ticks, sum(fields) / ticks


def aws_requests(container: str, timeout: float = 10) -> dict[str, int]:
    """The AWS requests the shop process in `container` has sent since it started, by
    "service.Operation": it logs them as `aws_requests` on SIGUSR1 (`servicekit.aws`)."""
    since = datetime.now(UTC).isoformat()
    docker("kill", "--signal", "USR1", container)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reports = [
            json.loads(line)
            for line in docker("logs", "--since", since, container).splitlines()
            if '"aws_requests"' in line
        ]
        if reports:
            return {str(k): int(v) for k, v in reports[-1]["requests"].items()}
        time.sleep(0.1)
    raise SystemExit(f"container {container} did not report its AWS requests")
