using System.Text;
using Strata.Differential.Tests.Execution;
using Strata.Differential.Tests.Running;
using Strata.Differential.Tests.Script;
using Strata.Posix;
using Strata.Union.Api;

namespace Strata.Differential.Tests.Facade;

/// <summary>
/// The harness's steps through the in-process facade (<see cref="LayeredDirectory"/>), reported in the same words
/// as the syscalls report them on a mount: each step is the facade call a .NET program would make for it (open
/// and close, read, write at an offset or appending, ...), and an exception's errno is the outcome.
/// </summary>
public sealed class FacadeExecutor(LayeredDirectory union, InodeLabels? labels) : IStepRunner
{
    /// <summary>The steps the facade has a call for; scripts are cut to these (fallocate, lseek, copy_file_range and O_DIRECT it has not).</summary>
    public static bool Supports(Operation step) => step is OpenOperation or WriteOperation or TruncateOperation or ReadOperation
        or StatOperation or ReadlinkOperation or ReaddirOperation or MkdirOperation or RmdirOperation or UnlinkOperation
        or RenameOperation or SymlinkOperation or LinkOperation or MkfifoOperation or ChmodOperation or ChownOperation
        or UtimeOperation or SetXattrOperation or GetXattrOperation or ListXattrOperation or RemoveXattrOperation or SyncOperation;

    public string Run(Operation step) => step switch
    {
        OpenOperation o => Open(o),
        WriteOperation w => Outcome(() => Write(w)),
        TruncateOperation t => Outcome(() =>
        {
            using UnionFileStream s = union.OpenFile(t.Path, FileMode.Open, FileAccess.Write);
            s.SetLength(t.Length);
            return "ok";
        }),
        ReadOperation r => Outcome(() =>
        {
            using UnionFileStream s = union.OpenFile(r.Path, FileMode.Open, FileAccess.Read);
            s.Position = 0; // the step is pread at 0: ESPIPE on a fifo, whose stream cannot seek
            var buffer = new byte[ReadOperation.MaxBytes];
            return ReadOperation.Outcome(buffer.AsSpan(0, s.Read(buffer)));
        }),
        StatOperation s => Probe(s.Path),
        ReadlinkOperation l => Outcome(() => union.ReadLink(l.Path)),
        ReaddirOperation d => Outcome(() => ReaddirOperation.Outcome(
            union.ReadDirectory(d.Path).Select(e => $"{e.Name}/{DirentType(e.Type)}").ToList())),
        MkdirOperation m => Done(() => union.CreateDirectory(m.Path, (UnixFileMode)m.Mode)),
        RmdirOperation r => Done(() => union.DeleteDirectory(r.Path)),
        UnlinkOperation u => Done(() => union.DeleteFile(u.Path)),
        RenameOperation r => Done(() => union.Move(r.From, r.To, r.Flags switch
        {
            OpenFlags.RENAME_NOREPLACE => UnionRenameMode.NoReplace,
            OpenFlags.RENAME_EXCHANGE => UnionRenameMode.Exchange,
            _ => UnionRenameMode.Replace,
        })),
        SymlinkOperation y => Done(() => union.CreateSymbolicLink(y.Path, y.Target)),
        LinkOperation l => Done(() => union.CreateHardLink(l.Existing, l.Path)),
        MkfifoOperation f => Done(() => union.CreateFifo(f.Path, (UnixFileMode)f.Mode)),
        ChmodOperation c => Done(() => union.SetMode(c.Path, (UnixFileMode)c.Mode)),
        ChownOperation c => Done(() => union.SetOwner(c.Path, Id(c.Uid), Id(c.Gid))),
        UtimeOperation u => Done(() => union.SetTimes(u.Path, DateTimeOffset.FromUnixTimeSeconds(u.Seconds), DateTimeOffset.FromUnixTimeSeconds(u.Seconds))),
        SetXattrOperation x => Done(() => union.SetXattr(x.Path, x.Name, Encoding.UTF8.GetBytes(x.Value), x.Flags switch
        {
            Libc.XATTR_CREATE => XattrMode.Create,
            Libc.XATTR_REPLACE => XattrMode.Replace,
            _ => XattrMode.Set,
        })),
        GetXattrOperation x => Outcome(() => GetXattrOperation.Outcome(x.Name, union.GetXattr(x.Path, x.Name))),
        ListXattrOperation x => Outcome(() => ListXattrOperation.Outcome(union.ListXattrs(x.Path))),
        RemoveXattrOperation x => Done(() => union.RemoveXattr(x.Path, x.Name)),
        SetAclOperation a => Done(() => union.SetXattr(a.Path, a.Default ? AclText.DefaultXattr : AclText.AccessXattr, AclText.ToXattr(a.Text), XattrMode.Set)),
        SyncOperation s => Done(() =>
        {
            using UnionFileStream stream = union.OpenFile(s.Path, FileMode.Open, FileAccess.Read);
            stream.Flush(flushToDisk: true);
        }),
        _ => throw new NotSupportedException($"the facade has no call for {step.Shell}"),
    };

    public string Probe(string path)
    {
        try
        {
            UnionFileInfo info = union.GetInfo(path, followSymlinks: false);
            string? target = info.Type == UnionFileType.SymbolicLink ? union.ReadLink(path) : null;
            return ProbeText.Describe(path, TypeName(info.Type), (uint)info.Mode, info.Uid, info.Gid, info.Length, info.LinkCount,
                target, labels?.Of(info.Inode));
        }
        catch (Exception e) when (UnionErrors.ErrnoOf(e) != 0)
        {
            return $"{path}: {ErrnoNames.Of(-UnionErrors.ErrnoOf(e))}";
        }
    }

    // open(2) then close: O_DIRECTORY opens the listing (what opendir does), anything else a stream.
    private string Open(OpenOperation o)
    {
        if ((o.Flags & OpenFlags.O_DIRECTORY) != 0)
            return Done(() => union.ReadDirectory(o.Path));
        bool create = (o.Flags & OpenFlags.O_CREAT) != 0, exclusive = (o.Flags & OpenFlags.O_EXCL) != 0, truncate = (o.Flags & OpenFlags.O_TRUNC) != 0;
        FileMode mode = create ? exclusive ? FileMode.CreateNew : truncate ? FileMode.Create : FileMode.OpenOrCreate
            : truncate ? FileMode.Truncate : FileMode.Open;
        FileAccess access = (o.Flags & OpenFlags.O_ACCMODE) switch
        {
            OpenFlags.O_WRONLY => FileAccess.Write,
            OpenFlags.O_RDWR => FileAccess.ReadWrite,
            _ => FileAccess.Read,
        };
        UnionOpenFlags flags = (o.Flags & OpenFlags.O_NOFOLLOW) != 0 ? UnionOpenFlags.NoFollow : UnionOpenFlags.None;
        return Done(() => union.OpenFile(o.Path, mode, access, (UnixFileMode)o.Mode, flags).Dispose());
    }

    private string Write(WriteOperation w)
    {
        using UnionFileStream s = union.OpenFile(w.Path, FileMode.Open, FileAccess.Write, flags: w.Append ? UnionOpenFlags.Append : UnionOpenFlags.None);
        byte[] data = Encoding.UTF8.GetBytes(w.Data);
        if (!w.Append)
            s.Position = w.Offset;
        s.Write(data);
        return $"ok {data.Length}";
    }

    private static string Done(Action call) => Outcome(() =>
    {
        call();
        return "ok";
    });

    private static string Outcome(Func<string> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (UnionErrors.ErrnoOf(e) != 0)
        {
            return ErrnoNames.Of(-UnionErrors.ErrnoOf(e));
        }
    }

    private static uint? Id(uint id) => id == uint.MaxValue ? null : id;

    private static string TypeName(UnionFileType type) => type switch
    {
        UnionFileType.Directory => "dir",
        UnionFileType.File => "file",
        UnionFileType.SymbolicLink => "symlink",
        UnionFileType.Fifo => "fifo",
        UnionFileType.CharacterDevice => "chr",
        _ => "other",
    };

    private static byte DirentType(UnionFileType type) => type switch
    {
        UnionFileType.Directory => FileType.DT_DIR,
        UnionFileType.SymbolicLink => FileType.DT_LNK,
        UnionFileType.Fifo => FileType.DT_FIFO,
        UnionFileType.Socket => FileType.DT_SOCK,
        UnionFileType.CharacterDevice => FileType.DT_CHR,
        UnionFileType.BlockDevice => FileType.DT_BLK,
        _ => FileType.DT_REG,
    };
}
