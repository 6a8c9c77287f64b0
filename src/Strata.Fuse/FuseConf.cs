namespace Strata.Fuse;

/// <summary>
/// What /etc/fuse.conf lets an unprivileged mounter ask fusermount3 for: allow_other only with a
/// <c>user_allow_other</c> line (fusermount3 refuses the whole mount otherwise).
/// </summary>
internal static class FuseConf
{
    public const string Path = "/etc/fuse.conf";

    /// <summary>True when the file (its text) has a <c>user_allow_other</c> line; <c>#</c> starts a comment.</summary>
    public static bool AllowsOther(string? text)
    {
        if (text is null)
            return false;
        foreach (string line in text.Split('\n'))
        {
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            if ((hash < 0 ? line : line[..hash]).Trim() == "user_allow_other")
                return true;
        }
        return false;
    }

    /// <summary>What this machine's fuse.conf says; false where there is none or it cannot be read.</summary>
    public static bool AllowsOther()
    {
        try
        {
            return AllowsOther(File.ReadAllText(Path));
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
