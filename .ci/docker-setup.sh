#!/usr/bin/env bash
# Make sure this (Debian, root) machine has a running Docker engine and the Compose v2 plugin.
#
# Idempotent and quick when everything is already there. Steps, each skipped when not needed:
#   1. install the engine from Debian (`docker.io`) when there is no `dockerd`;
#   2. start `dockerd` in the background (log in $DOCKERD_LOG) and wait for `docker info`;
#   3. install the Compose v2 CLI plugin. Debian 12 ships only Compose v1, so the plugin binary is
#      taken from the next Debian release's `docker-compose` package, downloaded through a private
#      apt source list (the system's sources are left untouched) on the system's own mirror.
#
# Environment (all optional):
#   DOCKERD_LOG            where dockerd writes its log        (default /var/log/dockerd.log)
#   DOCKER_WAIT_SECONDS    how long to wait for the engine     (default 90)
#   COMPOSE_SUITE          Debian suite to take Compose from   (default trixie)
set -euo pipefail

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
DOCKER_WAIT_SECONDS=${DOCKER_WAIT_SECONDS:-90}
COMPOSE_SUITE=${COMPOSE_SUITE:-trixie}
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
ARCHIVE_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

log() { printf '[docker-setup] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

engine_ready() { timeout 10 docker info >/dev/null 2>&1; }
compose_ready() { timeout 10 docker compose version >/dev/null 2>&1; }

# The URL of the system's Debian archive for this release, as apt itself resolved it, so that no
# mirror host is ever written down here. Works for one-line and deb822 source files alike.
system_mirror() {
    local codename
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:?}")
    apt-cache policy 2>/dev/null \
        | awk -v suite="$codename/main" '$3 == suite && $2 ~ /^https?:\/\// { print $2; exit }'
}

apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" \
        || { DEBIAN_FRONTEND=noninteractive apt-get update -q \
             && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; }
}

ensure_engine_installed() {
    command -v docker >/dev/null 2>&1 && command -v dockerd >/dev/null 2>&1 && return 0
    log "installing the Docker engine (docker.io) from Debian"
    # docker.io brings containerd, runc and a docker CLI of its own. An existing newer CLI in
    # /usr/local/bin keeps precedence on PATH and negotiates the API version down.
    apt_install docker.io
}

start_engine() {
    engine_ready && { log "engine already running"; return 0; }
    if ! pgrep -x dockerd >/dev/null 2>&1; then
        log "starting dockerd (log: $DOCKERD_LOG)"
        mkdir -p "$(dirname "$DOCKERD_LOG")"
        # setsid: the engine must outlive this script and the CI step's process group.
        setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
    else
        log "dockerd is running but not answering yet"
    fi
    local waited=0
    until engine_ready; do
        if (( waited >= DOCKER_WAIT_SECONDS )); then
            tail -n 30 "$DOCKERD_LOG" >&2 || true
            die "the Docker engine did not answer within ${DOCKER_WAIT_SECONDS}s"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    log "engine ready after ${waited}s: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
}

install_compose_plugin() {
    compose_ready && { log "$(docker compose version)"; return 0; }
    local mirror tmp
    mirror=$(system_mirror)
    [[ -n "$mirror" ]] || die "cannot find the Debian mirror in the system's apt sources"
    tmp=$(mktemp -d)
    WORKDIR=$tmp
    log "fetching the Compose v2 plugin from Debian $COMPOSE_SUITE"
    mkdir -p "$tmp/lists/partial" "$tmp/parts" "$tmp/deb"
    # Let apt's unprivileged download user write there, as it does in the system's own dirs.
    chmod 0755 "$tmp"
    if id _apt >/dev/null 2>&1; then chown _apt "$tmp/lists/partial" "$tmp/deb"; fi
    echo "deb [signed-by=$ARCHIVE_KEYRING] $mirror $COMPOSE_SUITE main" >"$tmp/sources.list"
    local apt_opts=(
        -o "Dir::Etc::SourceList=$tmp/sources.list"
        -o "Dir::Etc::SourceParts=$tmp/parts"
        -o "Dir::State::Lists=$tmp/lists"
        -o "Dir::Cache::pkgcache=$tmp/pkgcache.bin"
        -o "Dir::Cache::srcpkgcache=$tmp/srcpkgcache.bin"
        -o "APT::Get::List-Cleanup=false"
    )
    apt-get "${apt_opts[@]}" update -q >&2
    (cd "$tmp/deb" && apt-get "${apt_opts[@]}" download docker-compose >&2)
    dpkg-deb -x "$tmp"/deb/docker-compose_*.deb "$tmp/root"
    install -D -m 0755 "$tmp/root/usr/libexec/docker/cli-plugins/docker-compose" \
        "$PLUGIN_DIR/docker-compose"
    compose_ready || die "the Compose plugin was installed but does not run"
    log "$(docker compose version)"
}

WORKDIR=
cleanup() { if [[ -n "$WORKDIR" ]]; then rm -rf "$WORKDIR"; fi; }
trap cleanup EXIT

main() {
    [[ $(id -u) -eq 0 ]] || die "run as root"
    ensure_engine_installed
    start_engine
    install_compose_plugin
}

main "$@"
