#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <errno.h>
#include <poll.h>
#include <time.h>
#ifdef __linux__
#include <linux/filter.h>
#endif
#include "CNetShim.h"

enum { RCN_MAX = 64 };

int rcn_send_many(int fd, const struct sockaddr_in *dest, const uint8_t *const *bufs,
                  const size_t *lens, unsigned int count) {
    struct mmsghdr msgs[RCN_MAX];
    struct iovec iovs[RCN_MAX];
    unsigned int sent = 0;
    while (sent < count) {
        unsigned int n = count - sent < RCN_MAX ? count - sent : RCN_MAX;
        for (unsigned int i = 0; i < n; i++) {
            iovs[i].iov_base = (void *)bufs[sent + i];
            iovs[i].iov_len = lens[sent + i];
            msgs[i].msg_hdr = (struct msghdr){
                .msg_name = (void *)dest, .msg_namelen = sizeof *dest,
                .msg_iov = &iovs[i], .msg_iovlen = 1,
            };
            msgs[i].msg_len = 0;
        }
        int r = sendmmsg(fd, msgs, n, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            return sent > 0 ? (int)sent : -1;
        }
        if (r == 0) break;
        sent += (unsigned int)r;
        if ((unsigned int)r < n) break;
    }
    return (int)sent;
}

int rcn_filter_sender(int fd, uint64_t sender, unsigned int header_bytes,
                      unsigned int magic_offset, uint16_t magic, unsigned int sender_offset) {
    if (magic_offset + 2 > header_bytes || sender_offset + 8 > header_bytes) {
        errno = EINVAL;
        return -1;
    }
#ifndef __linux__
    (void)fd; (void)sender; (void)magic;
    errno = ENOSYS;   /* no classic BPF socket filters: the node drops its echoes itself */
    return -1;
#else
    /* A UDP socket's filter sees the packet from its UDP header (8 bytes);
       BPF_LEN is that header plus the payload. */
    enum { UDP = 8 };
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, UDP + header_bytes, 0, 7),  /* short: keep */
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, UDP + magic_offset),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, magic, 0, 5),               /* the magic, else keep */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, UDP + sender_offset),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(sender >> 32), 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, UDP + sender_offset + 4),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)sender, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0),                                    /* ours: drop */
        BPF_STMT(BPF_RET | BPF_K, 0xFFFFFFFF),                           /* keep */
    };
    struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
#endif
}

int rcn_wait_readable(int fd, long nanos) {
    struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };
    struct timespec ts = { .tv_sec = nanos / 1000000000L, .tv_nsec = nanos % 1000000000L };
    int n = ppoll(&p, 1, &ts, NULL);
    if (n <= 0) return n;
    return (p.revents & (POLLIN | POLLHUP | POLLERR)) ? 1 : 0;
}

long rcn_write_nowait(int fd, const void *buf, unsigned long len) {
#if defined(__linux__) && defined(RWF_NOWAIT)
    struct iovec v = { .iov_base = (void *)buf, .iov_len = len };
    return (long)pwritev2(fd, &v, 1, -1, RWF_NOWAIT);
#else
    (void)fd; (void)buf; (void)len;
    errno = EOPNOTSUPP;
    return -1;
#endif
}
