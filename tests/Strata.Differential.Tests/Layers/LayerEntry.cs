namespace Strata.Differential.Tests.Layers;

/// <summary>One thing put into a lower layer before the mount. Applied in order by <see cref="LayerWriter"/>.</summary>
public abstract record LayerEntry(string Path)
{
    public sealed record Dir(string Path, uint Mode, bool Opaque) : LayerEntry(Path);

    public sealed record File(string Path, uint Mode, string Content, uint Owner) : LayerEntry(Path);

    public sealed record Symlink(string Path, string Target) : LayerEntry(Path);

    public sealed record HardLink(string Path, string Existing) : LayerEntry(Path);

    public sealed record Whiteout(string Path) : LayerEntry(Path);

    public sealed record UserXattr(string Path, string Name, string Value) : LayerEntry(Path);
}
