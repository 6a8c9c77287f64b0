using System.Formats.Tar;
using System.Text;

namespace Strata.Image.Tests.Support;

/// <summary>Builds layer tars in memory (PAX, so xattrs and long and UTF-8 names survive) with fixed times.</summary>
public sealed class TarBuilder
{
    public static readonly DateTimeOffset Time = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    private readonly MemoryStream _stream = new();
    private readonly TarWriter _writer;

    public TarBuilder()
    {
        _writer = new TarWriter(_stream, TarEntryFormat.Pax, leaveOpen: true);
    }

    public static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    public TarBuilder Dir(string name, string mode = "755", int uid = 0, int gid = 0) =>
        Add(new PaxTarEntry(TarEntryType.Directory, name) { Mode = Mode(mode), Uid = uid, Gid = gid, ModificationTime = Time });

    public TarBuilder File(string name, string content, string mode = "644", int uid = 0, int gid = 0, Dictionary<string, string>? xattrs = null)
    {
        var attrs = new Dictionary<string, string>();
        foreach ((string k, string v) in xattrs ?? [])
            attrs["SCHILY.xattr." + k] = v;
        return Add(new PaxTarEntry(TarEntryType.RegularFile, name, attrs)
        {
            Mode = Mode(mode),
            Uid = uid,
            Gid = gid,
            ModificationTime = Time,
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
        });
    }

    public TarBuilder Symlink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Mode = Mode("777"), ModificationTime = Time });

    public TarBuilder HardLink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target, Mode = Mode("644"), ModificationTime = Time });

    public TarBuilder Fifo(string name) =>
        Add(new PaxTarEntry(TarEntryType.Fifo, name) { Mode = Mode("640"), ModificationTime = Time });

    public TarBuilder Add(TarEntry entry)
    {
        _writer.WriteEntry(entry);
        return this;
    }

    public byte[] Build()
    {
        _writer.Dispose();
        return _stream.ToArray();
    }
}
