#!/usr/bin/env bash
# A Docker Engine of watchload's own for --docker (issue 7), started by hand: Debian's dockerd
# (docker.io), no systemd, no iptables rules, no docker0 bridge (the models' containers use the
# host's network or none), its own data root, exec root, pidfile and socket, so that it can run
# beside any other engine on the machine and be stopped without leaving anything behind.
#   bash scripts/dockerd.sh start     start it (idempotent); prints its DOCKER_HOST on stdout
#   bash scripts/dockerd.sh stop      stop it, its containerd and containers; unmount what it mounted
#   bash scripts/dockerd.sh status    running or not; exit 0 when it answers, 3 when not
#   bash scripts/dockerd.sh env       prints: export DOCKER_HOST=unix://…   (eval "$(… env)")
#   bash scripts/dockerd.sh leftovers lists its processes and mounts still there; exit 1 if any
# Needs root. Where things are:
#   WATCHLOAD_DOCKERD_DIR  (default /var/lib/watchload-dockerd): data root ($DIR/data), log, config
#   exec root: /run/watchload-dockerd for the default dir, else /run/watchload-dockerd-<first 8 hex
#   of sha256 of the dir>, or WATCHLOAD_DOCKERD_RUN; short because unix socket paths are (108
#   bytes, unix(7)) and containerd's sockets live under it. The socket is <exec root>/docker.sock.
set -euo pipefail

dir=${WATCHLOAD_DOCKERD_DIR:-/var/lib/watchload-dockerd}
dir=${dir%/}
if [[ -n "${WATCHLOAD_DOCKERD_RUN:-}" ]]; then
  run=${WATCHLOAD_DOCKERD_RUN%/}
elif [[ "$dir" == /var/lib/watchload-dockerd ]]; then
  run=/run/watchload-dockerd
else
  run=/run/watchload-dockerd-$(printf '%s' "$dir" | sha256sum | cut -c1-8)
fi
data=$dir/data
sock=$run/docker.sock
pidfile=$run/dockerd.pid
log=$dir/dockerd.log
host=unix://$sock

say() { echo "dockerd.sh: $*" >&2; }
die() {
  say "$*"
  exit 1
}

need_root() {
  [[ $(id -u) -eq 0 ]] || die "needs root (dockerd does): sudo bash $0 $1"
}

# Alive and not a zombie (proc(5): the state follows the parenthesised comm): a dockerd killed
# after its starter exited waits for pid 1 to reap it, which may take a while.
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ "${stat%% *}" != Z ]]
}

# The pid in the pidfile, when that process is alive and is a dockerd.
daemon_pid() {
  local pid
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]] && alive "$pid" || return 1
  echo "$pid"
}

answers() {
  [[ -S "$sock" ]] && [[ "$(curl -s --max-time 2 --unix-socket "$sock" http://engine/_ping 2>/dev/null)" == OK ]]
}

# Processes of this engine: dockerd (its pidfile, its socket on its command line), its containerd
# (config under the exec root), the shims (their -address) and every process of its containers
# (their cgroup names a container id of this data root). Prints "pid args", one per line.
our_processes() {
  local ids=() pid args cgroup id
  if [[ -d "$data/containers" ]]; then
    for id in "$data"/containers/*; do
      [[ -d "$id" ]] && ids+=("$(basename "$id")")
    done
  fi
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    args=$(tr '\0' ' ' 2>/dev/null <"$proc/cmdline") || continue
    [[ -n "$args" ]] || continue
    # By program name first: the roots' own names contain "dockerd", so a `tail -f` of a file
    # under them must not count.
    case "$(cat "$proc/comm" 2>/dev/null)" in
      dockerd | containerd | containerd-shim* | runc | docker-proxy | docker-init)
        if [[ "$args" == *"$run/"* || "$args" == *"$data/"* || "$args" == *" $data "* ]]; then
          echo "$pid $args"
          continue
        fi
        ;;
    esac
    if ((${#ids[@]} > 0)); then
      cgroup=$(cat "$proc/cgroup" 2>/dev/null) || continue
      for id in "${ids[@]}"; do
        if [[ "$cgroup" == *"$id"* ]]; then
          echo "$pid $args"
          break
        fi
      done
    fi
  done
}

# Mount points under the data root and the exec root, deepest first (octal escapes decoded).
our_mounts() {
  awk -v a="$data" -v b="$run" '
    function unescape(s,  out, i, c) {
      out = ""
      for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c == "\\" && substr(s, i + 1, 3) ~ /^[0-7][0-7][0-7]$/) {
          out = out sprintf("%c", (substr(s, i + 1, 1) * 64) + (substr(s, i + 2, 1) * 8) + substr(s, i + 3, 1))
          i += 3
        } else out = out c
      }
      return out
    }
    {
      p = unescape($5)
      if (p == a || index(p, a "/") == 1 || p == b || index(p, b "/") == 1) print gsub("/", "/", p) "\t" p
    }' /proc/self/mountinfo | sort -rn -k1,1 | cut -f2- | awk '!seen[$0]++'
}

leftovers() {
  local found=0 line
  while read -r line; do
    [[ -n "$line" ]] || continue
    echo "process: $line"
    found=1
  done < <(our_processes)
  while read -r line; do
    [[ -n "$line" ]] || continue
    echo "mount: $line"
    found=1
  done < <(our_mounts)
  return $((found))
}

start() {
  need_root start
  local dockerd
  dockerd=$(command -v dockerd || true)
  [[ -n "$dockerd" ]] || dockerd=$([[ -x /usr/sbin/dockerd ]] && echo /usr/sbin/dockerd || true)
  [[ -n "$dockerd" ]] || die "dockerd is not installed: apt-get install docker.io (or bash scripts/install-servers.sh)"
  command -v curl >/dev/null || die "curl is not installed (it asks the engine whether it is up): apt-get install curl"

  if pid=$(daemon_pid) && answers; then
    say "already running (pid $pid) at $host"
    echo "$host"
    return 0
  fi
  if pid=$(daemon_pid); then
    die "dockerd (pid $pid) runs but does not answer at $sock: bash $0 stop, then start again (log: $log)"
  fi
  mkdir -p "$dir" "$data" "$run"
  # Its own (empty) configuration: an /etc/docker/daemon.json meant for the system's engine
  # (hosts, bridge, data-root) must not apply to this one.
  [[ -f "$dir/daemon.json" ]] || echo '{}' >"$dir/daemon.json"
  rm -f "$pidfile"
  say "starting $dockerd (data root $data, exec root $run; log $log)"
  # Its own session (setsid): no terminal, no SIGHUP when the shell that started it ends.
  setsid "$dockerd" --config-file "$dir/daemon.json" --iptables=false --ip-masq=false --bridge=none \
    --data-root "$data" --exec-root "$run" --pidfile "$pidfile" -H "$host" \
    </dev/null >>"$log" 2>&1 &
  local child=$!
  for ((i = 0; i < 300; i++)); do
    if answers; then
      say "running (pid $(daemon_pid || echo "$child")); use: export DOCKER_HOST=$host"
      echo "$host"
      return 0
    fi
    if ! alive "$child"; then
      say "dockerd exited before it answered; the end of $log:"
      tail -n 20 "$log" | sed 's/^/  | /' >&2
      exit 1
    fi
    sleep 0.1
  done
  say "dockerd did not answer at $sock within 30 s; the end of $log:"
  tail -n 20 "$log" | sed 's/^/  | /' >&2
  exit 1
}

stop() {
  need_root stop
  local pid
  if pid=$(daemon_pid); then
    say "stopping dockerd (pid $pid)"
    # SIGTERM: dockerd stops its containers (up to their stop timeouts) and its containerd.
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      say "dockerd (pid $pid) still runs after 20 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # What a killed dockerd leaves: its containerd, the shims, the containers' processes.
  local pids
  for signal in TERM KILL; do
    pids=$(our_processes | cut -d' ' -f1)
    [[ -n "$pids" ]] || break
    # shellcheck disable=SC2086
    kill -"$signal" $pids 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      [[ -n "$(our_processes)" ]] || break
      sleep 0.1
    done
  done
  local point
  while read -r point; do
    [[ -n "$point" ]] || continue
    umount "$point" 2>/dev/null || umount -l "$point" 2>/dev/null || say "cannot unmount $point"
  done < <(our_mounts)
  rm -f "$pidfile" "$sock"
  local left
  if left=$(leftovers); then
    say "stopped; nothing left"
  else
    say "left behind after stop:"
    printf '%s\n' "$left" | sed 's/^/  | /' >&2
    exit 1
  fi
}

status() {
  local pid
  if pid=$(daemon_pid) && answers; then
    echo "running (pid $pid) at $host"
    return 0
  fi
  if pid=$(daemon_pid); then
    echo "dockerd (pid $pid) runs but does not answer at $sock"
  else
    echo "not running ($host)"
  fi
  return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) echo "export DOCKER_HOST=$host" ;;
  leftovers) leftovers ;;
  *)
    echo "usage: bash $0 start|stop|status|env|leftovers" >&2
    exit 2
    ;;
esac
