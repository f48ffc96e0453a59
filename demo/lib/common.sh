# shellcheck shell=bash
# What demo/demo, demo/test, demo/scenario and demo/record share: the
# packages they need, the toolchain, the binary, and a RingChat cluster in
# a private tmux server on loopback multicast.
#
# Nothing here leaves the machine: the group is a random 239.x address
# joined on 127.0.0.1 with TTL 1, and tmux runs on its own -L socket.

RC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export LANG=C.UTF-8 LC_ALL=C.UTF-8

# The one-line help at the bottom of the demo's tmux window.
RC_HELP=" keys: F2 checkpoint · F3 token log · F9 simulated crash · /help · /me · Ctrl-b o (or a click) next pane · Ctrl-b d leaves the demo "

# rc_q WORD: WORD quoted for a shell command string (tmux runs its pane
# commands through sh -c), so that a checkout or state dir anywhere, spaces
# and all, stays one word.
rc_q() { printf '%q' "$1"; }

rc_say() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
rc_die() { rc_say "$*"; exit 1; }

# rc_require PACKAGE... : Debian packages that must be installed. Missing
# ones are installed with apt-get when running as root; otherwise the exact
# command is printed and the script stops.
rc_require() {
  local missing=() p
  for p in "$@"; do rc_installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    rc_say "missing Debian packages: ${missing[*]}"
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    rc_say "run that, then this command again"
    exit 1
  fi
  rc_say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Whether a package is there: by the command or file it brings (so that a
# tool installed another way counts), else by dpkg's records.
rc_installed() {
  case $1 in
    tmux | aha | chromium | asciinema | python3) command -v "$1" >/dev/null ;;
    iproute2) command -v ip >/dev/null ;;
    libncurses-dev) [ -e /usr/include/ncursesw/curses.h ] || [ -e /usr/include/ncurses.h ] ;;
    libsqlite3-dev) [ -e /usr/include/sqlite3.h ] ;;
    locales) locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' ;;
    *) dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed' ;;
  esac
}

# Puts a Swift toolchain on PATH (the one on PATH, else /opt/swift).
rc_swift() {
  command -v swift >/dev/null && return 0
  if [ -x /opt/swift/usr/bin/swift ]; then
    export PATH=/opt/swift/usr/bin:$PATH
    return 0
  fi
  rc_die "no Swift toolchain: install Swift 6 and put its usr/bin on PATH"
}

# The ringchat binary: $RINGCHAT_BIN when set, else a fresh release build.
rc_binary() {
  if [ -n "${RINGCHAT_BIN:-}" ]; then
    [ -x "$RINGCHAT_BIN" ] || rc_die "RINGCHAT_BIN=$RINGCHAT_BIN is not an executable"
    RC_BIN=$(cd "$(dirname "$RINGCHAT_BIN")" && pwd)/$(basename "$RINGCHAT_BIN")
    return 0
  fi
  rc_swift
  rc_say "building ringchat (release)…"
  (cd "$RC_ROOT" && swift build -c release --product ringchat >&2) || rc_die "the build failed"
  RC_BIN=$RC_ROOT/.build/release/ringchat
}

# A random administratively scoped group and port, so that two demos (or a
# demo and the tests) never share a ring.
rc_random_group() {
  echo "239.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1)):$((RANDOM % 20000 + 30000))"
}

# ---- the cluster in tmux ------------------------------------------------

RC_NICKS=(alice bob carol)
declare -gA RC_PANE

rc_tmux() { tmux -L "$RC_SOCK" "$@"; }

# Ends the private tmux server and removes its socket file (tmux leaves it).
rc_tmux_kill() {
  rc_tmux kill-server 2>/dev/null || true
  rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$RC_SOCK"
}

# rc_cluster_up STATE GROUP WIDTH HEIGHT MODE: a `ringchat server` and three
# participants (the TUI) in one window, the participants side by side on
# top and the server's log below, with the demo settings: receive delay
# 20-300 ms (datagrams arrive out of order), an idle token held 400 ms so
# that the eye can follow it, a checkpoint every 15 s. MODE `restart` wraps
# each participant in a loop that offers to start it again after it quits;
# `status` runs each node (server included) once and writes its exit status
# to STATE/NAME.exit when it ends (the node is the pane process's child).
rc_cluster_up() {
  local state=$1 group=$2 width=$3 height=$4 mode=$5
  RC_STATE=$state
  RC_COMMON="--group $group --interface 127.0.0.1 --delay 20-300 --token-hold 400 --checkpoint-every 15"
  mkdir -p "$state"
  rc_tmux -f /dev/null new-session -d -s ringchat -x "$width" -y "$height" -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 \
    "$(rc_chat_command alice "$mode")" || rc_die "tmux new-session failed"
  rc_tmux set -g default-terminal screen-256color
  rc_tmux set -g remain-on-exit on
  rc_tmux set -g allow-rename off
  rc_tmux set -g mouse on
  rc_tmux set -g history-limit 2000
  rc_tmux set -g pane-border-status top
  rc_tmux set -g pane-border-format ' #{pane_title} '
  rc_tmux set -g status-position bottom
  rc_tmux set -g status-style 'bg=colour236,fg=colour250'
  rc_tmux set -g status-left-length 300
  rc_tmux set -g status-left "$RC_HELP"
  rc_tmux set -g status-right ''
  rc_tmux set -g window-status-format ''
  rc_tmux set -g window-status-current-format ''
  rc_tmux set-environment -g LANG C.UTF-8
  RC_PANE[alice]=$(rc_tmux display -p -t ringchat '#{pane_id}')
  # Bottom strip for the server, then three columns of equal width.
  local server_rows=$((height / 5 < 7 ? 7 : height / 5))
  RC_PANE[server]=$(rc_tmux split-window -v -d -P -F '#{pane_id}' -t "${RC_PANE[alice]}" -l "$server_rows" \
    "$(rc_status_wrap server "$mode" "$(rc_q "$RC_BIN") server $RC_COMMON --state-dir $(rc_q "$state/server")")")
  local col=$(((width - 2) / 3))
  RC_PANE[bob]=$(rc_tmux split-window -h -d -P -F '#{pane_id}' -t "${RC_PANE[alice]}" -l $((width - col - 1)) \
    "$(rc_chat_command bob "$mode")")
  RC_PANE[carol]=$(rc_tmux split-window -h -d -P -F '#{pane_id}' -t "${RC_PANE[bob]}" -l "$col" \
    "$(rc_chat_command carol "$mode")")
  local n
  for n in alice bob carol; do rc_tmux select-pane -t "${RC_PANE[$n]}" -T "$n"; done
  rc_tmux select-pane -t "${RC_PANE[server]}" -T "server (ringchat server: an always-on peer and archive)"
  rc_tmux select-pane -t "${RC_PANE[alice]}"
  rc_tmux set-environment -g RINGCHAT_DEMO_STATE "$state"
}

rc_chat_command() {
  local nick=$1 mode=$2
  local cmd
  cmd="$(rc_q "$RC_BIN") chat $RC_COMMON --nick $nick --state-dir $(rc_q "$RC_STATE/$nick")"
  if [ "$mode" = status ]; then
    rc_status_wrap "$nick" status "$cmd 2>>$(rc_q "$RC_STATE/$nick.err")"
  else
    echo "while :; do $cmd; echo; echo \"ringchat exited (\$?): Enter starts $nick again on the same state; Ctrl-b d leaves the demo\"; read -r _ || exit; done"
  fi
}

# In `status` mode: CMD, then its exit status into STATE/NAME.exit (a file
# that appears only once the node has ended: tmux may be slow to reap).
rc_status_wrap() {
  local name=$1 mode=$2 cmd=$3
  if [ "$mode" = status ]; then
    local final tmp
    final=$(rc_q "$RC_STATE/$name.exit") tmp=$(rc_q "$RC_STATE/$name.exit.tmp")
    echo "rm -f $final; $cmd; echo \$? >$tmp && mv $tmp $final"
  else
    echo "exec $cmd"
  fi
}

# The visible screen of a pane, one line per row.
rc_screen() { rc_tmux capture-pane -p -t "$1"; }

# The status bar row of a participant's pane (the second row from the bottom).
rc_status_row() { rc_screen "$1" | tail -n 2 | head -n 1; }

# Waits until every lock in the state dir is released (the nodes are gone),
# at most $1 seconds.
rc_wait_unlocked() {
  local deadline=$((SECONDS + $1)) lock
  for lock in "$RC_STATE"/*/lock; do
    [ -e "$lock" ] || continue
    until flock -n "$lock" true; do
      [ $SECONDS -ge "$deadline" ] && return 1
      sleep 0.1
    done
  done
}
