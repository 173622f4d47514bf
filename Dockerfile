# The conventional image, for where a registry is reachable (it pulls debian:12):
#   docker build -t troupe:latest .
# Offline, tools/docker/build-image assembles an equivalent image FROM scratch from the binaries
# built on this machine (docs/docker.md). Either image serves docker-compose.yml.

FROM debian:12 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake ninja-build pkg-config \
      libzmq3-dev cppzmq-dev libsodium-dev libmsgpack-cxx-dev libboost-dev libboost-system-dev \
      libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev libjemalloc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTROUPE_BUILD_TESTS=OFF \
 && cmake --build /build --target troupe-node troupectl ping_pong chat_room kv_failover \
 && mkdir /out \
 && cp /build/tools/troupe-node /build/tools/troupectl /build/examples/ping_pong /build/examples/chat_room \
       /build/examples/kv_failover /out/ \
 && strip /out/*

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libzmq5 libsodium23 libspdlog1.10 libfmt9 libjemalloc2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/bin/
USER 65534:65534
EXPOSE 7100
ENTRYPOINT ["/usr/local/bin/troupe-node"]
