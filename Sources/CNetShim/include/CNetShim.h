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

/* Attaches a classic BPF socket filter that drops, in the kernel, every
   RingChat datagram whose header names `sender` (bytes 5..12 of the UDP
   payload, big-endian, after the "RC" magic): a node's own datagrams,
   which come back through multicast loopback. Anything shorter than
   `header_bytes` or without the magic is let through for the node to
   count. Returns 0, or -1 with errno. */
int rcn_filter_sender(int fd, uint64_t sender, unsigned int header_bytes);

#endif
