using System.IO.Hashing;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Strata.Mount.Stats;

/// <summary>
/// A server's counters, served on an abstract Unix socket named after its mount point (nothing on disk to
/// clean up; gone with the process). Each connection gets one JSON line, then is closed.
/// </summary>
public sealed class StatsEndpoint : IDisposable
{
    private readonly Socket _listener;
    private readonly Func<MountStats> _snapshot;
    private readonly Thread _thread;

    private StatsEndpoint(Socket listener, Func<MountStats> snapshot)
    {
        _listener = listener;
        _snapshot = snapshot;
        _thread = new Thread(Serve) { IsBackground = true, Name = "strata-stats" };
        _thread.Start();
    }

    /// <summary>Starts serving; null when the name is taken (another server on the same mount point).</summary>
    public static StatsEndpoint? Start(string mountPoint, Func<MountStats> snapshot)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(EndpointFor(mountPoint));
            socket.Listen(4);
            return new StatsEndpoint(socket, snapshot);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
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

    private static UnixDomainSocketEndPoint EndpointFor(string mountPoint)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPoint));
        // A non-cryptographic hash: SHA-256 loaded OpenSSL into the server before its mount was live (a few ms of
        // every mount's latency), and a name needs no resistance to an attacker, only to chance.
        string hash = Convert.ToHexStringLower(XxHash128.Hash(Encoding.UTF8.GetBytes(full)));
        return new UnixDomainSocketEndPoint("\0strata-stats-" + hash);
    }

    private void Serve()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = _listener.Accept();
            }
            catch (SocketException)
            {
                return; // closed
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            using (client)
            {
                try
                {
                    byte[] line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(_snapshot(), MountStatsJson.Default.MountStats) + "\n");
                    client.Send(line);
                }
                catch (SocketException)
                {
                    // The asker went away; nothing to do.
                }
            }
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _thread.Join(TimeSpan.FromSeconds(5));
    }
}
