#ifndef CNCURSES_H
#define CNCURSES_H
/* Placeholder: the ncursesw wrapper is filled in by the TUI work. */
#endif
