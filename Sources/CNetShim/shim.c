#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/uio.h>
#include <errno.h>
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
