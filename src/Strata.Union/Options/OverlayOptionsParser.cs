using System.Text;
using Strata.Posix;

namespace Strata.Union.Options;

/// <summary>
/// Parses the kernel's overlay option syntax: comma-separated options (a comma inside a path is escaped as
/// "\,"), "lowerdir=A:B" (top first; "\:" escapes a colon) or repeated "lowerdir+=A", "upperdir=", "workdir=",
/// plus the generic options that mount(8) and mount.fuse3 pass along. Relative paths are taken from baseDir.
/// </summary>
public static class OverlayOptionsParser
{
    // Generic options mount(8) and mount.fuse3 pass: accepted, and mapped to mount flags where they are flags.
    private static readonly Dictionary<string, ulong> FlagOptions = new(StringComparer.Ordinal)
    {
        ["nosuid"] = Libc.MS_NOSUID,
        ["nodev"] = Libc.MS_NODEV,
        ["noexec"] = Libc.MS_NOEXEC,
        ["noatime"] = Libc.MS_NOATIME,
        ["nodiratime"] = Libc.MS_NODIRATIME,
        ["relatime"] = Libc.MS_RELATIME,
    };

    private static readonly HashSet<string> IgnoredOptions = new(StringComparer.Ordinal)
    {
        "rw", "dev", "suid", "exec", "atime", "diratime", "norelatime", "strictatime", "nostrictatime",
        "lazytime", "nolazytime", "sync", "async", "auto", "noauto", "user", "nouser", "users", "owner",
        "nofail", "_netdev", "defaults", "silent", "loud", "iversion", "noiversion", "mand", "nomand",
        // FUSE options that Strata always applies or that only concern libfuse-based servers.
        "allow_other", "default_permissions", "auto_unmount", "allow_root",
    };

    private static readonly HashSet<string> IgnoredValueOptions = new(StringComparer.Ordinal)
    {
        "subtype", "max_read", "blksize", "context", "fscontext", "defcontext", "rootcontext", "uid", "gid",
    };

    // Overlay features with a value that gives the semantics Strata has; other values are refused.
    private static readonly Dictionary<string, string[]> FeatureOptions = new(StringComparer.Ordinal)
    {
        ["index"] = ["off"],
        ["metacopy"] = ["off"],
        ["nfs_export"] = ["off"],
        ["verity"] = ["off"],
    };

    private static readonly HashSet<string> RefusedFlags = new(StringComparer.Ordinal)
    {
        "userxattr",
    };

    public static OverlayOptions Parse(IEnumerable<string> optionStrings, string baseDir)
    {
        var lowers = new List<string>();
        bool sawLowerDir = false, sawLowerAppend = false;
        string? upper = null, work = null, fsName = null;
        TimeSpan? requestTimeout = null;
        PassthroughMode passthrough = PassthroughMode.On;
        bool kernelCache = true, ioUring = true;
        TimeSpan ioUringPoll = OverlayOptions.DefaultIoUringPoll;
        bool readOnly = false, debug = false, volatileUpper = false;
        ulong flags = 0;
        var features = OverlayFeatures.Default;

        foreach (string optionString in optionStrings)
        {
            CheckText(optionString);
            foreach (string option in SplitUnescaped(optionString, ','))
            {
                if (option.Length == 0) continue;
                if ((option.Length - option.TrimEnd('\\').Length) % 2 == 1)
                    throw Invalid($"option '{option}' ends with an escape ('\\') that escapes nothing");
                int eq = option.IndexOf('=', StringComparison.Ordinal);
                string key = eq < 0 ? option : option[..eq];
                string? value = eq < 0 ? null : option[(eq + 1)..];
                switch (key)
                {
                    case "lowerdir":
                        if (sawLowerAppend) throw Invalid("'lowerdir=' and 'lowerdir+=' cannot be mixed; give the layers one way");
                        if (string.IsNullOrEmpty(value)) throw Invalid("'lowerdir=' needs at least one directory");
                        sawLowerDir = true;
                        lowers.Clear();
                        foreach (string dir in SplitUnescaped(value, ':'))
                        {
                            if (dir.Length == 0) throw Invalid($"'lowerdir={value}' has an empty layer (two colons in a row, or a colon at an end)");
                            lowers.Add(Resolve(Unescape(dir), baseDir));
                        }
                        break;
                    case "lowerdir+":
                        if (sawLowerDir) throw Invalid("'lowerdir=' and 'lowerdir+=' cannot be mixed; give the layers one way");
                        if (string.IsNullOrEmpty(value)) throw Invalid("'lowerdir+=' needs a directory");
                        sawLowerAppend = true;
                        lowers.Add(Resolve(Unescape(value), baseDir));
                        break;
                    case "upperdir":
                        upper = Resolve(Unescape(RequireValue(key, value)), baseDir);
                        break;
                    case "workdir":
                        work = Resolve(Unescape(RequireValue(key, value)), baseDir);
                        break;
                    case "ro":
                        readOnly = true;
                        break;
                    case "debug":
                        debug = true;
                        break;
                    case "volatile" when value is null:
                        volatileUpper = true;
                        break;
                    case "fsname":
                        fsName = string.IsNullOrEmpty(value) ? throw Invalid("'fsname=' needs a name") : value;
                        break;
                    case "request_timeout":
                        requestTimeout = ParseTimeout(value);
                        break;
                    case "passthrough":
                        passthrough = ParsePassthrough(value);
                        break;
                    case "cache":
                        kernelCache = ParseOnOff(key, value);
                        break;
                    case "io_uring":
                        ioUring = ParseOnOff(key, value);
                        break;
                    case "io_uring_poll":
                        ioUringPoll = ParsePoll(value);
                        break;
                    case "redirect_dir":
                        features = features with { RedirectDir = ParseRedirectDir(value) };
                        break;
                    case "xino":
                        features = features with { Xino = ParseXino(value) };
                        break;
                    case "uuid":
                        features = features with { Uuid = ParseUuid(value) };
                        break;
                    default:
                        flags |= Generic(key, value);
                        break;
                }
            }
        }

        return new OverlayOptions
        {
            LowerDirs = lowers,
            UpperDir = upper,
            WorkDir = work,
            ReadOnly = readOnly || upper is null,
            MountFlags = flags | (readOnly ? Libc.MS_RDONLY : 0),
            FsName = fsName,
            RequestTimeout = requestTimeout,
            Passthrough = passthrough,
            KernelCache = kernelCache,
            IoUring = ioUring,
            IoUringPoll = ioUringPoll,
            Debug = debug,
            Features = features,
            // As the kernel: meaningless (and ignored) without an upper dir.
            Volatile = volatileUpper && upper is not null,
        };
    }

    // "off" is the kernel's redirect_dir=off on a kernel built with REDIRECT_ALWAYS_FOLLOW (Kconfig's default):
    // redirects are followed but not written.
    private static RedirectDirMode ParseRedirectDir(string? value) => value switch
    {
        "on" => RedirectDirMode.On,
        "follow" or "off" => RedirectDirMode.Follow,
        "nofollow" => RedirectDirMode.NoFollow,
        _ => throw Invalid($"'redirect_dir={value}' is not a redirect_dir mode; use on, follow, nofollow or off"),
    };

    private static bool ParseOnOff(string key, string? value) => value switch
    {
        "on" => true,
        "off" => false,
        _ => throw Invalid($"'{key}={value}' is neither on nor off; use {key}=on or {key}=off"),
    };

    private static PassthroughMode ParsePassthrough(string? value) => value switch
    {
        "on" => PassthroughMode.On,
        "upper" => PassthroughMode.Upper,
        "off" => PassthroughMode.Off,
        _ => throw Invalid($"'passthrough={value}' is not a passthrough mode; use on, upper or off"),
    };

    private static XinoMode ParseXino(string? value) => value switch
    {
        "on" => XinoMode.On,
        "auto" => XinoMode.Auto,
        "off" => XinoMode.Off,
        _ => throw Invalid($"'xino={value}' is not a xino mode; use on, auto or off"),
    };

    // on, auto and null all record the lower filesystem's uuid in an origin; they differ only in the overlay's own
    // statfs fsid, which a FUSE mount does not take from the options.
    private static UuidMode ParseUuid(string? value) => value switch
    {
        "on" or "auto" or "null" => UuidMode.On,
        "off" => UuidMode.Off,
        _ => throw Invalid($"'uuid={value}' is not a uuid mode; use on, auto, null or off"),
    };

    private static ulong Generic(string key, string? value)
    {
        if (value is null && FlagOptions.TryGetValue(key, out ulong flag)) return flag;
        if (value is null && IgnoredOptions.Contains(key)) return 0;
        if (value is not null && IgnoredValueOptions.Contains(key)) return 0;
        if (key.StartsWith("x-", StringComparison.Ordinal)) return 0; // userspace-only options of mount(8)
        if (RefusedFlags.Contains(key))
            throw Invalid($"option '{key}' is not supported by Strata yet; mount without it");
        if (FeatureOptions.TryGetValue(key, out string[]? allowed))
        {
            if (value is not null && Array.IndexOf(allowed, value) >= 0) return 0;
            throw Invalid($"option '{key}={value}' is not supported by Strata yet (supported: {string.Join(", ", allowed.Select(a => key + "=" + a))})");
        }
        throw Invalid($"unknown option '{(value is null ? key : key + "=" + value)}'");
    }

    private static TimeSpan ParseTimeout(string? value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int seconds) && seconds is >= 1 and <= ushort.MaxValue
            ? TimeSpan.FromSeconds(seconds)
            : throw Invalid($"'request_timeout={value}' must be a whole number of seconds from 1 to 65535");

    private static TimeSpan ParsePoll(string? value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int microseconds) && microseconds <= MaxPollMicroseconds
            ? TimeSpan.FromMicroseconds(microseconds)
            : throw Invalid($"'io_uring_poll={value}' must be a whole number of microseconds from 0 (no polling) to {MaxPollMicroseconds}");

    // Longer would keep a CPU busy for a caller that has long stopped asking.
    private const int MaxPollMicroseconds = 10_000;

    private static string RequireValue(string key, string? value) =>
        string.IsNullOrEmpty(value) ? throw Invalid($"'{key}=' needs a directory") : value;

    private static string Resolve(string path, string baseDir)
    {
        string full = Path.GetFullPath(path, baseDir);
        int length = Encoding.UTF8.GetByteCount(full);
        if (length >= Posix.Posix.PathMax)
            throw Invalid($"a layer path of {length} bytes ('{full[..60]}...') is longer than PATH_MAX ({Posix.Posix.PathMax})");
        return full;
    }

    /// <summary>
    /// No NUL (it would cut the path short in every syscall) and only valid UTF-8: .NET turns other bytes into
    /// U+FFFD, and a path spelled with that would name another file than the one meant.
    /// </summary>
    private static void CheckText(string options)
    {
        if (options.Contains('\0', StringComparison.Ordinal))
            throw Invalid($"the options '{Printable.Of(options)}' hold a NUL byte");
        if (options.Contains('\uFFFD', StringComparison.Ordinal))
            throw Invalid($"the options '{options}' are not valid UTF-8 (give paths in UTF-8)");
    }

    private static OverlayConfigException Invalid(string message) => new(Errno.EINVAL, message);

    /// <summary>Splits at separators not preceded by a backslash; the escapes stay for <see cref="Unescape"/>.</summary>
    internal static List<string> SplitUnescaped(string s, char separator)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\\' && i + 1 < s.Length)
            {
                current.Append(c).Append(s[++i]);
            }
            else if (c == separator)
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        parts.Add(current.ToString());
        return parts;
    }

    /// <summary>"\x" becomes "x", as the kernel unescapes layer paths.</summary>
    internal static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal)) return s;
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length) i++;
            sb.Append(s[i]);
        }
        return sb.ToString();
    }
}
