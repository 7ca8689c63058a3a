# shellcheck shell=bash
# The base images the Dockerfile and the compose files name, built here from Debian's packages
# because no image registry answers on this machine (sourced by scripts/deploy-test.sh: defines
# functions only). Each is tagged with the name a user pulls (docker.io/library/NAME), so the
# files run unchanged; each carries the host's CA bundle. The recipes: deploy-test/images/.
#
# Needs: $OUT (the run's directory), $LOG_TAG, podman configured by the caller.

# The name a file uses -> the recipe (a directory of scripts/deploy-test/images). debian first:
# the others are built FROM it.
declare -A BASE_RECIPE=(
  [debian:bookworm-slim]=debian
  [rust:1-slim-bookworm]=rust
  [redis:7-bookworm]=redis
  [postgres:15-bookworm]=postgres
  [haproxy:2.6-bookworm]=haproxy
)
BASE_LABEL=org.jira-search.deploy-test=base-image
DEBOOTSTRAP_IMAGE=localhost/jira-search-deploy-test/debootstrap:bookworm
DEBIAN_MIRROR=${DEPLOY_TEST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The machine's toolchain copied into the Rust image (rustup cannot download another here).
RUST_TOOLCHAIN=${DEPLOY_TEST_RUST_TOOLCHAIN:-1.95.0}
HOST_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

# base_images_named FILE...: every image a Dockerfile's FROM or a compose file's `image:`
# names that is not built from this repository (jira-search:*), one per line, without a
# docker.io/library/ prefix.
base_images_named() {
  local file
  for file in "$@"; do
    case "$file" in
      *Dockerfile*) awk 'toupper($1) == "FROM" { print $2 }' "$file" ;;
      *) sed -n 's/^[[:space:]]*image:[[:space:]]*["'\'']\{0,1\}\([^"'\'' #]*\).*/\1/p' "$file" ;;
    esac
  done | sed 's#^docker.io/library/##' | grep -v '^jira-search:' | sort -u
}

# build_replacing TAG PODMAN-BUILD-ARGS...: podman build without keeping intermediate images
# (each run would keep gigabytes of them), then removes the image TAG named before, when
# nothing uses it any more.
build_replacing() {
  local tag=$1; shift
  local old new
  old=$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
  podman build --layers=false --network host --pull=never "$@" -t "$tag"
  new=$(podman image inspect --format '{{.Id}}' "$tag")
  if [[ -n "$old" && "$old" != "$new" ]]; then podman rmi "$old" >/dev/null 2>&1 || true; fi
}

# The root filesystem of Debian bookworm (minbase) from debootstrap, imported as an image.
debootstrap_image() {
  local rootfs=$OUT/rootfs
  ensure_pkg debootstrap debootstrap
  rm -rf "$rootfs"
  echo "$LOG_TAG: debootstrap bookworm from $DEBIAN_MIRROR (about a minute)"
  debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$OUT/debootstrap.log" 2>&1 \
    || { tail -n 20 "$OUT/debootstrap.log" >&2; echo "$LOG_TAG: debootstrap failed ($OUT/debootstrap.log)" >&2; return 1; }
  local old
  old=$(podman image inspect --format '{{.Id}}' "$DEBOOTSTRAP_IMAGE" 2>/dev/null || true)
  tar --numeric-owner -C "$rootfs" -c . \
    | podman import --quiet --change "LABEL $BASE_LABEL" - "$DEBOOTSTRAP_IMAGE" >/dev/null
  rm -rf "$rootfs"
  if [[ -n "$old" ]]; then podman rmi "$old" >/dev/null 2>&1 || true; fi
}

# build_base_image NAME RECIPE: the recipe's Containerfile in a context of its own (its files,
# the host's CA bundle, for Rust the rustup binary), tagged docker.io/library/NAME.
build_base_image() {
  local name=$1 recipe=$2 ctx=$OUT/images/$2
  local extra=()
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp -r "scripts/deploy-test/images/$recipe/." "$ctx/"
  cp "$HOST_CA_BUNDLE" "$ctx/ca-certificates.crt"
  if [[ "$recipe" == rust ]]; then
    local sysroot triple
    sysroot=$(rustc "+$RUST_TOOLCHAIN" --print sysroot) \
      || { echo "$LOG_TAG: no Rust toolchain $RUST_TOOLCHAIN on this machine (rustup toolchain list)" >&2; return 1; }
    triple=$(rustc "+$RUST_TOOLCHAIN" -vV | sed -n 's/^host: //p')
    cp "$(command -v rustup)" "$ctx/rustup"
    extra=(--volume "$(readlink -f "$sysroot"):/host-toolchain:ro"
      --build-arg "RUST_TOOLCHAIN=$RUST_TOOLCHAIN-$triple")
  fi
  build_replacing "docker.io/library/$name" --label "$BASE_LABEL" "${extra[@]}" \
    -f "$ctx/Containerfile" "$ctx"
}

# build_base_images FORCE FILE...: every base image the FILEs name, built when missing (or
# always when FORCE is 1). Fails naming an image it has no recipe for.
build_base_images() {
  local force=$1; shift
  local names name built=()
  names=$(base_images_named "$@")
  for name in $names; do
    if [[ -z "${BASE_RECIPE[$name]:-}" ]]; then
      echo "$LOG_TAG: $name is named by $* but has no recipe in scripts/deploy-test/images" \
        "(known: ${!BASE_RECIPE[*]})" >&2
      return 1
    fi
  done
  # debian:bookworm-slim first: every other recipe starts FROM it.
  for name in debian:bookworm-slim $names; do
    [[ " ${built[*]} " == *" $name "* ]] && continue
    built+=("$name")
    if [[ "$force" != 1 ]] && podman image exists "docker.io/library/$name"; then
      echo "$LOG_TAG: base image $name: present (DEPLOY_TEST_REBUILD_BASE=1 rebuilds)"
      continue
    fi
    if [[ "$name" == debian:bookworm-slim ]] \
      && { [[ "$force" == 1 ]] || ! podman image exists "$DEBOOTSTRAP_IMAGE"; }; then
      debootstrap_image || return 1
    fi
    echo "$LOG_TAG: base image $name: building from scripts/deploy-test/images/${BASE_RECIPE[$name]}"
    build_base_image "$name" "${BASE_RECIPE[$name]}" >"$OUT/image-${BASE_RECIPE[$name]}.log" 2>&1 \
      || { tail -n 20 "$OUT/image-${BASE_RECIPE[$name]}.log" >&2
           echo "$LOG_TAG: building $name failed ($OUT/image-${BASE_RECIPE[$name]}.log)" >&2; return 1; }
  done
}
