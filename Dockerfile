# devmetrics as a container action: a static (musl) binary in an empty image.
#
# Multi-arch with buildx (`--platform linux/amd64,linux/arm64`): each platform's build stage runs
# for that platform (under QEMU for the foreign one) and TARGETARCH picks the Rust target, so no
# cross linker is needed. GitHub's rules for container actions: the final image keeps the root
# user and sets no WORKDIR (the runner mounts the workspace and chooses the working directory).

# Base images are pinned by digest (the tag beside it is for people): a rebuild of one commit uses
# the same compiler and Debian packages, and a re-pushed tag cannot change a release. This is the
# multi-arch index digest of rust:1.98.1-bookworm (also rust:1-bookworm when 1.98.1 was current).
# To refresh: `docker buildx imagetools inspect rust:1-bookworm`, copy the index digest and its
# Rust version here (docs/action.md, "Pins"). No `# syntax=` line: BuildKit's built-in Dockerfile
# frontend is used, so no unpinned frontend image is pulled either.
FROM rust:1.98.1-bookworm@sha256:93ce27a88655056a51dbdd8f5f2d7ddc071c7b0070fb288a37b5a285fc83971e AS build
ARG TARGETARCH
# musl-tools: musl-gcc, for the C and assembly that ring (TLS) compiles. Debian's package is left
# unpinned on purpose: the rust image's Debian release fixes it.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends musl-tools ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# TARGETARCH is set by BuildKit; the legacy builder leaves it empty: then the build machine's
# architecture decides.
RUN arch="${TARGETARCH:-$(dpkg --print-architecture)}" \
    && case "$arch" in \
        amd64) target=x86_64-unknown-linux-musl ;; \
        arm64) target=aarch64-unknown-linux-musl ;; \
        *) echo "unsupported architecture $arch" >&2; exit 1 ;; \
    esac \
    && rustup target add "$target" \
    && cargo build --release --locked --target "$target" \
    && cp "target/$target/release/devmetrics" /devmetrics \
    && /devmetrics --version

FROM scratch
# CA certificates for TLS to Supabase and the GitHub API (rustls reads SSL_CERT_FILE).
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /devmetrics /devmetrics
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/devmetrics"]
