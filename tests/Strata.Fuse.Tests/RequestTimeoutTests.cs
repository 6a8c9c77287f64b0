using System.Diagnostics;
using Strata.Posix;

namespace Strata.Fuse.Tests;

/// <summary>A server that stops answering fails its callers after the request timeout instead of hanging them.</summary>
public sealed class RequestTimeoutTests
{
    [Fact]
    public void AHungRequestAbortsTheConnectionAfterTheTimeout()
    {
        var fs = new HangingFileSystem();
        using var m = new MountedFileSystem(fs, requestTimeout: TimeSpan.FromSeconds(1));
        try
        {
            Assert.True(m.Server.Connection!.Flags.HasFlag(FuseInitFlags.RequestTimeout), "the kernel did not grant FUSE_REQUEST_TIMEOUT");
            var clock = Stopwatch.StartNew();
            int r = Posix.Posix.Stat(m.PathOf("hangs"), out _);
            clock.Stop();
            // ECONNABORTED: the kernel gave up on the request and ended the connection.
            Assert.Equal(-103, r);
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(45));
            Assert.Equal(-Errno.ENOTCONN, Posix.Posix.Stat(m.Directory, out _));
        }
        finally
        {
            fs.Unblock.Set(); // let the stuck handler return so its reader can end
        }
    }

    /// <summary>Answers the root; a lookup of any name blocks until released (at most a minute).</summary>
    private sealed class HangingFileSystem : FuseFileSystem
    {
        public ManualResetEventSlim Unblock { get; } = new(false);

        public override int GetAttr(in FuseRequestContext ctx, ulong nodeId, ulong? fh, ref FuseAttrOut attr)
        {
            attr.Attr.Ino = nodeId;
            attr.Attr.Mode = FileType.S_IFDIR | 0x1ED;
            attr.Attr.NLink = 2;
            return 0;
        }

        public override int Lookup(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, ref FuseEntryOut entry)
        {
            Unblock.Wait(TimeSpan.FromMinutes(1));
            return -Errno.ENOENT;
        }
    }
}
