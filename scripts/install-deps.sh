#!/usr/bin/env bash
# Installs the Debian 12 packages Custos needs, only those missing. Idempotent; works as root or
# through sudo. Prints what it installs.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang-format python3 curl
  libsodium-dev libssl-dev libjemalloc-dev librocksdb-dev libboost-dev nlohmann-json3-dev doctest-dev libexpected-dev
  chromium
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
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
