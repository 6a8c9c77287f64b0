namespace Strata.Image.Tests.Support;

/// <summary>
/// Three layers whose upper ones overwrite and delete what the lower ones hold, in every way the union rules
/// allow, with sizes chosen so that each case shows in the wasted bytes:
/// layer 0: a/big (1000 B), a/keep (10), b (100) and its hard link hl, c (50), d/in (20), e (7), lnk -> d;
/// layer 1: a/big again (300), a whiteout of c, d made opaque with d/new (5), b again (1);
/// layer 2: a whiteout of a, e as a dir with e/x (2).
/// </summary>
public static class ShadowingLayers
{
    public static byte[] Layer0() => new TarBuilder()
        .Dir("a/")
        .File("a/big", new string('x', 1000))
        .File("a/keep", new string('k', 10))
        .File("b", new string('b', 100))
        .HardLink("hl", "b")
        .File("c", new string('c', 50))
        .Dir("d/")
        .File("d/in", new string('i', 20))
        .File("e", new string('e', 7))
        .Symlink("lnk", "d")
        .Build();

    public static byte[] Layer1() => new TarBuilder()
        .Dir("a/")
        .File("a/big", new string('y', 300))
        .File(".wh.c", "")
        .Dir("d/")
        .File("d/.wh..wh..opq", "")
        .File("d/new", "nnnnn")
        .File("b", "B")
        .Build();

    public static byte[] Layer2() => new TarBuilder()
        .File(".wh.a", "")
        .Dir("e/")
        .File("e/x", "xx")
        .Build();

    public static byte[][] All => [Layer0(), Layer1(), Layer2()];
}
