#!/usr/bin/env bash
# Start PostgreSQL the way the official image does: initialise $PGDATA on first start from
# POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, then run the server as the postgres user,
# listening on every interface.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
export PGDATA POSTGRES_USER POSTGRES_DB

log() { printf 'entrypoint: %s\n' "$*" >&2; }

# Anything but a bare `postgres ...` (or a flag for it) runs as given, e.g. `bash` or `psql`.
if [[ $# -eq 0 || "${1:0:1}" == "-" ]]; then
    set -- postgres "$@"
fi
if [[ "$1" != "postgres" ]]; then
    exec "$@"
fi

# As root: own the data and socket directories, then come back as the postgres user.
if [[ $(id -u) -eq 0 ]]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown -R postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 0700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

initialise() {
    if [[ -z "${POSTGRES_PASSWORD:-}" && "$POSTGRES_HOST_AUTH_METHOD" != "trust" ]]; then
        log "POSTGRES_PASSWORD is not set; set it, or POSTGRES_HOST_AUTH_METHOD=trust"
        exit 1
    fi
    log "initialising a new cluster in $PGDATA for user $POSTGRES_USER"
    local pwfile
    pwfile=$(mktemp)
    printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
    # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of words, as officially
    initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" \
        ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA" >/dev/null
    rm -f "$pwfile"
    printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
    printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

    # A private server on the Unix socket only, for the one-time setup.
    pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
    local psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres)
    if [[ "$POSTGRES_DB" != "postgres" ]]; then
        "${psql[@]}" --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >/dev/null
    fi
    local file
    for file in /docker-entrypoint-initdb.d/*; do
        case "$file" in
            *.sh)  log "running $file"; bash "$file" ;;
            *.sql) log "running $file"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$file" ;;
            *.sql.gz) log "running $file"; gunzip -c "$file" | "${psql[@]}" --dbname "$POSTGRES_DB" ;;
            *) if [[ -e "$file" ]]; then log "ignoring $file"; fi ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    log "initialisation done"
}

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    initialise
fi

exec "$@"
