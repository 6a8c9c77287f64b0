using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Strata.Fuzz;

/// <summary>
/// The seed corpus, made in code rather than committed: small layer tars in each header format (PAX with
/// xattrs and long names, GNU with long names, ustar, V7), whiteouts, hard links, symlinks, dirs, a FIFO, and
/// the same compressed with gzip and zstd; and mount option strings of each kind the parser knows.
/// </summary>
public static class Seeds
{
    public static IEnumerable<byte[]> Tars()
    {
        foreach (TarEntryFormat format in new[] { TarEntryFormat.Pax, TarEntryFormat.Gnu, TarEntryFormat.Ustar, TarEntryFormat.V7 })
            yield return Layer(format);
        byte[] pax = Layer(TarEntryFormat.Pax);
        using (var gzipped = new MemoryStream())
        {
            using (var gzip = new GZipStream(gzipped, CompressionLevel.Fastest, leaveOpen: true))
                gzip.Write(pax);
            yield return gzipped.ToArray();
        }
        using var zstded = new MemoryStream();
        using (var zstd = new ZstdSharp.CompressionStream(zstded, 3, leaveOpen: true))
            zstd.Write(pax);
        yield return zstded.ToArray();
    }

    public static IEnumerable<byte[]> Options() => new[]
    {
        "lowerdir=./l0",
        "lowerdir=./l0:./l1,upperdir=./upper,workdir=./work",
        "lowerdir+=./l1,lowerdir+=./l0,upperdir=./upper,workdir=./work,noatime,ro",
        @"lowerdir=./a\:b:./c\,d,fsname=x,request_timeout=30",
        "lowerdir=./l0,redirect_dir=off,index=off,xino=auto,metacopy=off\nupperdir=./upper\nworkdir=./work",
        "lowerdir=./l0,nosuid,nodev,noexec,x-systemd.automount,subtype=strata,allow_other,default_permissions",
    }.Select(Encoding.UTF8.GetBytes);

    private static byte[] Layer(TarEntryFormat format)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, format, leaveOpen: true))
        {
            var time = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);
            writer.WriteEntry(Entry(format, TarEntryType.Directory, "etc/", time));
            TarEntry file = Entry(format, TarEntryType.RegularFile, "etc/passwd", time);
            file.DataStream = new MemoryStream("root:x:0:0\n"u8.ToArray());
            writer.WriteEntry(file);
            writer.WriteEntry(Entry(format, TarEntryType.HardLink, "etc/passwd-link", time, "etc/passwd"));
            writer.WriteEntry(Entry(format, TarEntryType.SymbolicLink, "etc/sym", time, "passwd"));
            TarEntry whiteout = Entry(format, TarEntryType.RegularFile, "etc/.wh.gone", time);
            writer.WriteEntry(whiteout);
            writer.WriteEntry(Entry(format, TarEntryType.RegularFile, "opq/.wh..wh..opq", time));
            if (format is not TarEntryFormat.V7)
                writer.WriteEntry(Entry(format, TarEntryType.Fifo, "run/fifo", time));
            if (format is TarEntryFormat.Pax or TarEntryFormat.Gnu)
            {
                TarEntry named = Entry(format, TarEntryType.RegularFile, "long/" + new string('n', 150) + "/grüße", time);
                named.DataStream = new MemoryStream(new byte[700]);
                writer.WriteEntry(named);
            }
        }
        return output.ToArray();
    }

    private static TarEntry Entry(TarEntryFormat format, TarEntryType type, string name, DateTimeOffset time, string? link = null)
    {
        if (format is TarEntryFormat.V7 && type is TarEntryType.RegularFile)
            type = TarEntryType.V7RegularFile;
        TarEntry entry = format switch
        {
            TarEntryFormat.Pax => new PaxTarEntry(type, name, new Dictionary<string, string> { ["SCHILY.xattr.user.k"] = "v" }),
            TarEntryFormat.Gnu => new GnuTarEntry(type, name),
            TarEntryFormat.Ustar => new UstarTarEntry(type, name),
            _ => new V7TarEntry(type, name),
        };
        entry.ModificationTime = time;
        entry.Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        if (link is not null)
            entry.LinkName = link;
        return entry;
    }
}
