namespace Strata.Fuse;

/// <summary>What INIT settled: given to <see cref="FuseFileSystem.Init"/> just before the reply goes out.</summary>
public sealed class FuseConnectionInfo
{
    public uint ProtocolMajor { get; init; }

    /// <summary>min(<see cref="FuseProtocol.Minor"/>, the kernel's minor).</summary>
    public uint ProtocolMinor { get; init; }

    /// <summary>Everything the kernel offered.</summary>
    public FuseInitFlags KernelFlags { get; init; }

    /// <summary>What is in force: the kernel's offer intersected with what the server wants.</summary>
    public FuseInitFlags Flags { get; init; }

    public uint MaxWrite { get; init; }

    public uint MaxReadahead { get; init; }

    public ushort MaxPages { get; init; }

    public ushort MaxBackground { get; init; }

    public ushort CongestionThreshold { get; init; }

    public uint TimeGranularity { get; init; }
}
