namespace Strata.Image.Diff;

/// <summary>One line of <c>strata diff</c>: A(dded), C(hanged) or D(eleted), and the path from the rootfs.</summary>
public readonly record struct Change(char Kind, string Path)
{
    public override string ToString() => $"{Kind} {Path}";
}
