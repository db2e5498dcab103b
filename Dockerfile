# syntax=docker/dockerfile:1.7
# One image for every Python process (gameplay, inference, worker, scheduler, the
# CronJob enqueuers and the MLflow server): they share one locked dependency set,
# so one image means one build, one scan and one cache on the node; the command
# picks the service (see docs/operations.md, "Images").
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
# torch==2.13.0+cpu (pinned in constraints.txt) exists only on the PyTorch CPU index;
# PyPI's torch wheel would pull ~2.5 GB of CUDA libraries.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

FROM ${PYTHON_IMAGE} AS deps
ARG TORCH_INDEX_URL
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /build
# Only the dependency list first, so a source change does not reinstall torch.
# torch's C++ test binaries (~130 MB) are never run: removed (torch_shm_manager is kept).
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
    && pip install --upgrade 'pip>=24' \
    && pip install --extra-index-url "${TORCH_INDEX_URL}" -c constraints.txt -r requirements.txt \
    && python -c "import torch; assert torch.__version__.endswith('+cpu'), torch.__version__" \
    && rm -rf /opt/venv/lib/python3.11/site-packages/torch/test \
    && find /opt/venv/lib/python3.11/site-packages/torch/bin -type f ! -name torch_shm_manager -delete

FROM ${PYTHON_IMAGE} AS runtime
# libgomp1: LightGBM's wheel links the system OpenMP runtime (torch and xgboost bundle theirs).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 rps \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin rps \
    && mkdir -p /data /mlflow \
    && chown 10001:10001 /data /mlflow
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
# The code runs from the source tree (not site-packages) so package data such as
# services/gameplay/static and shared/events/migrations is always there.
COPY shared/ shared/
COPY services/ services/
RUN python -m compileall -q /app
# HOME=/tmp: MLflow, matplotlib and torch write caches under $HOME, and the root
# filesystem is read-only in the cluster (/tmp is an emptyDir there).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    MPLCONFIGDIR=/tmp/matplotlib \
    MLFLOW_DISABLE_TELEMETRY=true \
    DATABASE_URL=sqlite:////data/rps.db
USER 10001:10001
EXPOSE 8000 8001 9108 5000
CMD ["python", "-m", "services.gameplay", "serve", "--host", "0.0.0.0", "--port", "8000"]
