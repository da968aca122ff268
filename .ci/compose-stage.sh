#!/usr/bin/env bash
# Build and start the whole shop exactly as a user does (`docker compose up --build`), then run
# the end-to-end tests against its gateway. On failure, print each container's state and last
# log lines; always tear the stack down.
set -euo pipefail
cd "$(dirname "$0")/.."

stage_started=$SECONDS
log() { printf '[compose-stage %ss] %s\n' "$((SECONDS - stage_started))" "$*"; }

bash .ci/docker-setup.sh
# Only where the official images cannot be pulled: local substitutes, named by the variables.
images_env=$(mktemp)
bash .ci/local-images.sh "$images_env"
# shellcheck disable=SC1090
source "$images_env"
log "images: PYTHON_IMAGE=$PYTHON_IMAGE POSTGRES_IMAGE=$POSTGRES_IMAGE NGINX_IMAGE=$NGINX_IMAGE JAEGER_IMAGE=$JAEGER_IMAGE"

teardown() {
  status=$?
  if [ "$status" -ne 0 ]; then
    log "failed with status $status; containers:"
    docker compose ps --all || true
    for service in $(docker compose config --services); do
      echo "----- $service (last 60 lines)"
      docker compose logs --no-color --tail 60 "$service" 2>&1 || true
    done
  fi
  docker compose down --volumes --remove-orphans >/dev/null 2>&1 || true
  log "stack removed"
  exit "$status"
}
trap teardown EXIT

docker compose config --quiet
log "building and starting; waiting until the gateway is healthy (after the demo data)"
# `--wait` returns once every long-running container is healthy or running and every one-shot
# job that another depends on has exited 0; it fails if any of them fails.
docker compose up --build --detach --wait --wait-timeout 600
demo_status=$(docker inspect --format '{{.State.ExitCode}}' "$(docker compose ps --all --quiet demo-data)")
[ "$demo_status" = "0" ] || { log "demo-data exited with $demo_status"; exit 1; }
products=$(curl -fsS 'http://127.0.0.1:8080/catalog/products?limit=1')
case "$products" in
  *'"sku"'*) log "the demo data is in" ;;
  *) log "the gateway is up but the catalog is empty: $products"; exit 1 ;;
esac

log "image sizes"
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' 'shop/*'

log "containers run as non-root"
for container in $(docker compose ps --quiet); do
  user=$(docker inspect --format '{{.Config.User}}' "$container")
  name=$(docker inspect --format '{{.Name}}' "$container")
  case "$name" in
    *postgres*|*gateway*) continue ;;  # third-party images drop privileges themselves
  esac
  if [ -z "$user" ] || [ "$user" = "root" ] || [ "$user" = "0" ]; then
    log "$name runs as root"; exit 1
  fi
done

log "end-to-end tests through the gateway"
SHOP_BASE_URL=http://127.0.0.1:8080 AWS_ENDPOINT_URL=http://127.0.0.1:4566 \
  uv run pytest tests/e2e
log "compose stage passed"
