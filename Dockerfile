# syntax=docker/dockerfile:1
# Build: docker build -t newshound .
# Run:   docker run -d --name newshound \
#          -v /srv/newshound/newshound.yaml:/etc/newshound/newshound.yaml:ro \
#          -v newshound-data:/var/lib/newshound \
#          -e SLACK_WEBHOOK_URL=... newshound
# The config must set `data: /var/lib/newshound/newshound.db` (see README, Docker).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/newshound ./cmd/newshound
# The data folder must belong to the runtime user so a fresh named volume,
# which copies the image folder's ownership, is writable.
RUN mkdir -p /out/data

# distroless/static carries CA certificates and tzdata, and runs as the
# unprivileged user 65532; the binary also embeds tzdata for CRON_TZ.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/newshound /usr/local/bin/newshound
COPY --from=build --chown=65532:65532 /out/data /var/lib/newshound
ENV NEWSHOUND_CONFIG=/etc/newshound/newshound.yaml
VOLUME ["/var/lib/newshound"]
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/newshound"]
CMD ["run"]
