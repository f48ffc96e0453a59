#ifndef CNETSHIM_H
#define CNETSHIM_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* sendmmsg() needs _GNU_SOURCE, which Glibc's Swift module does not set:
   one call sends `count` datagrams to `dest` (what a holder's turn
   produces). Returns how many were sent, or -1 with errno. */
int rcn_send_many(int fd, const struct sockaddr_in *dest, const uint8_t *const *bufs,
                  const size_t *lens, unsigned int count);

#endif
