# One image recipe for every Python package of the uv workspace (services/*, tools/*).
# Build context: the repository root (see .dockerignore).
#
#   docker build -f docker/service.Dockerfile --build-arg PACKAGE=catalog -t shop/catalog .
#
# Build arguments:
#   PACKAGE       the workspace member to run: catalog, basket, ordering, ..., shopctl (required)
#   PYTHON_IMAGE  the base, official Python slim by default; CI without a registry passes its own
#   UV_VERSION    the uv used to install the locked environment
#
# Layers, from the most shared to the least:
#   deps     every workspace member's third-party dependencies, from uv.lock alone: the same
#            layer for all services, rebuilt only when a pyproject.toml or uv.lock changes;
#   app      the one package (and servicekit) built as wheels and installed on top: small.
# Works with BuildKit and with the classic builder (no RUN --mount, no COPY --parents).
ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
# uv, and the build's trust store. docker/certs/*.crt (none, usually) are appended to the base's
# CA bundle for pip and uv only: a TLS-inspecting proxy between the build and PyPI needs them.
FROM ${PYTHON_IMAGE} AS uv
ARG UV_VERSION=0.13.9
COPY docker/certs/ /tmp/extra-certs/
RUN test -s /etc/ssl/certs/ca-certificates.crt \
 && find /tmp/extra-certs -name '*.crt' -type f -exec cat {} + >>/etc/ssl/certs/ca-certificates.crt \
 && rm -rf /tmp/extra-certs
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# binutils for `strip`: the wheels' compiled extensions carry ~45 MB of symbols.
RUN apt-get update \
 && apt-get install -y --no-install-recommends binutils \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/uv \
 && /opt/uv/bin/pip install "uv==${UV_VERSION}" \
 && ln -s /opt/uv/bin/uv /usr/local/bin/uv
ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON_PREFERENCE=only-system \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1

# ---------------------------------------------------------------------------------------------
# The workspace's manifests only (every member's pyproject.toml, wherever it lives), so that the
# dependency layer below depends on nothing else. Listing members here by hand would have to
# change with every new service.
FROM ${PYTHON_IMAGE} AS manifests
COPY services/ /src/services/
COPY tools/ /src/tools/
RUN find /src -type f ! -name pyproject.toml -delete \
 && find /src -depth -type d -empty -delete

# ---------------------------------------------------------------------------------------------
# Third-party dependencies of every member, shared by all services' images.
FROM uv AS deps
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY --from=manifests /src/ ./
RUN uv sync --frozen --no-dev --all-packages --no-install-workspace \
 && find /app/.venv -type f -name '*.so*' -exec strip --strip-unneeded {} + \
 && find /app/.venv \( -type f -o -type l \) | sort >/tmp/deps.files

# ---------------------------------------------------------------------------------------------
# The package itself (and the workspace members it needs) as wheels, then only the files that
# this step added to the environment, ready to be laid over the shared dependency layer.
FROM deps AS app
ARG PACKAGE
RUN test -n "${PACKAGE}" || { echo "build argument PACKAGE is required" >&2; exit 1; }
COPY services/ ./services/
COPY tools/ ./tools/
RUN uv sync --frozen --no-dev --no-editable --inexact --package "${PACKAGE}" \
 && find /app/.venv \( -type f -o -type l \) | sort >/tmp/app.files \
 && comm -13 /tmp/deps.files /tmp/app.files >/tmp/added.files \
 && test -s /tmp/added.files \
 && mkdir /overlay \
 && sed 's|^/||' /tmp/added.files | tar -C / -cf - -T - | tar -C /overlay -xf -

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 shop \
 && useradd --system --uid 10001 --gid shop --no-create-home --home-dir /app \
        --shell /usr/sbin/nologin shop
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app
# Shared by every service image: dependencies, migrations (alembic), the declared topology and
# the state machine (bootstrap), the healthcheck probe.
COPY --from=deps /app/.venv /app/.venv
COPY migrations/ /app/migrations/
COPY infra/topology.json /app/infra/topology.json
COPY infra/statemachine/ /app/infra/statemachine/
COPY docker/healthcheck /usr/local/bin/healthcheck
# This image's own package.
ARG PACKAGE
COPY --from=app /overlay/ /
# What runs when compose gives no `command:`; SHOP_MAIN can also be set at run time
# (e.g. `catalog.entrypoints.worker`).
ENV SHOP_PACKAGE=${PACKAGE} \
    SHOP_MAIN=${PACKAGE}.entrypoints.api
USER 10001:10001
EXPOSE 8000
# `python -m $SHOP_MAIN` without a shell.
CMD ["python", "-c", "import os, runpy; runpy.run_module(os.environ['SHOP_MAIN'], run_name='__main__', alter_sys=True)"]
