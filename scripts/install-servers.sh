#!/usr/bin/env bash
# Installs, from Debian's packages, what watchload's models and tests need on this machine,
# skipping what is already installed. Users and `npm test` both run it.
#   bash scripts/install-servers.sh           everything below
# Needs root (or sudo) only when something is missing.
set -euo pipefail

# tmux drives the TUI in end-to-end tests; setpriv (util-linux) gives servers a parent-death
# signal; procps gives ps, which tests use to check that nothing outlives a run.
packages=(tmux util-linux procps)
# The tutorial's Python servers (issue 3), from Debian's packages: their modules land on
# /usr/bin/python3, which the models use whatever `python3` is first on PATH. Debian's uWSGI
# is modular: the python3 and gevent_python3 plugins are separate packages. nginx and
# PostgreSQL serve --proxy nginx and --db postgres; watchload runs them in a temp prefix,
# never as the system's services. python3-requests: the tutorial's app calls its upstream with it.
packages+=(python3-flask gunicorn python3-gevent uwsgi uwsgi-plugin-python3
  uwsgi-plugin-gevent-python3 nginx python3-psycopg2 python3-psycogreen postgresql
  python3-requests)
# chromium: the HTML report's test opens the report in a real browser (playwright-core drives
# /usr/bin/chromium; Playwright's own browser download is not reachable here).
packages+=(chromium)
# --docker (issue 7): docker.io is the engine scripts/dockerd.sh starts (curl asks it whether it
# is up); debootstrap makes the root filesystem of watchload's model image (src/docker/image.ts).
packages+=(docker.io debootstrap curl)

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
# Another apt run (a colleague, unattended-upgrades) may hold dpkg's lock: wait for it.
apt=(apt-get -o DPkg::Lock::Timeout=300)
"${sudo[@]}" "${apt[@]}" update -qq
"${sudo[@]}" "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}"
