using System.Runtime.InteropServices;
using Strata.Image.Json;

namespace Strata.Image;

/// <summary>An OS/architecture[/variant] as an index names it, e.g. <c>linux/arm64/v8</c>.</summary>
public sealed record Platform(string Os, string Architecture, string? Variant)
{
    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";

    /// <summary>The platform this process runs on, with Go's architecture names as registries use them.</summary>
    public static Platform Host => new("linux", GoArchitecture(RuntimeInformation.OSArchitecture), null);

    private static string GoArchitecture(Architecture architecture) => architecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
        System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
        System.Runtime.InteropServices.Architecture.LoongArch64 => "loong64",
        _ => architecture.ToString().ToLowerInvariant(),
    };

    public static Platform Parse(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(string.IsNullOrEmpty))
            throw new ImageException($"invalid platform '{text}': expected OS/ARCH or OS/ARCH/VARIANT, e.g. linux/arm64/v8");
        return new Platform(parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
    }

    /// <summary>Whether an index entry fits; no variant asked means any (arm64's v8 is the usual one).</summary>
    public bool Matches(PlatformSpec? spec) =>
        spec is not null && spec.Os == Os && spec.Architecture == Architecture && (Variant is null || spec.Variant == Variant);

    /// <summary>Picks the index entry for this platform; the error lists what the index has.</summary>
    public Descriptor Select(ImageIndex index, string what)
    {
        Descriptor? best = index.Manifests.FirstOrDefault(m => Matches(m.Platform) && (Variant is not null || m.Platform!.Variant is null or "v8"))
            ?? index.Manifests.FirstOrDefault(m => Matches(m.Platform));
        if (best is not null)
            return best;
        string available = string.Join(", ", index.Manifests.Where(m => m.Platform is not null)
            .Select(m => new Platform(m.Platform!.Os, m.Platform.Architecture, m.Platform.Variant).ToString()));
        throw new ImageException($"{what} has no manifest for platform {this} (it has: {(available.Length == 0 ? "none" : available)}); choose one with --platform");
    }
}
