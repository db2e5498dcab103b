# Two images from one Dockerfile (see docs/operations.md, "Images"):
#   --target serving   gameplay, inference, the scheduler, the relay and the CronJob enqueuers:
#                      pyproject's base dependencies (no torch, MLflow server, pandas or pyarrow).
#   --target training  the RQ worker and the MLflow server: the same plus the `train` extra.
# The training stages come after serving and build on its dependency layer (shared by both
# images; the legacy builder builds every stage before its target).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS base
# libgomp1: LightGBM's wheel links the system OpenMP runtime (torch and xgboost bundle theirs).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 rps \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin rps \
    && mkdir -p /data /mlflow \
    && chown 10001:10001 /data /mlflow \
    && python -m venv /opt/venv
# HOME=/tmp: MLflow, matplotlib and torch write caches under $HOME, and the root
# filesystem is read-only in the cluster (/tmp is an emptyDir there).
ENV PATH=/opt/venv/bin:$PATH \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    MPLCONFIGDIR=/tmp/matplotlib \
    MLFLOW_DISABLE_TELEMETRY=true \
    DATABASE_URL=sqlite:////data/rps.db
WORKDIR /build
# Only the dependency list first, so a source change does not reinstall anything.
COPY pyproject.toml constraints.txt ./

FROM base AS serving-deps
# The libraries' own test suites (~65 MB: numpy, scipy…) are never run: removed in the same layer.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > serving.txt \
    && pip install -q --upgrade 'pip>=24' \
    && pip install -q -c constraints.txt -r serving.txt \
    && find /opt/venv/lib -depth -type d -name tests -path '*/site-packages/*' -exec rm -rf {} +

FROM serving-deps AS serving
WORKDIR /app
COPY shared/ shared/
COPY services/ services/
RUN python -m compileall -q /app
USER 10001:10001
EXPOSE 8000 8001
CMD ["python", "-m", "services.gameplay", "serve", "--host", "0.0.0.0", "--port", "8000"]

FROM serving-deps AS training-deps
# PIP_FIND_LINKS: optional local wheel directory or URL (an offline mirror); PyPI otherwise.
ARG PIP_FIND_LINKS
# PyPI's torch wheel pulls ~2.5 GB of CUDA libraries; the CPU index has the same version without
# them. Empty = PyPI only (the pin torch==2.13.0 accepts both builds).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# torch's C++ test binaries (~130 MB) are never run: removed (torch_shm_manager is kept).
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['train']))" \
        > train.txt \
    && pip install -q ${TORCH_INDEX_URL:+--extra-index-url "$TORCH_INDEX_URL"} -c constraints.txt -r serving.txt -r train.txt \
    && site="$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
    && rm -rf "$site/torch/test" \
    && find /opt/venv/lib -depth -type d -name tests -path '*/site-packages/*' -exec rm -rf {} + \
    && find "$site/torch/bin" -type f ! -name torch_shm_manager -delete

FROM training-deps AS training
WORKDIR /app
# The code runs from the source tree (not site-packages) so package data such as
# services/gameplay/static and shared/events/migrations is always there.
COPY shared/ shared/
COPY services/ services/
RUN python -m compileall -q /app
USER 10001:10001
EXPOSE 5000 9108
CMD ["python", "-m", "services.worker"]
