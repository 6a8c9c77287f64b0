using System.Runtime.InteropServices;
using Strata.Posix;

namespace Strata.Image.Store;

/// <summary>
/// Mounts an image's layers with kernel overlayfs (mount(2)), as docker's overlay2 does: the paths are relative
/// to overlay2/ (l/SHORT links for the lower layers), the process's cwd, so the option string fits a page.
/// </summary>
public static class KernelOverlayMount
{
    /// <summary>What the kernel takes in one mount's data (a page, with its terminating NUL).</summary>
    public const int MaxOptionsLength = 4095;

    private static readonly Lock CwdGate = new();

    public static void Mount(StoreLayout layout, IReadOnlyList<string> shortLinks, string containerId, string source, string target)
    {
        string options = $"lowerdir={string.Join(':', shortLinks)},upperdir={containerId}/diff,workdir={containerId}/work";
        if (options.Length > MaxOptionsLength)
        {
            throw new ImageException(
                $"{shortLinks.Count} layers do not fit the kernel's mount options ({options.Length} > {MaxOptionsLength} bytes); use --driver strata");
        }
        lock (CwdGate)
        {
            string previous = Environment.CurrentDirectory;
            Environment.CurrentDirectory = layout.Overlay2Dir;
            try
            {
                if (Libc.mount(source, target, "overlay", 0, options) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    string hint = errno == Errno.EINVAL && shortLinks.Count > 128 ? $" ({shortLinks.Count} layers may be more than the kernel stacks; use --driver strata)" : "";
                    throw new ImageException($"kernel overlay mount on {target} failed: {Errno.Describe(-errno)}{hint}");
                }
            }
            finally
            {
                Environment.CurrentDirectory = previous;
            }
        }
    }
}
