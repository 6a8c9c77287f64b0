using System.Text;
using Strata.Posix;

namespace Strata.Reliability.Tests.Concurrency;

/// <summary>
/// One thread of the stress run. In a dir of its own (which the lower layer fills too, so renames and unlinks
/// leave whiteouts) it creates, rewrites, renames, unlinks, lists and reads files, keeping a model of what the
/// dir must hold; on the shared files it writes and reads back its own 8-byte slot, so that several threads open
/// the same lower file for writing at once and race its copy-up; and it lists and stats a dir nobody changes.
/// Every failed call is an error: the model says what exists, so the kernel overlay would give none.
/// </summary>
public sealed class StressWorker(int id, string root, Watchdog watchdog, int seed)
{
    private readonly Random _random = new(seed);
    private readonly Dictionary<string, string> _files = Enumerable.Range(0, StressLayout.LowerFilesPerWorker)
        .ToDictionary(k => $"f{k}", k => StressLayout.LowerContent(id, k), StringComparer.Ordinal);
    private readonly long[] _slots = new long[StressLayout.SharedFiles];
    private int _next;

    public List<string> Errors { get; } = [];

    public long Steps { get; private set; }

    public IReadOnlyDictionary<string, string> Files => _files;

    /// <summary>The value this worker last wrote in its slot of each shared file (0: never).</summary>
    public IReadOnlyList<long> Slots => _slots;

    public static long SlotOffset(int worker) => worker * 8L;

    public void Run(DateTime until, ManualResetEventSlim stop)
    {
        string dir = Path.Combine(root, StressLayout.Own(id));
        while (DateTime.UtcNow < until && !stop.IsSet && Errors.Count < 5)
        {
            int pick = _random.Next(10);
            string? error = pick switch
            {
                <= 4 => OwnStep(dir),
                5 or 6 => SharedWrite(_random.Next(StressLayout.SharedFiles)),
                7 => SharedRead(_random.Next(StressLayout.SharedFiles)),
                _ => ReadOnlyStep(),
            };
            if (error is not null) Errors.Add($"worker {id} step {Steps}: {error}");
            Steps++;
        }
        watchdog.Done(id);
    }

    private string? OwnStep(string dir)
    {
        List<string> names = [.. _files.Keys.Order(StringComparer.Ordinal)];
        string? existing = names.Count > 0 ? names[_random.Next(names.Count)] : null;
        switch (_random.Next(existing is null ? 1 : 6))
        {
            case 0:
            {
                string name = $"n{_next++}", content = $"t{id} {name} {_random.Next()}";
                watchdog.Step(id, $"create {dir}/{name}");
                string? e = WriteFile(Path.Combine(dir, name), OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL, content);
                if (e is null) _files[name] = content;
                return e;
            }
            case 1:
            {
                string content = $"t{id} {existing} rewritten {_random.Next()}";
                watchdog.Step(id, $"rewrite {dir}/{existing}");
                string? e = WriteFile(Path.Combine(dir, existing!), OpenFlags.O_WRONLY | OpenFlags.O_TRUNC, content);
                if (e is null) _files[existing!] = content;
                return e;
            }
            case 2:
            {
                string target = _random.Next(3) == 0 ? names[_random.Next(names.Count)] : $"n{_next++}";
                watchdog.Step(id, $"rename {dir}/{existing} -> {target}");
                int rc = Posix.Posix.RenameAt(OpenFlags.AT_FDCWD, Bytes(Path.Combine(dir, existing!)), OpenFlags.AT_FDCWD, Bytes(Path.Combine(dir, target)));
                if (rc < 0) return $"rename {existing} {target}: {Errno.Describe(rc)}";
                string content = _files[existing!];
                _files.Remove(existing!);
                _files[target] = content;
                return null;
            }
            case 3:
            {
                watchdog.Step(id, $"unlink {dir}/{existing}");
                int rc = Posix.Posix.UnlinkAt(OpenFlags.AT_FDCWD, Bytes(Path.Combine(dir, existing!)), false);
                if (rc < 0) return $"unlink {existing}: {Errno.Describe(rc)}";
                _files.Remove(existing!);
                return null;
            }
            case 4:
            {
                watchdog.Step(id, $"readdir {dir}");
                string listed = string.Join(' ', Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
                string expected = string.Join(' ', names);
                return listed == expected ? null : $"readdir: [{listed}], expected [{expected}]";
            }
            default:
            {
                watchdog.Step(id, $"read {dir}/{existing}");
                string read = File.ReadAllText(Path.Combine(dir, existing!));
                return read == _files[existing!] ? null : $"read {existing}: '{read}', expected '{_files[existing!]}'";
            }
        }
    }

    private string? SharedWrite(int k)
    {
        long value = (Steps << 8) | (uint)id;
        string path = Path.Combine(root, StressLayout.Shared(k));
        watchdog.Step(id, $"write slot of {path} (copy-up)");
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_RDWR);
        if (fd < 0) return $"open {path} for writing: {Errno.Describe(fd)}";
        try
        {
            int n = Posix.Posix.PWrite(fd, BitConverter.GetBytes(value), SlotOffset(id));
            if (n != 8) return $"write {path}: {n}";
            _slots[k] = value;
            return null;
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    private string? SharedRead(int k)
    {
        string path = Path.Combine(root, StressLayout.Shared(k));
        watchdog.Step(id, $"read slot of {path}");
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_RDONLY);
        if (fd < 0) return $"open {path}: {Errno.Describe(fd)}";
        try
        {
            var buffer = new byte[8];
            int n = Posix.Posix.PRead(fd, buffer, SlotOffset(id));
            if (n != 8) return $"read {path}: {n}";
            byte[] expected = ExpectedSlot(k, id, _slots[k]);
            return buffer.AsSpan().SequenceEqual(expected) ? null : $"slot of {path} reads {Convert.ToHexString(buffer)}, expected {Convert.ToHexString(expected)}";
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    public static byte[] ExpectedSlot(int k, int worker, long value)
    {
        if (value != 0) return BitConverter.GetBytes(value);
        var lower = new byte[8];
        for (int i = 0; i < 8; i++) lower[i] = StressLayout.SharedByte(k, SlotOffset(worker) + i);
        return lower;
    }

    private string? ReadOnlyStep()
    {
        string dir = Path.Combine(root, "ro");
        watchdog.Step(id, $"readdir and stat {dir}");
        int count = Directory.EnumerateFileSystemEntries(dir).Count();
        if (count != StressLayout.ReadOnlyFiles) return $"readdir ro: {count} entries";
        string name = $"r{_random.Next(StressLayout.ReadOnlyFiles)}";
        int rc = Posix.Posix.Stat(Path.Combine(dir, name), out StatX st);
        return rc < 0 ? $"stat ro/{name}: {Errno.Describe(rc)}" : st.Size == (ulong)name.Length ? null : $"ro/{name} size {st.Size}";
    }

    private static string? WriteFile(string path, int flags, string content)
    {
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, flags, 0x1A4);
        if (fd < 0) return $"open {path}: {Errno.Describe(fd)}";
        try
        {
            byte[] data = Encoding.UTF8.GetBytes(content);
            int n = Posix.Posix.Write(fd, data);
            return n == data.Length ? null : $"write {path}: {n}";
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    private static byte[] Bytes(string path) => Encoding.UTF8.GetBytes(path);
}
