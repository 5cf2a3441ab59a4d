# Build: docker build -t beteiligung .
# Run:   docker run -e DATABASE_URL=postgres://... -e JWT_SECRET=$(openssl rand -hex 32) -p 8080:8080 beteiligung

FROM rust:1-bookworm AS build
WORKDIR /src
# Dependencies first, so that code changes do not rebuild them.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src tests/api && echo 'fn main() {}' > src/main.rs && touch src/lib.rs tests/api/main.rs \
    && cargo build --release --locked \
    && rm -rf src tests
COPY src src
COPY migrations migrations
# Compiled in: the report's templates and its embedded font.
COPY templates templates
COPY assets assets
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin beteiligung

# Runtime: glibc and nothing else, running as a non-root user.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/beteiligung /usr/local/bin/beteiligung
ENV BIND_ADDR=0.0.0.0:8080 \
    RUST_LOG=info
# distroless "nonroot", by number so that the platform can check it is not root.
USER 65532:65532
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/beteiligung", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/beteiligung"]
CMD ["serve"]
