namespace Strata.Union.Api;

/// <summary>What <see cref="LayeredDirectory.OpenFile"/> does besides the FileMode and FileAccess asked for.</summary>
[Flags]
public enum UnionOpenFlags
{
    None = 0,

    /// <summary>O_APPEND: every write goes to the end (FileMode.Append is this plus create-if-missing).</summary>
    Append = 1,

    /// <summary>O_NOFOLLOW: a symbolic link as the last component is not followed; opening it fails (ELOOP).</summary>
    NoFollow = 2,
}

/// <summary>rename(2) and its RENAME_NOREPLACE and RENAME_EXCHANGE forms.</summary>
public enum UnionRenameMode
{
    /// <summary>Replaces what is at the new path (types permitting).</summary>
    Replace,

    /// <summary>Fails with EEXIST when something is at the new path.</summary>
    NoReplace,

    /// <summary>Swaps the two paths; both must exist.</summary>
    Exchange,
}

/// <summary>setxattr(2)'s XATTR_CREATE and XATTR_REPLACE.</summary>
public enum XattrMode
{
    /// <summary>Creates the xattr or replaces its value.</summary>
    Set,

    /// <summary>Fails with EEXIST when the xattr is there already.</summary>
    Create,

    /// <summary>Fails with ENODATA when the xattr is not there.</summary>
    Replace,
}
