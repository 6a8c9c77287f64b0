using System.Diagnostics;
using Strata.Posix;
using Strata.Reliability.Tests.Support;

namespace Strata.Reliability.Tests.Crash;

/// <summary>
/// kill -9 of the server (the strata mount process) in the middle of copy-ups of big files, renames and big
/// writes, at a random moment each time; then recovery of the dead mount (every other iteration by strata
/// umount, the others by strata mount itself, which finds the mount answering ENOTCONN and detaches it), a
/// remount, and the checks of <see cref="CrashCheck"/>: whole versions only, work dir leftovers gone, fsynced data
/// there. At the end kernel overlayfs must see the same over the layers. CI: STRATA_CRASH_ITERATIONS (12).
/// </summary>
public sealed class CrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void KilledServerLeavesOnlyWholeVersions()
    {
        int iterations = Settings.Read("STRATA_CRASH_ITERATIONS", 12);
        var random = new Random(Settings.Read("STRATA_CRASH_SEED", 1));
        using var dir = new TempDir("strata-crash-");
        foreach (string d in new[] { "lower", "upper", "work", "merged", "kernel" }) dir.Make(d);
        CrashLayout.Write(dir["lower"]);
        string options = $"lowerdir={dir["lower"]},upperdir={dir["upper"]},workdir={dir["work"]}";
        string merged = dir["merged"], work = Path.Combine(dir["work"], "work");
        var state = new CrashState();
        int leftoversSeen = 0, stale = 0;
        try
        {
            for (int i = 0; i < iterations; i++)
            {
                // Odd iterations clean the dead mount with strata umount; even ones leave it to strata mount.
                if (i > 0 && i % 2 == 1)
                {
                    ProcessResult umount = StrataCommand.Run("umount", merged);
                    Assert.True(umount.ExitCode == 0, $"strata umount of the dead mount: {umount.StandardError}");
                }
                else if (i > 0)
                {
                    // statfs, as stat may be answered from the kernel cache. A statfs caught while the kernel lets go of a
                    // killed server's rings ends ECONNABORTED or ECANCELED instead (as MountPointCheck takes it): dead all the same.
                    int dead = Posix.Posix.StatFs(merged, out _);
                    Assert.True(dead is -Errno.ENOTCONN or -Errno.ECONNABORTED or -Errno.ECANCELED, $"iteration {i}: statfs of the dead mount gave {dead}");
                    stale++;
                }
                if (Directory.Exists(work) && Directory.EnumerateFileSystemEntries(work).Any()) leftoversSeen++;
                ProcessResult mount = StrataCommand.Run(["mount", "-o", options, merged]);
                Assert.True(mount.ExitCode == 0, $"iteration {i}: strata mount: {mount.StandardError}");
                Assert.Empty(Directory.EnumerateFileSystemEntries(work));
                List<string> errors = CrashCheck.Verify(merged, state, update: true);
                Assert.True(errors.Count == 0, $"iteration {i}, after the kill and the remount:\n" + string.Join("\n", errors));
                if (i > 0)
                {
                    // Unmounted, put the big files back in the lower layer only, so that every run copies them up again.
                    ProcessResult down = StrataCommand.Run("umount", merged);
                    Assert.True(down.ExitCode == 0, down.StandardError);
                    Mounts.WaitForServersToExit(merged, TimeSpan.FromSeconds(15));
                    CrashLayout.ResetCopies(dir["upper"], state);
                    ProcessResult up = StrataCommand.Run(["mount", "-o", options, merged]);
                    Assert.True(up.ExitCode == 0, up.StandardError);
                }

                int pid = Assert.Single(Mounts.ServerPids(merged));
                using var stop = new ManualResetEventSlim(false);
                Thread[] threads = new CrashWorkload(merged, state, i).Start(stop);
                Thread.Sleep(20 + random.Next(400));
                Process.GetProcessById(pid).Kill(); // SIGKILL
                stop.Set();
                foreach (Thread t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(60)), $"iteration {i}: a workload thread did not return after the kill");
            }
            ProcessResult last = StrataCommand.Run("umount", merged);
            Assert.True(last.ExitCode == 0, last.StandardError);
            ProcessResult final = StrataCommand.Run(["mount", "-o", options, merged]);
            Assert.True(final.ExitCode == 0, final.StandardError);
            List<string> finalErrors = CrashCheck.Verify(merged, state, update: true);
            Assert.True(finalErrors.Count == 0, "after the last kill:\n" + string.Join("\n", finalErrors));
            StrataCommand.Run("umount", merged);
            Mounts.WaitForServersToExit(merged, TimeSpan.FromSeconds(15));
            using (KernelOverlay.Mount(options, dir["kernel"]))
            {
                List<string> kernelErrors = CrashCheck.Verify(dir["kernel"], state, update: false);
                Assert.True(kernelErrors.Count == 0, "kernel overlayfs over the same layers:\n" + string.Join("\n", kernelErrors));
            }
            output.WriteLine($"{iterations} kills survived ({stale} stale mounts cleaned by strata mount, {iterations - 1 - stale} by strata umount); work dir leftovers found before {leftoversSeen} remounts, always cleaned; {state.Generation} changes made");
        }
        finally
        {
            if (Mounts.IsMounted(merged)) Mounts.ForceCleanUp(merged);
        }
    }
}
