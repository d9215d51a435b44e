#!/usr/bin/env bash
# Builds the Companion Hub container image without a registry: no base image is pulled and no
# Dockerfile is built. The binary is compiled static (CGO_ENABLED=0: the SQLite driver is pure Go)
# with the IANA time-zone database embedded (schedules run in people's own zones), and is put in a
# rootfs of a handful of files — the binary, /etc/passwd and /etc/group naming the unprivileged user
# 65532, this machine's CA certificates, /tmp and an empty /data owned by that user — which
# `docker import` turns into the image with its configuration.
#
#   scripts/image.sh                                                    (make image)
#
# It tags companionhub:latest, and companionhub:<git describe --always --dirty> in a git checkout
# (COMPANIONHUB_IMAGE renames the repository part), and prints the first on stdout. The image is
# imported again only when the binary, the CA bundle or this script changed; the binary is rebuilt
# by `go build`, which is quick when the build cache is warm. The build output lives in bin/image/.
#
# The image runs `companionhub serve` as 65532:65532 with COMPANIONHUB_DATA_DIR=/data (a volume:
# the SQLite database and the stored files) and COMPANIONHUB_HTTP_ADDR=:8080; any command of the
# binary runs by naming it (`docker run … companionhub:latest migrate up`). The image's HEALTHCHECK
# runs `companionhub healthcheck`. COMPANIONHUB_IMAGE_VERSION_TAG=false
# leaves the version tag out (the image test's builds). It needs Linux tools (GNU tar, sha256sum).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SELF="$ROOT/scripts/$(basename "$0")"
REPO=${COMPANIONHUB_IMAGE:-companionhub}
GO=${GO:-go}
OUT="$ROOT/bin/image"
BIN="$OUT/companionhub"
UID_GID=65532

log() { printf 'image: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

command -v docker >/dev/null || die "docker is not installed"
mkdir -p "$OUT"
# One build at a time: `make image` and the image test may run together.
if command -v flock >/dev/null; then
  exec 9>"$OUT/.lock"
  flock 9
fi

# The CA bundle of this machine, where Go's crypto/x509 looks for one on Linux.
ca=""
for f in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/ca-bundle.pem \
  /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem /etc/ssl/cert.pem; do
  if [ -s "$f" ]; then ca=$f; break; fi
done
[ -n "$ca" ] || die "no CA certificate bundle found (install ca-certificates)"

cd "$ROOT"
version=$(git describe --always --dirty 2>/dev/null || true)
version=${version//[^A-Za-z0-9_.-]/-} # a tag such as release/1.2 is not a valid image tag as it is
# The image is Linux on the Docker engine's architecture, whatever this machine is.
arch=$(docker version -f '{{.Server.Arch}}' 2>/dev/null || true)
[ -n "$arch" ] || die "the Docker engine does not answer"
log "go build (static, linux/$arch)"
CGO_ENABLED=0 GOOS=linux GOARCH="$arch" "$GO" build -trimpath -tags timetzdata \
  -ldflags "-s -w -X github.com/companionhub/companionhub.Version=${version:-unknown}" -o "$BIN" ./cmd/companionhub
buildinfo=$("$GO" version -m "$BIN")
[[ $buildinfo == *CGO_ENABLED=0* ]] || die "$BIN was not built with CGO_ENABLED=0: it would need a C library"

# The version is in the binary, and so in the recipe: a new version is a new image.
recipe=$(cat "$BIN" "$ca" "$SELF" | sha256sum | cut -c1-16)
latest="$REPO:latest"

tag_version() {
  if [ -n "$version" ] && [ "${COMPANIONHUB_IMAGE_VERSION_TAG:-true}" != false ]; then docker tag "$latest" "$REPO:$version"; fi
}

if [ "$(docker image inspect -f '{{ index .Config.Labels "companionhub.recipe" }}' "$latest" 2>/dev/null)" = "$recipe" ]; then
  log "$latest is up to date"
  tag_version
  echo "$latest"
  exit 0
fi

previous=$(docker image inspect -f '{{ .Id }}' "$latest" 2>/dev/null || true)
rootfs=$(mktemp -d "$OUT/rootfs.XXXXXX")
trap 'rm -rf "$rootfs" "$OUT/rootfs.tar"' EXIT
chmod 755 "$rootfs" # the rootfs's / keeps this mode; mktemp's 0700 would lock the user out

install -d -m 0755 "$rootfs/usr/local/bin" "$rootfs/etc/ssl/certs"
install -d -m 1777 "$rootfs/tmp"
install -d -m 0750 "$rootfs/data"
install -m 0755 "$BIN" "$rootfs/usr/local/bin/companionhub"
install -m 0644 "$ca" "$rootfs/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\ncompanionhub:x:%s:%s:Companion Hub:/data:/sbin/nologin\n' \
  "$UID_GID" "$UID_GID" >"$rootfs/etc/passwd"
printf 'root:x:0:\ncompanionhub:x:%s:\n' "$UID_GID" >"$rootfs/etc/group"
printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group" "$rootfs/etc/nsswitch.conf"

# Everything belongs to root but /data, which the user owns: a new volume mounted there takes its
# owner from it. Two passes, because tar sets one owner for all it archives; no root needed.
tar_opts=(--numeric-owner --sort=name --mtime=@0 --format=gnu -C "$rootfs")
tar "${tar_opts[@]}" --owner=0 --group=0 --exclude=./data -cf "$OUT/rootfs.tar" .
tar "${tar_opts[@]}" --owner="$UID_GID" --group="$UID_GID" -rf "$OUT/rootfs.tar" ./data

changes=(
  "USER $UID_GID:$UID_GID"
  "WORKDIR /data"
  "ENV COMPANIONHUB_DATA_DIR=/data COMPANIONHUB_HTTP_ADDR=:8080"
  "EXPOSE 8080"
  "VOLUME /data"
  'ENTRYPOINT ["/usr/local/bin/companionhub"]'
  'CMD ["serve"]'
  "LABEL companionhub.recipe=$recipe org.opencontainers.image.title=companionhub org.opencontainers.image.version=${version:-unknown}"
)
changes+=('HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["/usr/local/bin/companionhub", "healthcheck"]')
args=()
for c in "${changes[@]}"; do args+=(--change "$c"); done
docker import "${args[@]}" --message "companionhub ${version:-unknown}" "$OUT/rootfs.tar" "$latest" >/dev/null
tag_version
# The image this one replaces, once left without a tag (its version tag is another's or the same as
# this one's), is removed unless a container still uses it.
if [ -n "$previous" ] && [ "$(docker image inspect -f '{{ len .RepoTags }}' "$previous" 2>/dev/null)" = 0 ]; then
  docker image rm "$previous" >/dev/null 2>&1 || true
fi
log "built $latest${version:+ and $REPO:$version} ($(docker image inspect -f '{{ .Size }}' "$latest" | awk '{printf "%.0f MB", $1/1e6}'))"
echo "$latest"
