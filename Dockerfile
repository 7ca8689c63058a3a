# Multi-stage build: compile with the full toolchain, run on a slim image as a non-root user.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p app -p jira-sim

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /data --create-home jira-search
COPY --from=build /src/target/release/jira-search /usr/local/bin/jira-search
COPY --from=build /src/target/release/jira-sim /usr/local/bin/jira-sim
USER jira-search
WORKDIR /data
ENV LISTEN_ADDR=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///data/jira-search.db
EXPOSE 8080
VOLUME ["/data"]
# Slim images have no curl: the binary checks its own /healthz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["jira-search", "healthcheck"]
CMD ["jira-search", "serve"]
