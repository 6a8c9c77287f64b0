namespace Strata.Union.Operations;

/// <summary>What a create-type operation makes.</summary>
internal enum ObjectKind
{
    File,
    Directory,
    Device,
    Symlink,
    HardLink,
}
