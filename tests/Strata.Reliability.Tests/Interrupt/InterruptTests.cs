using System.Diagnostics;

namespace Strata.Reliability.Tests.Interrupt;

/// <summary>
/// Requests of processes that are killed while they wait: the server does not answer INTERRUPT and runs every
/// request to completion, and the kernel, once a request is sent, waits for its reply. So an open that copies a
/// big file up and whose caller is killed meanwhile still completes, its file is released when the dying
/// process's descriptors close, and the server is left holding no more descriptors than before.
/// </summary>
public sealed class InterruptTests
{
    private const int BigLength = 16 << 20;

    [Fact]
    public void CallersKilledMidRequestLeakNoDescriptorInTheServer() => Bounded.Run(() =>
    {
        using var dir = new TempDir("strata-intr-");
        foreach (string d in new[] { "lower", "upper", "work", "merged" }) dir.Make(d);
        var data = new byte[BigLength];
        new Random(1).NextBytes(data);
        for (int k = 0; k < 8; k++) File.WriteAllBytes(dir[$"lower/big{k}"], data);
        using var mount = StrataMount.Mount($"lowerdir={dir["lower"]},upperdir={dir["upper"]},workdir={dir["work"]}", dir["merged"]);
        int server = Assert.Single(Mounts.ServerPids(dir["merged"]));
        int before = OpenDescriptors(server);

        var random = new Random(2);
        for (int i = 0; i < 40; i++)
        {
            // Odd rounds open a lower file for writing (a 16 MiB copy-up inside the OPEN); even ones read one.
            string file = dir[$"merged/big{i % 8}"];
            string script = i % 2 == 1 ? $"exec 3<>'{file}'; sleep 1" : $"cat '{file}' > /dev/null";
            using Process p = Process.Start(new ProcessStartInfo("sh", ["-c", script]))!;
            Thread.Sleep(random.Next(30));
            p.Kill(entireProcessTree: true); // SIGKILL, wherever the request is
            Assert.True(p.WaitForExit(30_000), "a killed caller did not exit");
        }

        // Releases come asynchronously after the callers' deaths.
        int after = OpenDescriptors(server);
        for (int wait = 0; wait < 100 && after > before; wait++)
        {
            Thread.Sleep(100);
            after = OpenDescriptors(server);
        }
        Assert.True(after <= before, $"the server holds {after} descriptors, {before} before 40 killed callers");
        // Every copy-up that ran finished whole: each file reads as the lower one.
        for (int k = 0; k < 8; k++) Assert.True(File.ReadAllBytes(dir[$"merged/big{k}"]).AsSpan().SequenceEqual(data), $"big{k} differs");
        Assert.Empty(WorkDirContents.Leftovers(dir["work/work"]));
    }, TimeSpan.FromMinutes(3));

    private static int OpenDescriptors(int pid) => Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();
}
