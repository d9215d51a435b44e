#!/usr/bin/env bash
# Builds the container images the integration tests use, from Debian packages only, because the
# machines this project is developed and tested on have a Docker engine but no registry to pull from.
#
#   scripts/test-images.sh [postgres] [redis]     (default: all)
#
# PostgreSQL comes from Debian 13 (trixie): PostgreSQL 17 with the pgvector extension, which Debian 12
# does not package. Redis comes from Debian 12 (bookworm).
#
# An image is rebuilt only when its tag is missing or its recipe (this file) changed; the debootstrap
# base is cached as a tarball. Users with a registry can skip all of this by pointing the tests at
# official images: COMPANIONHUB_TEST_POSTGRES_IMAGE=pgvector/pgvector:pg17, COMPANIONHUB_TEST_REDIS_IMAGE=redis:7.
set -euo pipefail

MIRROR=${COMPANIONHUB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${COMPANIONHUB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/companionhub}
POSTGRES_IMAGE=${COMPANIONHUB_TEST_POSTGRES_IMAGE:-companionhub-test/postgres:17}
REDIS_IMAGE=${COMPANIONHUB_TEST_REDIS_IMAGE:-companionhub-test/redis:7}
RECIPE=$(sha256sum "$0" | cut -c1-16)

log() { printf 'test-images: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

need_tools() {
  command -v docker >/dev/null || { log "docker is not installed"; exit 1; }
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap from Debian's packages"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
}

# up_to_date IMAGE: the tag exists and was built by this recipe.
up_to_date() {
  [ "$(docker image inspect -f '{{ index .Config.Labels "companionhub.recipe" }}' "$1" 2>/dev/null)" = "$RECIPE" ]
}

# base_rootfs DIR SUITE: unpacks a minimal Debian SUITE into DIR, from the cached tarball when there is one.
base_rootfs() {
  local dir=$1 SUITE=$2
  local tarball="$CACHE/debian-$SUITE-minbase.tar"
  mkdir -p "$CACHE"
  if [ ! -s "$tarball" ]; then
    log "debootstrap $SUITE (cached afterwards in $tarball)"
    local tmp
    tmp=$(mktemp -d)
    as_root debootstrap --variant=minbase "$SUITE" "$tmp" "$MIRROR" >/dev/null
    as_root tar -C "$tmp" -cf "$tarball.part" .
    as_root rm -rf "$tmp"
    as_root mv "$tarball.part" "$tarball"
  fi
  as_root tar -C "$dir" -xf "$tarball"
}

# in_chroot DIR CMD...: runs CMD inside the rootfs with /proc mounted and services kept from starting.
in_chroot() {
  local dir=$1; shift
  printf '#!/bin/sh\nexit 101\n' | as_root tee "$dir/usr/sbin/policy-rc.d" >/dev/null
  as_root chmod +x "$dir/usr/sbin/policy-rc.d"
  as_root mount -t proc proc "$dir/proc"
  local rc=0
  as_root env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive chroot "$dir" "$@" || rc=$?
  as_root umount "$dir/proc"
  as_root rm -f "$dir/usr/sbin/policy-rc.d"
  return $rc
}

# finish DIR IMAGE CHANGES...: slims the rootfs and imports it as IMAGE.
finish() {
  local dir=$1 image=$2; shift 2
  as_root rm -rf "$dir/var/lib/apt/lists/"* "$dir/var/cache/apt/"* "$dir/usr/share/doc" "$dir/usr/share/man" "$dir/usr/share/locale"
  local changes=(--change "LABEL companionhub.recipe=$RECIPE")
  local c
  for c in "$@"; do changes+=(--change "$c"); done
  as_root tar -C "$dir" -c . | docker import "${changes[@]}" - "$image" >/dev/null
  log "built $image"
}

build_postgres() {
  local dir=$1
  base_rootfs "$dir" trixie
  # No cluster at install time: the entrypoint initialises one per container, like the official image.
  as_root mkdir -p "$dir/etc/postgresql-common"
  echo 'create_main_cluster = false' | as_root tee "$dir/etc/postgresql-common/createcluster.conf" >/dev/null
  in_chroot "$dir" sh -c 'apt-get -o APT::Sandbox::User=root update -qq && apt-get -o APT::Sandbox::User=root install -y -qq --no-install-recommends postgresql-17 postgresql-17-pgvector >/dev/null 2>&1'
  as_root tee "$dir/usr/local/bin/docker-entrypoint.sh" >/dev/null <<'ENTRY'
#!/bin/sh
# Mirrors the official postgres image's contract: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA,
# and a command of "postgres [-c name=value ...]".
set -e
export PATH=/usr/lib/postgresql/17/bin:$PATH
PGDATA=${PGDATA:-/var/lib/postgresql/data}
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
if [ "$1" = postgres ]; then shift; fi
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s\n' "${POSTGRES_PASSWORD:-postgres}" >"$pwfile"
  chown postgres "$pwfile"
  runuser -u postgres -- initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\" OWNER \"$user\";" |
      runuser -u postgres -- postgres --single -D "$PGDATA" -j postgres >/dev/null
  fi
fi
exec runuser -u postgres -- postgres -D "$PGDATA" -c listen_addresses='*' "$@"
ENTRY
  as_root chmod +x "$dir/usr/local/bin/docker-entrypoint.sh"
  finish "$dir" "$POSTGRES_IMAGE" \
    'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' 'CMD ["postgres"]' \
    'ENV PATH=/usr/lib/postgresql/17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'EXPOSE 5432'
}

build_redis() {
  local dir=$1
  base_rootfs "$dir" bookworm
  in_chroot "$dir" sh -c 'apt-get -o APT::Sandbox::User=root update -qq && apt-get -o APT::Sandbox::User=root install -y -qq --no-install-recommends redis-server >/dev/null 2>&1'
  finish "$dir" "$REDIS_IMAGE" \
    'CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"]' \
    'EXPOSE 6379'
}

build() {
  local name=$1 image=$2
  case "$image" in
    companionhub-test/*) ;;
    *) log "$name: using $image as configured; not building"; return ;;
  esac
  if up_to_date "$image"; then
    log "$name: $image is up to date"
    return
  fi
  need_tools
  local dir
  dir=$(mktemp -d)
  chmod 755 "$dir" # the rootfs's / keeps this mode; mktemp's 0700 would lock every non-root user out
  trap 'as_root umount "$dir/proc" 2>/dev/null || true; as_root rm -rf "$dir"' RETURN
  log "$name: building $image from Debian packages"
  "build_$name" "$dir"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(postgres redis)
for t in "${targets[@]}"; do
  case "$t" in
    postgres) build postgres "$POSTGRES_IMAGE" ;;
    redis) build redis "$REDIS_IMAGE" ;;
    *) log "unknown image $t"; exit 2 ;;
  esac
done
