#!/usr/bin/env python3
"""Turns one snapshot of the demo's tmux window (demo/scenario --snapshots)
into an HTML page laid out like the window, for a headless browser to
screenshot.

Each pane's screen, captured with its colours (`tmux capture-pane -e`), goes
through `aha` (ANSI to HTML). Every cell keeps the terminal's geometry: the
panes sit at tmux's own coordinates, and each non-ASCII character is put in
a box of exactly the columns the terminal gave it (1, or 2 for CJK and
emoji), whatever the width of the font's glyph.

usage: render_snapshot.py SNAPSHOT_DIR HELP_LINE > page.html
"""
import html
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

CELL_W, CELL_H, FONT_PX = 8, 19, 16
PAD = 10


def sgr_dim_to_grey(ansi: str) -> str:
    """aha ignores SGR 2 (dim): draw dimmed text in grey instead."""
    def fix(m):
        params = m.group(1).split(";") if m.group(1) else ["0"]
        out, i = [], 0
        while i < len(params):
            p = params[i]
            if p in ("38", "48") and i + 1 < len(params):
                n = 3 if params[i + 1] == "5" else 5
                out += params[i:i + n]
                i += n
                continue
            out.append("38;5;244" if p == "2" else p)
            i += 1
        return "\x1b[" + ";".join(out) + "m"
    return re.sub(r"\x1b\[([0-9;]*)m", fix, ansi)


def columns(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def boxed(fragment: str) -> str:
    """Puts every non-ASCII character (outside tags) in a fixed-width box."""
    out = []
    for part in re.split(r"(<[^>]*>)", fragment):
        if part.startswith("<"):
            out.append(part)
            continue
        for ch in part:
            if ord(ch) < 0x80:
                out.append(ch)
            elif unicodedata.category(ch) in ("Mn", "Me", "Cf") or 0xFE00 <= ord(ch) <= 0xFE0F:
                out.append(ch)  # joins the previous box's character
            else:
                out.append(f'<span class="c{columns(ch)}">{ch}</span>')
    return "".join(out)


def pane_html(ansi_path: Path, rows: int) -> str:
    ansi = sgr_dim_to_grey(ansi_path.read_text(encoding="utf-8"))
    lines = ansi.split("\n")[:rows]
    ansi = "\n".join(lines)
    frag = subprocess.run(["aha", "--no-header"], input=ansi.encode(), capture_output=True, check=True).stdout.decode()
    return boxed(frag)


def main() -> None:
    snap = Path(sys.argv[1])
    help_line = sys.argv[2]
    win_w, win_h = map(int, (snap / "window").read_text().split())
    parts = []
    for line in (snap / "layout").read_text().splitlines():
        pid, left, top, width, height, title = line.split(" ", 5)
        left, top, width, height = map(int, (left, top, width, height))
        nick = title.split(" ")[0]
        x, y = PAD + left * CELL_W, PAD + top * CELL_H
        parts.append(f'<div class="title" style="left:{x}px;top:{y - CELL_H}px;width:{width * CELL_W}px">'
                     f'<span>{html.escape(title)}</span></div>')
        body = pane_html(snap / f"{nick}.ansi", height)
        parts.append(f'<pre class="pane" style="left:{x}px;top:{y}px;width:{width * CELL_W}px;'
                     f'height:{height * CELL_H}px">{body}</pre>')
    y = PAD + win_h * CELL_H
    parts.append(f'<pre class="help" style="left:{PAD}px;top:{y}px;width:{win_w * CELL_W}px">'
                 f'{boxed(html.escape(help_line))}</pre>')
    page_w, page_h = 2 * PAD + win_w * CELL_W, 2 * PAD + (win_h + 1) * CELL_H
    print(f"""<!doctype html>
<html><head><meta charset="utf-8"><style>
html, body {{ margin: 0; width: {page_w}px; height: {page_h}px; background: #101010; overflow: hidden; }}
pre, div {{ position: absolute; margin: 0; font: {FONT_PX}px/{CELL_H}px 'Noto Sans Mono CJK SC', 'Noto Color Emoji', monospace;
  white-space: pre; overflow: hidden; }}
.pane {{ background: #1c1c1c; color: #d0d0d0; }}
.title {{ height: {CELL_H}px; border-bottom: 1px solid #3a3a3a; box-sizing: border-box; color: #8a8a8a; }}
.title span {{ background: #101010; padding: 0 4px; margin-left: 8px; }}
.help {{ background: #303030; color: #bcbcbc; height: {CELL_H}px; }}
/* Fixed boxes, top-aligned: a taller glyph (emoji) never grows its row. */
.c1, .c2 {{ display: inline-block; text-align: center; overflow: visible; height: {CELL_H}px; line-height: {CELL_H}px;
  vertical-align: top; }}
/* A narrow character gets a Latin monospace glyph (a CJK font would draw
   ambiguous-width ones such as the middle dot full width). */
.c1 {{ width: {CELL_W}px; font-family: 'DejaVu Sans Mono', 'Noto Sans Mono CJK SC', 'Noto Color Emoji', monospace; }}
.c2 {{ width: {2 * CELL_W}px; }}
</style></head><body>
{chr(10).join(parts)}
</body></html>""")
    print(f"{page_w} {page_h}", file=sys.stderr)


if __name__ == "__main__":
    main()
