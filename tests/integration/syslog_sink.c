/*
 * A stand-in for the syslog daemon, for tests that have none: it binds a Unix datagram socket
 * at SOCKET (where /dev/log would be) and writes each message it receives to stdout as one
 * line, flushed at once, until it is killed.
 *
 *     syslog_sink SOCKET
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        char message[8192];
        ssize_t n;
        int fd;

        if (argc != 2 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
                fputs("usage: syslog_sink SOCKET\n", stderr);
                return 2;
        }
        strcpy(addr.sun_path, argv[1]);
        fd = socket(AF_UNIX, SOCK_DGRAM, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
                perror(argv[1]);
                return 1;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        while ((n = recv(fd, message, sizeof(message) - 1, 0)) >= 0) {
                while (n > 0 && message[n - 1] == '\n')
                        n--;
                message[n] = '\0';
                printf("%s\n", message);
        }
        perror("recv");
        return 1;
}
