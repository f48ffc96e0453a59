#!/usr/bin/env bash
# A scripted RingChat demo on this machine only (loopback multicast):
# three participants and a server in one private tmux session, with an
# artificial delay so packets arrive out of order and a slow idle token so
# you can watch it move. It types a short conversation, forces a checkpoint
# (F2), simulates a crash (F9) and saves what each screen showed in
# Assets/demo/ (plain text and, with -e, the colours as ANSI escapes).
#
#   demo/demo.sh            run the script, save the screens, stop
#   demo/demo.sh --attach   same, then attach so you can keep chatting
#                           (detach with C-b d; the session is left running,
#                           end it with: tmux -L ringchat-demo kill-server)
set -euo pipefail
cd "$(dirname "$0")/.."

attach=no
[ "${1:-}" = "--attach" ] && attach=yes

swift build -c release --product ringchat >/dev/null
bin=$PWD/.build/release/ringchat
sock=ringchat-demo
state=$(mktemp -d /tmp/ringchat-demo.XXXXXX)
group="239.77.$((RANDOM % 200 + 20)).$((RANDOM % 200 + 20)):$((RANDOM % 20000 + 30000))"
out=Assets/demo
mkdir -p "$out"
server_pid=

cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  if [ "$attach" = no ]; then tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$state"; fi
}
trap cleanup EXIT

common=(--group "$group" --interface 127.0.0.1 --delay 20-300 --token-hold 400 --checkpoint-every 15)
"$bin" server "${common[@]}" --state-dir "$state/server" >"$state/server.log" 2>&1 &
server_pid=$!

export LANG=C.UTF-8
tmux -L "$sock" kill-server 2>/dev/null || true
pane=()
pane[0]=$(tmux -L "$sock" new-session -d -P -F '#{pane_id}' -s demo -x 160 -y 48 -e LANG=C.UTF-8 \
  "$bin chat ${common[*]} --nick alice --state-dir $state/alice")
pane[1]=$(tmux -L "$sock" split-window -h -P -F '#{pane_id}' -t "${pane[0]}" -e LANG=C.UTF-8 \
  "$bin chat ${common[*]} --nick bob --state-dir $state/bob")
pane[2]=$(tmux -L "$sock" split-window -v -P -F '#{pane_id}' -t "${pane[0]}" -e LANG=C.UTF-8 \
  "$bin chat ${common[*]} --nick carol --state-dir $state/carol")
pane[3]=$(tmux -L "$sock" split-window -v -P -F '#{pane_id}' -t "${pane[1]}" "tail -f $state/server.log")

say() { tmux -L "$sock" send-keys -t "${pane[$1]}" -l "$2"; tmux -L "$sock" send-keys -t "${pane[$1]}" Enter; sleep "${3:-1.5}"; }
key() { tmux -L "$sock" send-keys -t "${pane[$1]}" "$2"; }
snap() {
  for p in 0 1 2 3; do
    tmux -L "$sock" capture-pane -p -t "${pane[$p]}" >"$out/$1-pane$p.txt"
    tmux -L "$sock" capture-pane -p -e -t "${pane[$p]}" >"$out/$1-pane$p.ansi"
  done
}

sleep 3
say 0 "olá! token ring chat — ação 日本語 🎉"
say 1 "hi alice, bob here"
say 2 "/me waves"
say 1 "everyone sees the same order, even with --delay 20-300"
snap 1-conversation
key 2 F2; sleep 1.5
snap 2-checkpoint
say 0 "while carol crashes…" 0.2
tmux -L "$sock" send-keys -t "${pane[2]}" -l "an unsent draft"
key 2 F9; sleep 3
snap 3-crash-restore
say 1 "/who" 1.5
snap 4-who
echo "screens saved in $out/"
if [ "$attach" = yes ]; then tmux -L "$sock" attach -t demo; fi
