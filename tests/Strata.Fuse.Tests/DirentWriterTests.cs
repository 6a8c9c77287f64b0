using System.Runtime.InteropServices;

namespace Strata.Fuse.Tests;

public class DirentWriterTests
{
    [Fact]
    public void RecordsArePaddedTo8BytesAndRefusedWhole()
    {
        byte[] buffer = new byte[64];
        buffer.AsSpan().Fill(0xAA);
        var writer = new DirentWriter(buffer);

        Assert.True(writer.TryAdd("abc"u8, 42, 8, 1)); // 24 + 3 -> 32
        Assert.Equal(32, writer.BytesWritten);
        FuseDirent d = MemoryMarshal.Read<FuseDirent>(buffer);
        Assert.Equal(42UL, d.Ino);
        Assert.Equal(1UL, d.Offset);
        Assert.Equal(3u, d.NameLength);
        Assert.Equal(8u, d.Type);
        Assert.True("abc"u8.SequenceEqual(buffer.AsSpan(24, 3)));
        Assert.All(buffer[27..32], b => Assert.Equal(0, b));

        Assert.True(writer.TryAdd("12345678"u8, 43, 4, 2)); // exactly 32
        Assert.Equal(64, writer.BytesWritten);
        Assert.False(writer.TryAdd("x"u8, 44, 8, 3));
        Assert.Equal(64, writer.BytesWritten);
    }

    [Fact]
    public void PlusRecordsCarryTheEntry()
    {
        byte[] buffer = new byte[200];
        var writer = new DirentWriter(buffer);
        var entry = new FuseEntryOut { NodeId = 7, EntryValid = 1, Attr = new FuseAttr { Ino = 7, Mode = 0x81A4 } };

        Assert.True(writer.TryAddPlus(in entry, "file"u8, 8, 5)); // 128 + 24 + 4 -> 160
        Assert.Equal(160, writer.BytesWritten);
        Assert.Equal(7UL, MemoryMarshal.Read<FuseEntryOut>(buffer).NodeId);
        FuseDirent d = MemoryMarshal.Read<FuseDirent>(buffer.AsSpan(128));
        Assert.Equal(7UL, d.Ino);
        Assert.Equal(5UL, d.Offset);
        Assert.False(writer.TryAddPlus(in entry, "file"u8, 8, 6));
    }
}
