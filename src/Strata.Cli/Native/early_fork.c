// "strata mount" in the published (Native AOT) binary: the background server is forked before the .NET runtime
// starts, instead of being started again as a second executable once it has.
//
// A mount used to be two runtime starts one after the other: the command's, and then the server's, which it
// started with the hidden flag and waited for (Daemon.cs). The runtime cannot fork once it runs (its threads
// are not copied; a server forked from managed code died at its first collection), but this function runs from
// the executable's init array, before main() and so before the runtime exists, while the process has one
// thread. Here the command forks: the child goes on into main() as the server would have started, with argv[1]
// turned into the hidden flag (MountCommand.DaemonChildFlag), and this process does what
// Daemon.StartAndWaitForReady does for the JIT build: it passes the child's stderr on, waits for its one line
// on stdout ("READY", or "ERROR code message") and exits with its verdict, never starting the runtime at all.
//
// Only the background form of "strata mount" (no -f, -d or --help) is forked; everything else runs as before.

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char daemon_child_flag[] = "--serve-detached";

static int is_background_mount(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "mount") != 0)
        return 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0) {
            i++; // its value, whatever it looks like
            continue;
        }
        if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "-h") == 0
            || strcmp(argv[i], "--help") == 0)
            return 0;
    }
    return 1;
}

// Whatever the loader or a library constructor did, a fork is only safe while this is the only thread.
static int is_single_threaded(void)
{
    DIR *tasks = opendir("/proc/self/task");
    if (tasks == NULL)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(tasks)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(tasks);
    return n == 1;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; // a caller that closed its stderr reads nothing more
        p += w;
        n -= (size_t)w;
    }
}

// Reads what fd has into buf[*used..cap): 1 while it stays open, 0 at its end (or on an error).
static int read_some(int fd, char *buf, size_t *used, size_t cap)
{
    ssize_t n;
    do
        n = read(fd, buf + *used, cap - *used);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return 0;
    *used += (size_t)n;
    return 1;
}

static _Noreturn void wait_for_verdict(pid_t child, int out, int err)
{
    char line[16384];
    size_t used = 0;
    int line_done = 0;
    struct pollfd fds[2] = { { .fd = out, .events = POLLIN }, { .fd = err, .events = POLLIN } };
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[1].revents != 0) {
            char chunk[4096];
            size_t n = 0;
            if (read_some(err, chunk, &n, sizeof chunk))
                write_all(STDERR_FILENO, chunk, n);
            else
                fds[1].fd = -1;
        }
        if (fds[0].revents != 0) {
            int open = read_some(out, line, &used, sizeof line - 1);
            char *newline = memchr(line, '\n', used);
            if (newline != NULL || !open || used == sizeof line - 1) {
                line[newline != NULL ? (size_t)(newline - line) : used] = '\0';
                line_done = 1;
                if (strcmp(line, "READY") == 0)
                    _exit(0);
                fds[0].fd = -1; // the verdict is in: only stderr is left to pass on until the child ends
            }
        }
    }

    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (line_done && strncmp(line, "ERROR ", 6) == 0) {
        char *end;
        long code = strtol(line + 6, &end, 10);
        const char *message = *end == ' ' ? end + 1 : line + 6;
        dprintf(STDERR_FILENO, "strata: %s\n", message);
        _exit(end != line + 6 && code > 0 && code < 256 ? (int)code : 1);
    }
    int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    dprintf(STDERR_FILENO, "strata: the server process ended before the mount was live (exit code %d)\n", exit_code);
    _exit(1);
}

__attribute__((constructor)) static void strata_early_fork(int argc, char **argv, char **envp)
{
    (void)envp;
    if (argv == NULL || !is_background_mount(argc, argv) || !is_single_threaded())
        return;
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) < 0)
        return;
    if (pipe2(err, O_CLOEXEC) < 0) {
        close(out[0]);
        close(out[1]);
        return;
    }
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t child = null < 0 ? -1 : fork();
    if (child < 0) {
        // No fork: the runtime starts the server as a second executable, as without this.
        if (null >= 0)
            close(null);
        close(out[0]);
        close(out[1]);
        close(err[0]);
        close(err[1]);
        return;
    }
    if (child == 0) {
        // The server: its stdin, stdout and stderr are ours (never the caller's, which it would keep open for as
        // long as it serves), and no descriptor the caller left open without O_CLOEXEC.
        dup2(null, STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        close_range(3, ~0U, 0);
        argv[1] = daemon_child_flag;
        return;
    }
    close(null);
    close(out[1]);
    close(err[1]);
    // As the runtime does: a caller that closed its end of our stderr must not kill us before the verdict.
    signal(SIGPIPE, SIG_IGN);
    wait_for_verdict(child, out[0], err[0]);
}
