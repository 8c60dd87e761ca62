/*
 * infile.c - open an input without hanging on it: a FIFO with no writer
 * would block open() forever, and every reader here refuses FIFOs anyway.
 * The file is opened non-blocking, described with fstat, and then made
 * blocking again, so a regular file reads as usual and the caller can turn
 * anything else away at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

int mm_open_input(const char *path, struct stat *sb)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (fstat(fd, sb) != 0 || flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}
