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
   RingChat datagram whose header names `sender`: a node's own datagrams,
   which come back through multicast loopback. The header layout is not
   known here: the caller passes it from Swift's `WireHeader` (the big-endian
   16-bit `magic` at `magic_offset` of the UDP payload, the big-endian
   64-bit sender at `sender_offset`, `header_bytes` in all). Anything
   shorter than `header_bytes` or without the magic is let through for the
   node to count. Returns 0, or -1 with errno (EINVAL for a layout that
   does not fit in the header). */
int rcn_filter_sender(int fd, uint64_t sender, unsigned int header_bytes,
                      unsigned int magic_offset, uint16_t magic, unsigned int sender_offset);

/* Waits up to `nanos` nanoseconds for `fd` to be readable (ppoll: poll()
   counts in milliseconds). Returns 1 readable, 0 timed out, -1 with errno. */
int rcn_wait_readable(int fd, long nanos);

/* Writes what `fd` takes of `len` bytes without waiting (pwritev2 with
   RWF_NOWAIT: a pipe without room answers EAGAIN, a full-enough one a
   short count). Returns the count, or -1 with errno (EOPNOTSUPP where the
   descriptor cannot do it). */
long rcn_write_nowait(int fd, const void *buf, unsigned long len);

#endif
