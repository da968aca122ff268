#!/usr/bin/env bash
# Provide the third-party images compose needs: the official ones when they can be pulled, local
# substitutes built from Debian packages when they cannot (a machine without a registry).
#
#   .ci/local-images.sh [ENV_FILE]
#
# For each of PYTHON_IMAGE, POSTGRES_IMAGE, NGINX_IMAGE and JAEGER_IMAGE (official defaults below,
# or the value already in the environment): use it if present locally or if it can be pulled; else build
# docker/local/<name>/Dockerfile on a Debian base made with debootstrap. Prints
# `export NAME=image` lines on stdout (progress goes to stderr), or writes them to ENV_FILE, for
# `.ci/run` to source before `docker compose`.
#
# Substitutes are cached: a tag whose `org.shop.local.digest` label matches the current recipe
# (Dockerfile directory, host CA bundle, base image) is reused as it is.
#
# Also copies the host's CA bundle into docker/certs/ (git-ignored), which the project's own image
# builds trust in addition to their base's, so that pip and uv get through a TLS-inspecting proxy
# even when the official Python image was pulled.
#
# Environment (all optional):
#   PYTHON_IMAGE, POSTGRES_IMAGE, NGINX_IMAGE, JAEGER_IMAGE  images wanted     (defaults: official images)
#   LOCAL_IMAGES   auto (default) | always: skip pulling and build the substitutes
#   PULL_TIMEOUT   seconds allowed for each `docker pull`        (default 120)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCAL_DIR="$REPO/docker/local"
HOST_CA=/etc/ssl/certs/ca-certificates.crt
LOCAL_IMAGES=${LOCAL_IMAGES:-auto}
PULL_TIMEOUT=${PULL_TIMEOUT:-120}
LABEL=org.shop.local.digest

# variable  official default       substitute tag                 recipe (docker/local/<dir>)
IMAGES=(
    "PYTHON_IMAGE   python:3.11-slim      shop-local/python:bookworm     python"
    "POSTGRES_IMAGE postgres:17           shop-local/postgres:bookworm   postgres"
    "NGINX_IMAGE    nginx:1.27            shop-local/nginx:bookworm      nginx"
    "JAEGER_IMAGE   jaegertracing/jaeger:2.21.0 shop-local/jaeger:bookworm jaeger"
)

log() { printf '[local-images] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

WORKDIR=$(mktemp -d /var/tmp/shop-local-images.XXXXXX)
cleanup() { rm -rf "$WORKDIR"; }
trap cleanup EXIT

SUITE=$(. /etc/os-release && echo "${VERSION_CODENAME:?}")
BASE_TAG="shop-local/debian:$SUITE"
REGISTRY_REACHABLE=1

image_present() { docker image inspect "$1" >/dev/null 2>&1; }

try_pull() {
    local image=$1 rc=0
    [[ "$LOCAL_IMAGES" == "always" || $REGISTRY_REACHABLE -eq 0 ]] && return 1
    log "pulling $image (at most ${PULL_TIMEOUT}s)"
    timeout "$PULL_TIMEOUT" docker pull --quiet "$image" >&2 || rc=$?
    if (( rc != 0 )); then
        log "cannot pull $image (exit $rc)"
        # A registry that is unreachable or too slow for one image is for the next ones too.
        REGISTRY_REACHABLE=0
        return 1
    fi
}

# Lines "URL suite" of the system's Debian archives for this release (main, updates, security),
# as apt resolved them: the mirror comes from the system's configuration, never from this file.
system_archives() {
    apt-cache policy 2>/dev/null | awk -v s="$SUITE" '
        $2 ~ /^https?:\/\// && $3 ~ ("^" s "(-updates|-security)?/main$") {
            split($3, p, "/"); line = $2 " " p[1]
            if (!(line in seen)) { seen[line] = 1; print line }
        }'
}

build_base() {
    local recipe current
    # This function is the base image's recipe: a change to it rebuilds the base.
    recipe=$(declare -f build_base system_archives | sha256sum | cut -c1-16)
    current=$(docker image inspect --format "{{index .Config.Labels \"$LABEL\"}}" "$BASE_TAG" \
        2>/dev/null || true)
    [[ "$current" == "$recipe" ]] && return 0
    command -v debootstrap >/dev/null 2>&1 || {
        log "installing debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >&2 \
            || { apt-get update -q >&2 \
                 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
                        debootstrap >&2; }
    }
    local archives mirror rootfs=$WORKDIR/rootfs
    archives=$(system_archives)
    mirror=$(awk -v s="$SUITE" '$2 == s { print $1; exit }' <<<"$archives")
    [[ -n "$mirror" ]] || die "cannot find the $SUITE archive in the system's apt sources"
    log "debootstrap --variant=minbase $SUITE (base image $BASE_TAG)"
    debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$WORKDIR/debootstrap.log" 2>&1 \
        || { tail -n 30 "$WORKDIR/debootstrap.log" >&2; die "debootstrap failed"; }
    # Everything below deletes under $rootfs: make sure it is the fresh tree, never the host's /.
    [[ "$rootfs" == "$WORKDIR"/rootfs && "$WORKDIR" == /var/tmp/shop-local-images.* \
        && -f "$rootfs/etc/debian_version" ]] || die "unexpected root file system path '$rootfs'"

    # The same archives as the host, updates and security included.
    awk '{ print "deb " $1 " " $2 " main" }' <<<"$archives" >"$rootfs/etc/apt/sources.list"
    # Container conventions, as in Debian's own images: no daemons started by package scripts,
    # no recommends, no documentation, no leftover apt or host state.
    printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
    chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
    printf '%s\n' 'APT::Install-Recommends "false";' 'Dir::Cache::pkgcache "";' \
        'Dir::Cache::srcpkgcache "";' >"$rootfs/etc/apt/apt.conf.d/90container"
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/90container-excludes" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
    find "$rootfs/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
    find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias \
        -exec rm -rf {} +
    rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/lintian/* \
        "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
        "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log "$rootfs"/dev/*
    : >"$rootfs/etc/resolv.conf"
    : >"$rootfs/etc/machine-id"
    echo localhost >"$rootfs/etc/hostname"

    tar --numeric-owner -C "$rootfs" -c . \
        | docker import \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'ENV LANG=C.UTF-8' \
            --change 'CMD ["bash"]' \
            --change "LABEL $LABEL=$recipe" \
            - "$BASE_TAG" >/dev/null
    rm -rf "$rootfs"
    log "built $BASE_TAG"
}

# What a substitute is made from; a change to any of it rebuilds the substitute.
recipe_digest() {
    local dir=$1
    {
        (cd "$dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
        sha256sum "$HOST_CA"
        docker image inspect --format '{{.Id}}' "$BASE_TAG"
    } | sha256sum | cut -c1-16
}

build_substitute() {
    local tag=$1 recipe=$2 dir digest current context
    dir="$LOCAL_DIR/$recipe"
    [[ -f "$dir/Dockerfile" ]] || die "no recipe $dir/Dockerfile"
    build_base
    digest=$(recipe_digest "$dir")
    current=$(docker image inspect --format "{{index .Config.Labels \"$LABEL\"}}" "$tag" 2>/dev/null \
        || true)
    if [[ "$current" == "$digest" ]]; then
        log "reusing $tag"
        return 0
    fi
    log "building $tag from docker/local/$recipe"
    context="$WORKDIR/context-$recipe"
    cp -r "$dir" "$context"
    cp "$HOST_CA" "$context/ca-certificates.crt"
    # The classic builder is enough for these Dockerfiles and needs no buildx plugin.
    DOCKER_BUILDKIT=0 docker build --build-arg "BASE_IMAGE=$BASE_TAG" --label "$LABEL=$digest" \
        --tag "$tag" "$context" >"$WORKDIR/build-$recipe.log" 2>&1 \
        || { tail -n 40 "$WORKDIR/build-$recipe.log" >&2; die "building $tag failed"; }
}

copy_host_ca() {
    [[ -s "$HOST_CA" ]] || return 0
    install -m 0644 "$HOST_CA" "$REPO/docker/certs/ci-host-ca.crt"
}

main() {
    command -v docker >/dev/null 2>&1 || die "no docker CLI: run .ci/docker-setup.sh first"
    timeout 10 docker info >/dev/null 2>&1 || die "the Docker engine is not running"
    [[ -s "$HOST_CA" ]] || die "no CA bundle at $HOST_CA"
    copy_host_ca

    local entry var default substitute recipe wanted exports=()
    for entry in "${IMAGES[@]}"; do
        read -r var default substitute recipe <<<"$entry"
        wanted=${!var:-$default}
        # A substitute named explicitly (say, from an earlier run's exports) is still checked
        # against its recipe below.
        if [[ "$LOCAL_IMAGES" != "always" && "$wanted" != "$substitute" ]] \
            && { image_present "$wanted" || try_pull "$wanted"; }; then
            log "$var=$wanted"
            exports+=("export $var=$wanted")
            continue
        fi
        local started=$SECONDS
        build_substitute "$substitute" "$recipe"
        log "$var=$substitute ($((SECONDS - started))s)"
        exports+=("export $var=$substitute")
    done

    if [[ $# -ge 1 ]]; then
        printf '%s\n' "${exports[@]}" >"$1"
        log "wrote $1"
    else
        printf '%s\n' "${exports[@]}"
    fi
}

main "$@"
