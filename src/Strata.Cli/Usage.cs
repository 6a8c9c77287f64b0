namespace Strata.Cli;

internal static class Usage
{
    public const string Text = """
        strata: a union filesystem (kernel overlayfs semantics and on-disk format, served through FUSE)

        usage:
          strata mount [-f] [-d] -o lowerdir=L1:L0[,upperdir=U,workdir=W][,OPTIONS] MOUNTPOINT
              Mounts the layers on MOUNTPOINT like 'mount -t overlay'. Returns once the mount is live and
              keeps serving in the background. -f stays in the foreground; -d logs every request (implies -f).
              Several -o are joined. Without upperdir the mount is read-only.
          strata SOURCE MOUNTPOINT -o OPTIONS
              The mount helper form, as 'mount -t fuse.strata SOURCE MOUNTPOINT -o OPTIONS' runs it.
          strata umount [-l] MOUNTPOINT
              Unmounts (-l: lazily, even while files are open). 'umount' and 'fusermount3 -u' work too.
          strata stats MOUNTPOINT
              The server's counters: requests handled, bytes allocated on the request path, memory.
          strata demo
              Builds the overlay walkthrough's layers in a temp dir, mounts them, shows each step and what
              lands in the upper dir, and unmounts.
          strata pull [--root DIR] [--platform OS/ARCH[/VARIANT]] [--plain-http] [-q] IMAGE
              Fetches an image (OCI or Docker; an index is resolved to the platform, by default the host's)
              into the store, verifies every blob and layer, and unpacks the layers. localhost and 127.0.0.1
              use plain HTTP. Credentials come from ~/.docker/config.json.
          strata images [--root DIR] [-q]
              Lists the images in the store: name, tag, image id, created, size, layers.
          strata inspect [--root DIR] [--manifest | --config] IMAGE
              Shows an image's manifest and config, and per layer its digest, diff id, chain id, size,
              created_by and dir in the store. --manifest and --config print that JSON as stored.
              The store is --root DIR, else $STRATA_ROOT, else /var/lib/strata.
          strata --version

        """;
}
