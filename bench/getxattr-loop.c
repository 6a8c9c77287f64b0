// One request round trip, timed: lgetxattr of an xattr the file does not have, COUNT times, and the mean in
// microseconds. No filesystem caches that answer (the kernel asks a FUSE server every time, as it does for
// security.capability before the first write of a file and at every chown), so through FUSE this is the cost of a
// request that does almost nothing: what the untar row pays about eight times per file.
// Usage: getxattr-loop FILE COUNT
#include <stdio.h>
#include <stdlib.h>
#include <sys/xattr.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s FILE COUNT\n", argv[0]);
        return 2;
    }
    long count = atol(argv[2]);
    for (long i = 0; i < count / 10; i++) // warm-up: the path's dentries, the server's node
        lgetxattr(argv[1], "user.strata.absent", NULL, 0);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < count; i++)
        lgetxattr(argv[1], "user.strata.absent", NULL, 0);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("%.3f\n", ns / 1e3 / count);
    return 0;
}
