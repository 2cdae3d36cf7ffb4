#!/usr/bin/env bash
# Installs, from Debian's packages, what watchload's models and tests need on this machine,
# skipping what is already installed. Users and `npm test` both run it.
#   bash scripts/install-servers.sh           everything below
# Needs root (or sudo) only when something is missing.
set -euo pipefail

# tmux drives the TUI in end-to-end tests; setpriv (util-linux) gives servers a parent-death
# signal; procps gives ps, which tests use to check that nothing outlives a run.
packages=(tmux util-linux procps)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "install-servers: all present (${packages[*]})"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-servers: missing ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "install-servers: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
