#include "CNCurses.h"
#include <sys/ioctl.h>
#include <unistd.h>

attr_t cnc_color_pair(int pair) { return (attr_t)COLOR_PAIR(pair); }
attr_t cnc_a_normal(void) { return (attr_t)A_NORMAL; }
attr_t cnc_a_bold(void) { return (attr_t)A_BOLD; }
attr_t cnc_a_reverse(void) { return (attr_t)A_REVERSE; }
attr_t cnc_a_dim(void) { return (attr_t)A_DIM; }
attr_t cnc_a_underline(void) { return (attr_t)A_UNDERLINE; }
int cnc_key_f(int n) { return KEY_F(n); }

int cnc_colors(void) { return COLORS; }

void cnc_getmaxyx(const WINDOW *win, int *rows, int *cols) {
    *rows = getmaxy(win);
    *cols = getmaxx(win);
}

int cnc_put(WINDOW *win, int y, int x, const wchar_t *text, int n, attr_t attrs, short pair) {
    if (wmove(win, y, x) == ERR) return ERR;
    wattr_set(win, attrs, pair, NULL);
    int rc = waddnwstr(win, text, n);
    wattr_set(win, A_NORMAL, 0, NULL);
    return rc;
}

WINDOW *cnc_init_screen(void) {
    SCREEN *screen = newterm(NULL, stdout, stdin);
    if (screen == NULL) return NULL;
    set_term(screen);
    return stdscr;
}

int cnc_resize_from_tty(void) {
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return 0;
    if (!is_term_resized(ws.ws_row, ws.ws_col)) return 0;
    resizeterm(ws.ws_row, ws.ws_col);
    return 1;
}

void cnc_define_keys(void) {
    define_key("\033[200~", CNC_KEY_PASTE_START);
    define_key("\033[201~", CNC_KEY_PASTE_END);
    define_key("\033[1;5D", CNC_KEY_CTRL_LEFT);
    define_key("\033[1;5C", CNC_KEY_CTRL_RIGHT);
    define_key("\033Od", CNC_KEY_CTRL_LEFT);
    define_key("\033Oc", CNC_KEY_CTRL_RIGHT);
}

void cnc_bracketed_paste(int on) {
    fputs(on ? "\033[?2004h" : "\033[?2004l", stdout);
    fflush(stdout);
}

void cnc_enable_wheel(void) {
    mousemask(BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
}

int cnc_wheel(void) {
    MEVENT e;
    if (getmouse(&e) != OK) return 0;
    if (e.bstate & BUTTON4_PRESSED) return -1;
    if (e.bstate & BUTTON5_PRESSED) return 1;
    return 0;
}
