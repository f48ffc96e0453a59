#ifndef CNCURSES_H
#define CNCURSES_H

/* The wide-character API must be switched on here, before any include:
   SwiftPM ignores the -D flags pkg-config would have added. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1

#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/* Glibc's Swift module hides wcwidth; declare it so Swift can compare. */
int wcwidth(wchar_t c);

/* Function-like macros are invisible to Swift: these wrap them. */
attr_t cnc_color_pair(int pair);
attr_t cnc_a_normal(void);
attr_t cnc_a_bold(void);
attr_t cnc_a_reverse(void);
attr_t cnc_a_dim(void);
attr_t cnc_a_underline(void);
int cnc_key_f(int n);
/* The COLORS global, which Swift 6 refuses to read. */
int cnc_colors(void);
void cnc_getmaxyx(const WINDOW *win, int *rows, int *cols);

/* newterm on the process's stdin/stdout, returning its stdscr (a global
   Swift 6 refuses to read), or NULL where initscr would exit(3) the
   process: not a terminal, or an unknown TERM. */
WINDOW *cnc_init_screen(void);

/* Draws n wide characters at (y, x) with the given attributes and colour
   pair, then restores the window's attributes, so one call per styled
   segment is enough. Returns ERR when the position is off the window. */
int cnc_put(WINDOW *win, int y, int x, const wchar_t *text, int n, attr_t attrs, short pair);

/* After a SIGWINCH the app handled itself (its poll() loop owns the
   signal): reads the size of the terminal on stdout and resizes ncurses'
   windows to it, which also queues KEY_RESIZE. Returns 1 if the size
   changed, 0 if not or if the size cannot be read. */
int cnc_resize_from_tty(void);

/* Codes for the key sequences cnc_define_keys binds (beyond KEY_MAX, so
   never one of ncurses' own). */
enum {
    CNC_KEY_PASTE_START = KEY_MAX + 1,
    CNC_KEY_PASTE_END = KEY_MAX + 2,
    CNC_KEY_CTRL_LEFT = KEY_MAX + 3,
    CNC_KEY_CTRL_RIGHT = KEY_MAX + 4,
};

/* Binds the bracketed-paste brackets (ESC[200~, ESC[201~) and the
   Ctrl-Left/Right sequences of xterm, tmux and rxvt to the codes above:
   terminfo names none of them for every terminal. */
void cnc_define_keys(void);

/* Turns the terminal's bracketed paste mode on (1) or off (0): with it,
   a paste arrives between ESC[200~ and ESC[201~. */
void cnc_bracketed_paste(int on);

/* Reports the wheel only (buttons 4 and 5), at once (no click interval). */
void cnc_enable_wheel(void);

/* After KEY_MOUSE: -1 for a wheel notch up, 1 down, 0 for anything else. */
int cnc_wheel(void);

#endif
