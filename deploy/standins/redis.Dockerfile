# Stand-in for redis:7.4-alpine: Debian's redis-server (7.0) with the same `redis-server`/`redis-cli` and sh.
FROM rps-standin/debian:bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
CMD ["redis-server"]
