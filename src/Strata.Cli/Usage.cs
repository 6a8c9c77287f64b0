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
              Unmounts a Strata mount or a mount-image mount (-l: lazily, even while files are open). 'umount' and 'fusermount3 -u' work too.
          strata stats MOUNTPOINT
              The server's counters: requests handled, bytes allocated on the request path, memory.
          strata demo
              Builds the overlay walkthrough's layers in a temp dir, mounts them, shows each step and what
              lands in the upper dir, and unmounts.
          strata pull [--root DIR] [--platform OS/ARCH[/VARIANT]] [--plain-http] [--no-devices] [-q] IMAGE
              Fetches an image (OCI or Docker; an index is resolved to the platform, by default the host's)
              into the store, verifies every blob and layer, and unpacks the layers. localhost and 127.0.0.1
              use plain HTTP. Credentials come from ~/.docker/config.json.
          strata images [--root DIR] [-q]
              Lists the images in the store: name, tag, image id, created, size, layers.
          strata inspect [--root DIR] [--manifest | --config] IMAGE
              Shows an image's manifest and config, and per layer its digest, diff id, chain id, size,
              created_by and dir in the store. --manifest and --config print that JSON as stored.
          strata mount-image [--root DIR] [--driver strata|kernel] IMAGE ROOTFS
              Makes a new writable layer in the store and mounts it over the image's layers at ROOTFS: with
              our server (strata, the default: any number of layers) or with kernel overlayfs (kernel).
          strata diff [--root DIR] ROOTFS
              What the writable layer at ROOTFS changed, as 'docker diff': A (added), C (changed), D (deleted).
          strata rmi [--root DIR] IMAGE
              Removes an image and the layers and blobs nothing else uses (refused while a writable layer uses it).
          strata prune [--root DIR]
              Removes writable layers whose mount is gone, then the layers and blobs no image uses.
              The store is --root DIR, else $STRATA_ROOT, else /var/lib/strata.
          strata --version

        """;
}
