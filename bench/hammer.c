/*
 * hammer: the benchmark's inner loops, timed inside one process so that no process start is
 * measured (see bench/run). Prints the elapsed wall time in seconds.
 *
 *   hammer stat COUNT PATH      stat(PATH) COUNT times
 *   hammer read COUNT PATH      open, read all, close PATH COUNT times (as cat does)
 *   hammer touch PATH...        touch each PATH once (open O_CREAT, futimens, close)
 *   hammer write VALUE PATH...  write "VALUE\n" to each PATH once (open O_TRUNC, write, close)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const char *what, const char *path)
{
        fprintf(stderr, "hammer: %s %s: %s\n", what, path, strerror(errno));
        return 1;
}

int main(int argc, char **argv)
{
        char buf[65536];
        struct stat st;
        double t0;
        long count, i;
        ssize_t n;
        int fd;

        if (argc < 3 || (strcmp(argv[1], "touch") != 0 && strcmp(argv[1], "write") != 0 &&
                         argc != 4)) {
                fprintf(stderr, "usage: hammer stat|read COUNT PATH | hammer touch PATH... | "
                        "hammer write VALUE PATH...\n");
                return 2;
        }
        t0 = now();
        if (strcmp(argv[1], "write") == 0) {
                n = snprintf(buf, sizeof(buf), "%s\n", argv[2]);
                for (i = 3; i < argc; i++) {
                        fd = open(argv[i], O_WRONLY | O_TRUNC);
                        if (fd < 0 || write(fd, buf, (size_t)n) != n || close(fd) < 0)
                                return fail("write", argv[i]);
                }
        } else if (strcmp(argv[1], "touch") == 0) {
                for (i = 2; i < argc; i++) {
                        fd = open(argv[i], O_WRONLY | O_CREAT | O_NOCTTY | O_NONBLOCK, 0666);
                        if (fd < 0 || futimens(fd, NULL) < 0)
                                return fail("touch", argv[i]);
                        close(fd);
                }
        } else {
                count = strtol(argv[2], NULL, 10);
                for (i = 0; i < count; i++) {
                        if (strcmp(argv[1], "stat") == 0) {
                                if (stat(argv[3], &st) < 0)
                                        return fail("stat", argv[3]);
                                continue;
                        }
                        fd = open(argv[3], O_RDONLY);
                        if (fd < 0)
                                return fail("open", argv[3]);
                        while ((n = read(fd, buf, sizeof(buf))) > 0)
                                ;
                        if (n < 0)
                                return fail("read", argv[3]);
                        close(fd);
                }
        }
        printf("%.6f\n", now() - t0);
        return 0;
}
