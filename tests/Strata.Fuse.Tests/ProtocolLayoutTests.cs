using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Strata.Fuse.Tests;

/// <summary>The structs must match include/uapi/linux/fuse.h byte for byte.</summary>
public class ProtocolLayoutTests
{
    [Fact]
    public void StructSizesMatchTheKernel()
    {
        Assert.Equal(40, Unsafe.SizeOf<FuseInHeader>());
        Assert.Equal(16, Unsafe.SizeOf<FuseOutHeader>());
        Assert.Equal(88, Unsafe.SizeOf<FuseAttr>());
        Assert.Equal(128, Unsafe.SizeOf<FuseEntryOut>());
        Assert.Equal(104, Unsafe.SizeOf<FuseAttrOut>());
        Assert.Equal(16, Unsafe.SizeOf<FuseOpenOut>());
        Assert.Equal(88, Unsafe.SizeOf<FuseSetAttrIn>());
        Assert.Equal(80, Unsafe.SizeOf<FuseKStatfs>());
        Assert.Equal(64, Unsafe.SizeOf<FuseInitIn>());
        Assert.Equal(64, Unsafe.SizeOf<FuseInitOut>());
        Assert.Equal(40, Unsafe.SizeOf<FuseReadIn>());
        Assert.Equal(40, Unsafe.SizeOf<FuseWriteIn>());
        Assert.Equal(24, Unsafe.SizeOf<FuseReleaseIn>());
        Assert.Equal(24, Unsafe.SizeOf<FuseFlushIn>());
        Assert.Equal(16, Unsafe.SizeOf<FuseFsyncIn>());
        Assert.Equal(16, Unsafe.SizeOf<FuseCreateIn>());
        Assert.Equal(16, Unsafe.SizeOf<FuseMkNodIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseMkDirIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseRenameIn>());
        Assert.Equal(16, Unsafe.SizeOf<FuseRename2In>());
        Assert.Equal(8, Unsafe.SizeOf<FuseLinkIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseSetXattrIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseGetXattrIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseAccessIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseForgetIn>());
        Assert.Equal(16, Unsafe.SizeOf<FuseForgetOne>());
        Assert.Equal(8, Unsafe.SizeOf<FuseBatchForgetIn>());
        Assert.Equal(8, Unsafe.SizeOf<FuseInterruptIn>());
        Assert.Equal(24, Unsafe.SizeOf<FuseLSeekIn>());
        Assert.Equal(32, Unsafe.SizeOf<FuseFallocateIn>());
        Assert.Equal(16, Unsafe.SizeOf<FuseGetAttrIn>());
        Assert.Equal(24, Unsafe.SizeOf<FuseDirent>());
    }

    [Fact]
    public void FieldOffsetsMatchTheKernel()
    {
        Assert.Equal(16, (int)Marshal.OffsetOf<FuseInHeader>(nameof(FuseInHeader.NodeId)));
        Assert.Equal(60, (int)Marshal.OffsetOf<FuseAttr>(nameof(FuseAttr.Mode)));
        Assert.Equal(40, (int)Marshal.OffsetOf<FuseEntryOut>(nameof(FuseEntryOut.Attr)));
        Assert.Equal(16, (int)Marshal.OffsetOf<FuseAttrOut>(nameof(FuseAttrOut.Attr)));
        Assert.Equal(32, (int)Marshal.OffsetOf<FuseInitOut>(nameof(FuseInitOut.Flags2)));
        Assert.Equal(28, (int)Marshal.OffsetOf<FuseInitOut>(nameof(FuseInitOut.MaxPages)));
        Assert.Equal(68, (int)Marshal.OffsetOf<FuseSetAttrIn>(nameof(FuseSetAttrIn.Mode)));
        Assert.Equal(76, (int)Marshal.OffsetOf<FuseSetAttrIn>(nameof(FuseSetAttrIn.Uid)));
    }

    [Fact]
    public void SetAttrValidBitsMatchTheKernel()
    {
        Assert.Equal(1u, (uint)FuseSetAttrValid.Mode);
        Assert.Equal(8u, (uint)FuseSetAttrValid.Size);
        Assert.Equal(256u, (uint)FuseSetAttrValid.MTimeNow);
        Assert.Equal(2048u, (uint)FuseSetAttrValid.KillSuidGid);
        Assert.Equal(1UL << 30, (ulong)FuseInitFlags.InitExt);
        Assert.Equal(1UL << 37, (ulong)FuseInitFlags.Passthrough);
    }
}
