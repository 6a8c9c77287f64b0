namespace Strata.Testing;

/// <summary>
/// The published strata (Native AOT, the binary users run): STRATA_PUBLISHED_BINARY when set (scripts/test.sh
/// publishes once before the tests), else published here, once per test run, into a temporary dir.
/// </summary>
public static class PublishedStrata
{
    private static readonly Lazy<string> s_path = new(Locate);

    public static string Path => s_path.Value;

    public static ProcessResult Run(IEnumerable<string> args, TimeSpan? timeout = null, string? workingDirectory = null) =>
        ProcessRunner.Run(Path, args, timeout, workingDirectory: workingDirectory);

    private static string Locate()
    {
        string? given = Environment.GetEnvironmentVariable("STRATA_PUBLISHED_BINARY");
        if (!string.IsNullOrEmpty(given))
            return File.Exists(given) ? given : throw new FileNotFoundException($"STRATA_PUBLISHED_BINARY names '{given}', which does not exist");
        string root = RepositoryRoot();
        string output = Directory.CreateTempSubdirectory("strata-published-").FullName;
        // The portable RID, as scripts/publish.sh gives it: a distribution's own .NET may report one of its own.
        string rid = "linux-" + System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
        ProcessResult r = ProcessRunner.Run(StrataCommand.DotnetPath,
            ["publish", System.IO.Path.Combine(root, "src/Strata.Cli"), "-c", "Release", "-r", rid, "-p:PublishAot=true", "-p:DebugType=none", "-o", output, "-nologo", "-v", "q"],
            TimeSpan.FromMinutes(10));
        string binary = System.IO.Path.Combine(output, "strata");
        return r.ExitCode == 0 && File.Exists(binary)
            ? binary
            : throw new InvalidOperationException($"dotnet publish of strata failed ({r.ExitCode}): {r.StandardOutput}{r.StandardError}");
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(d.FullName, "Strata.slnx")))
                return d.FullName;
        }
        throw new InvalidOperationException($"no Strata.slnx above {AppContext.BaseDirectory}");
    }
}
