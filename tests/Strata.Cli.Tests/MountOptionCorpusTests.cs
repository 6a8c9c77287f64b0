namespace Strata.Cli.Tests;

/// <summary>
/// Malformed mount options through `strata mount`: empty values, unknown keys, escapes at the end, absurd
/// lengths, duplicate and conflicting keys, refused features, bad numbers, control characters and bytes that
/// are not UTF-8. Each gets one line on stderr naming the option, a non-zero exit, no mount, nothing written.
/// (A NUL byte cannot get into an argument vector; the parser's own tests cover it.)
/// </summary>
public sealed class MountOptionCorpusTests
{
    public static IEnumerable<object[]> Cases() =>
    [
        ["", "missing 'lowerdir'"],
        [",,,", "missing 'lowerdir'"],
        [",,upperdir=./upper,workdir=./work", "missing 'lowerdir'"],
        ["lowerdir=", "'lowerdir=' needs at least one directory"],
        ["lowerdir+=", "'lowerdir+=' needs a directory"],
        ["lowerdir=./l0,upperdir=,workdir=./work", "'upperdir=' needs a directory"],
        ["lowerdir=./l0,upperdir=./upper,workdir=", "'workdir=' needs a directory"],
        ["lowerdir=./l0::./l1", "empty layer"],
        ["lowerdir=:./l0", "empty layer"],
        ["lowerdir=./l0:", "empty layer"],
        ["lowerdir=./l0,bogus", "unknown option 'bogus'"],
        ["lowerdir=./l0,bogus=1", "unknown option 'bogus=1'"],
        ["lowerdir=./l0,=x", "unknown option '=x'"],
        ["lowerdir=./l0,LOWERDIR=./l1", "unknown option 'LOWERDIR=./l1'"],
        [@"lowerdir=./l0\", "escapes nothing"],
        [@"lowerdir=./l0,upperdir=./upper,workdir=./work\", "escapes nothing"],
        [@"lowerdir=./l0\\\", "escapes nothing"],
        ["lowerdir=./" + new string('a', 100_000), "longer than PATH_MAX"],
        ["lowerdir=" + string.Join(':', Enumerable.Range(0, 3000).Select(i => $"./x{i}")), "x0"],
        ["lowerdir=./l0,lowerdir+=./l1", "cannot be mixed"],
        ["lowerdir+=./l0,lowerdir=./l1", "cannot be mixed"],
        ["lowerdir=./l0,upperdir=./upper", "missing 'workdir'"],
        ["lowerdir=./l0,workdir=./work", "needs an 'upperdir'"],
        ["lowerdir=./l0:./l0", "conflicting lowerdir"],
        ["lowerdir=./l0,upperdir=./upper,workdir=./upper", "separate subtrees"],
        // Duplicate keys: the last one counts, as for the kernel; here the last is the bad one.
        ["lowerdir=./l0,upperdir=./upper,workdir=./work,workdir=./upper/w", "separate subtrees"],
        ["lowerdir=./l0,upperdir=./upper,workdir=./work,upperdir=./l0", "same directory"],
        ["lowerdir=./l0,lowerdir=./nothere", "nothere"],
        ["lowerdir=./l0,redirect_dir=sideways", "redirect_dir=sideways"],
        ["lowerdir=./l0,redirect_dir=", "redirect_dir="],
        ["lowerdir=./l0,index=on", "index=on"],
        ["lowerdir=./l0,metacopy=on", "metacopy=on"],
        ["lowerdir=./l0,xino=maybe", "xino=maybe"],
        ["lowerdir=./l0,uuid=random", "uuid=random"],
        ["lowerdir=./l0,volatile=1", "unknown option 'volatile=1'"],
        ["lowerdir=./l0,userxattr", "'userxattr' is not supported"],
        ["lowerdir=./l0,request_timeout=0", "request_timeout=0"],
        ["lowerdir=./l0,request_timeout=", "request_timeout="],
        ["lowerdir=./l0,request_timeout=abc", "request_timeout=abc"],
        ["lowerdir=./l0,request_timeout=-1", "request_timeout=-1"],
        ["lowerdir=./l0,request_timeout=99999999999999999999", "request_timeout=99999999999999999999"],
        ["lowerdir=./l0,request_timeout=1.5", "request_timeout=1.5"],
        ["lowerdir=./l0,fsname=", "'fsname=' needs a name"],
        ["lowerdir=./l0\nx", @"l0\x0ax"],
        ["lowerdir=./l0\r,upperdir=./upper,workdir=./work", @"\x0d"],
        ["lowerdir=./l0\u001b[31m", @"\x1b[31m"],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_malformed_option_string_is_refused_with_one_line(string options, string expected)
    {
        using TempDir dir = MountErrorTests.Layout();
        dir.Make("upper/w");
        MountErrorTests.AssertRefused(dir, options, expected);
    }

    [Fact]
    public void Options_that_are_not_utf8_are_refused_rather_than_read_as_another_path()
    {
        using TempDir dir = MountErrorTests.Layout();
        // A dir whose name is the byte 0xFF: the argument names it, but .NET would read U+FFFD and miss it.
        ProcessRunner.Check("sh", "-c", "cd \"$1\" && mkdir \"$(printf 'l\\377')\"", "sh", dir.Path);
        MountErrorTests.AssertRefused(dir,
            () => ProcessRunner.Run("sh", ["-c", "cd \"$3\" && exec \"$1\" \"$2\" mount -o \"$(printf 'lowerdir=./l\\377')\" overlay", "sh", StrataCommand.DotnetPath, StrataCommand.DllPath, dir.Path]),
            "not valid UTF-8");
    }

    [Fact]
    public void Several_o_flags_with_a_bad_one_among_them_are_refused()
    {
        using TempDir dir = MountErrorTests.Layout();
        MountErrorTests.AssertRefused(dir,
            () => StrataCommand.Run(["mount", "-o", "lowerdir=./l0", "-o", "upperdir=./upper", "-o", "workdir=./work,nonsense=1", "overlay"], workingDirectory: dir.Path),
            "unknown option 'nonsense=1'");
    }
}
