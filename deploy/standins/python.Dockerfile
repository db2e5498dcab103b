# Stand-in for python:3.11-slim-bookworm: Debian's Python 3.11 on a debootstrap root, trusting
# the CA bundle of the machine that builds it (networks that intercept TLS).
FROM rps-standin/debian:bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv python-is-python3 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY ca-certificates.crt /etc/ssl/certs/rps-host-ca-certificates.crt
ENV PIP_CERT=/etc/ssl/certs/rps-host-ca-certificates.crt \
    SSL_CERT_FILE=/etc/ssl/certs/rps-host-ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/rps-host-ca-certificates.crt
