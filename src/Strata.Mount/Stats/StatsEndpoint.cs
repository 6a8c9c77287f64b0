using System.IO.Hashing;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Strata.Posix;

namespace Strata.Mount.Stats;

/// <summary>
/// A server's counters, served on an abstract Unix socket named after its mount point (nothing on disk to
/// clean up; gone with the process). Each connection gets one JSON line, then is closed.
/// </summary>
public sealed class StatsEndpoint : IDisposable
{
    private readonly int _listener;
    private readonly Func<MountStats> _snapshot;
    private readonly Thread _thread;

    private StatsEndpoint(int listener, Func<MountStats> snapshot)
    {
        _listener = listener;
        _snapshot = snapshot;
        _thread = new Thread(Serve) { IsBackground = true, Name = "strata-stats" };
        _thread.Start();
    }

    /// <summary>Starts serving; null when the name is taken (another server on the same mount point).</summary>
    public static StatsEndpoint? Start(string mountPoint, Func<MountStats> snapshot)
    {
        // The socket calls themselves, not System.Net.Sockets: that starts its event thread (about a millisecond
        // of every mount's latency here) for a socket that only ever accepts, blocking, on a thread of its own.
        int listener = Posix.Posix.ListenAbstractUnix(Encoding.UTF8.GetBytes(NameFor(mountPoint)), backlog: 4);
        return listener < 0 ? null : new StatsEndpoint(listener, snapshot);
    }

    /// <summary>The counters of the server of a mount point, or null when no server answers there.</summary>
    public static MountStats? Query(string mountPoint)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(EndpointFor(mountPoint));
            using var stream = new NetworkStream(socket);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string? line = reader.ReadLine();
            return line is null ? null : JsonSerializer.Deserialize(line, MountStatsJson.Default.MountStats);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static UnixDomainSocketEndPoint EndpointFor(string mountPoint) => new("\0" + NameFor(mountPoint));

    /// <summary>The abstract socket name (without its leading NUL) of a mount point's server.</summary>
    private static string NameFor(string mountPoint)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPoint));
        // A non-cryptographic hash: SHA-256 loaded OpenSSL into the server before its mount was live (a few ms of
        // every mount's latency), and a name needs no resistance to an attacker, only to chance.
        return "strata-stats-" + Convert.ToHexStringLower(XxHash128.Hash(Encoding.UTF8.GetBytes(full)));
    }

    private void Serve()
    {
        while (true)
        {
            int client = Posix.Posix.Accept(_listener);
            if (client == -Errno.EINTR || client == -Errno.ECONNABORTED)
                continue;
            if (client < 0)
                return; // shut down (EINVAL), or the listener is unusable
            byte[] line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(_snapshot(), MountStatsJson.Default.MountStats) + "\n");
            Posix.Posix.WriteAll(client, line); // an asker gone away is nothing to act on
            Posix.Posix.Close(client);
        }
    }

    public void Dispose()
    {
        // Closing a socket does not wake a thread blocked in accept on it; shutting it down does (EINVAL).
        Libc.shutdown(_listener, Libc.SHUT_RDWR);
        _thread.Join(TimeSpan.FromSeconds(5));
        Posix.Posix.Close(_listener);
    }
}
