namespace Strata.Differential.Tests.Layers;

/// <summary>One thing put into a lower layer before the mount. Applied in order by <see cref="LayerWriter"/>.</summary>
public abstract record LayerEntry(string Path)
{
    /// <summary>The entry as a shell-like line, for the report of a failing seed.</summary>
    public string Shell => this switch
    {
        Dir d => $"mkdir -m {Convert.ToString(d.Mode, 8)} {d.Path}{(d.Opaque ? " && setfattr -n trusted.overlay.opaque -v y " + d.Path : "")}",
        File f => $"echo -n '{f.Content}' > {f.Path} && chmod {Convert.ToString(f.Mode, 8)} {f.Path}{(f.Owner != 0 ? $" && chown {f.Owner}:{f.Owner} {f.Path}" : "")}",
        Symlink s => $"ln -s {s.Target} {s.Path}",
        HardLink h => $"ln {h.Existing} {h.Path}",
        Whiteout w => $"mknod {w.Path} c 0 0",
        UserXattr x => $"setfattr -n {x.Name} -v '{x.Value}' {x.Path}",
        Acl a => $"setfacl {(a.Default ? "-d " : "")}--set '{a.Text}' {a.Path}",
        Ownership o => $"chown -h {o.Uid}:{o.Gid} {o.Path}{(o.Mode is { } m ? $" && chmod {Convert.ToString(m, 8)} {o.Path}" : "")}",
        _ => ToString(),
    };

    public sealed record Dir(string Path, uint Mode, bool Opaque) : LayerEntry(Path);

    public sealed record File(string Path, uint Mode, string Content, uint Owner) : LayerEntry(Path);

    public sealed record Symlink(string Path, string Target) : LayerEntry(Path);

    public sealed record HardLink(string Path, string Existing) : LayerEntry(Path);

    public sealed record Whiteout(string Path) : LayerEntry(Path);

    public sealed record UserXattr(string Path, string Name, string Value) : LayerEntry(Path);

    /// <summary>A POSIX ACL (<see cref="AclText"/>'s form): the access ACL, or with <paramref name="Default"/> a dir's default one.</summary>
    public sealed record Acl(string Path, bool Default, string Text) : LayerEntry(Path);

    /// <summary>Gives an entry made before an owner (and a mode, set after the chown, which clears set-id bits).</summary>
    public sealed record Ownership(string Path, uint Uid, uint Gid, uint? Mode) : LayerEntry(Path);
}
