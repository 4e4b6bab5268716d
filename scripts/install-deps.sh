#!/usr/bin/env bash
# Installs the Debian 12 packages Custos needs, only those missing. Idempotent; works as root or
# through sudo. Prints what it installs.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang-format python3 curl
  libsodium-dev libssl-dev libjemalloc-dev librocksdb-dev libboost-dev nlohmann-json3-dev doctest-dev libexpected-dev
  # CLI11 (header-only): every command's options, help and usage errors declared in one place.
  libcli11-dev
  chromium
  # clang 14 and its libFuzzer runtime: the fuzz targets (fuzz/, `make fuzz`, CI's `make test`).
  clang-14 libclang-rt-14-dev
  # ip and tc: the node tests' validators in network namespaces of their own (tests/node/netns.hpp).
  iproute2
)

# Node.js and npm build and test the browser side (web/: the offline verifier, the explorer).
# Debian 12's nodejs (18) and npm are enough; a newer Node.js already installed (e.g. from
# NodeSource, whose package conflicts with Debian's npm) is used as it is.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

# web/node_modules from web/package-lock.json (npm ci), when missing or older than the lock file.
web_deps() {
  local web
  web="$(cd "$(dirname "$0")/.." && pwd)/web"
  if [ -f "$web/package-lock.json" ] && { [ ! -f "$web/node_modules/.package-lock.json" ] ||
      [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; }; then
    echo "deps: npm ci in web/"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  web_deps
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo_cmd=()
elif command -v sudo >/dev/null 2>&1; then
  sudo_cmd=(sudo)
else
  echo "deps: missing ${missing[*]} and not root, no sudo: install them and re-run" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
web_deps
