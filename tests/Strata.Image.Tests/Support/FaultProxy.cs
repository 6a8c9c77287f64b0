using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Strata.Image.Tests.Support;

/// <summary>What the proxy does to one matching request instead of passing the registry's answer through.</summary>
public abstract record Fault
{
    /// <summary>Answers this status (no body from the registry), with Retry-After when given.</summary>
    public sealed record Status(int Code, int? RetryAfterSeconds = null) : Fault;

    /// <summary>Sends the registry's headers (full Content-Length) and only the first bytes of the body, then closes.</summary>
    public sealed record Truncate(int Bytes) : Fault;

    /// <summary>Flips one byte in the middle of the body.</summary>
    public sealed record Corrupt : Fault;

    /// <summary>Resets the connection (RST) before answering.</summary>
    public sealed record Reset : Fault;

    /// <summary>Answers correctly, after a delay.</summary>
    public sealed record Delay(TimeSpan Time) : Fault;

    /// <summary>Sends the headers and the first bytes of the body, then goes silent for a bounded time and closes.</summary>
    public sealed record Stall(TimeSpan Time, int AfterBytes) : Fault;

    /// <summary>Answers with this instead of asking the registry (a manifest the registry would refuse to store).</summary>
    public sealed record Canned(int Code, string ContentType, byte[] Body) : Fault;
}

/// <summary>
/// A small HTTP/1.1 proxy on 127.0.0.1 in front of the test registry that injects faults into chosen
/// requests (by a substring of the path, a given number of times): statuses, truncated or corrupted bodies,
/// resets, delays, stalls, canned answers. Every connection carries one request and is closed after it; each
/// is handled within a time bound, and the proxy stops at dispose. It counts the requests per path.
/// </summary>
public sealed class FaultProxy : IDisposable
{
    private static readonly TimeSpan ConnectionLimit = TimeSpan.FromSeconds(60);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _upstream;
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(string PathContains, Fault Fault, int Left)> _rules = [];
    private readonly ConcurrentQueue<string> _paths = new();
    private readonly Task _accepting;

    public FaultProxy(Uri upstream)
    {
        _upstream = upstream;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    /// <summary>The next <paramref name="times"/> requests whose path contains the text get the fault (-1: all of them).</summary>
    public void Add(string pathContains, Fault fault, int times = 1)
    {
        lock (_rules)
            _rules.Add((pathContains, fault, times));
    }

    public void Clear()
    {
        lock (_rules)
            _rules.Clear();
    }

    public int Requests(string pathContains) => _paths.Count(p => p.Contains(pathContains, StringComparison.Ordinal));

    private Fault? Take(string path)
    {
        lock (_rules)
        {
            for (int i = 0; i < _rules.Count; i++)
            {
                (string contains, Fault fault, int left) = _rules[i];
                if (!path.Contains(contains, StringComparison.Ordinal))
                    continue;
                if (left == 1)
                    _rules.RemoveAt(i);
                else if (left > 1)
                    _rules[i] = (contains, fault, left - 1);
                return fault;
            }
        }
        return null;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(socket));
        }
    }

    private async Task HandleAsync(Socket socket)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        bound.CancelAfter(ConnectionLimit);
        try
        {
            using var stream = new NetworkStream(socket, ownsSocket: false);
            (string method, string path, Dictionary<string, string> headers) = await ReadRequestAsync(stream, bound.Token);
            _paths.Enqueue(path);
            Fault? fault = Take(path);
            switch (fault)
            {
                case Fault.Reset:
                    socket.LingerState = new LingerOption(true, 0);
                    return;
                case Fault.Status status:
                    await WriteAsync(stream, status.Code, [], status.RetryAfterSeconds is { } s ? [("Retry-After", s.ToString(System.Globalization.CultureInfo.InvariantCulture))] : [], null, bound.Token);
                    return;
                case Fault.Canned canned:
                    await WriteAsync(stream, canned.Code, canned.Body, [("Content-Type", canned.ContentType)], null, bound.Token);
                    return;
                case Fault.Delay delay:
                    await Task.Delay(delay.Time, bound.Token);
                    break;
            }
            (int code, byte[] body, List<(string, string)> answerHeaders) = await ForwardAsync(method, path, headers, bound.Token);
            if (fault is Fault.Corrupt && body.Length > 0)
                body[body.Length / 2] ^= 0x5A;
            int? cut = fault switch
            {
                Fault.Truncate t => Math.Min(t.Bytes, body.Length),
                Fault.Stall s => Math.Min(s.AfterBytes, body.Length),
                _ => null,
            };
            await WriteAsync(stream, code, body, answerHeaders, cut, bound.Token);
            if (fault is Fault.Stall stall)
                await Task.Delay(stall.Time, bound.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or HttpRequestException or InvalidDataException)
        {
            // The client went away, or the connection outlived its bound: nothing to answer.
        }
        finally
        {
            socket.Dispose();
        }
    }

    private static async Task<(string Method, string Path, Dictionary<string, string> Headers)> ReadRequestAsync(Stream stream, CancellationToken cancel)
    {
        var text = new StringBuilder();
        byte[] one = new byte[1];
        while (!text.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (text.Length > 64 * 1024 || await stream.ReadAsync(one, cancel) == 0)
                throw new InvalidDataException("no complete request");
            text.Append((char)one[0]);
        }
        string[] lines = text.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        string[] requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines[1..])
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return (requestLine[0], requestLine[1], headers);
    }

    private async Task<(int Code, byte[] Body, List<(string, string)> Headers)> ForwardAsync(string method, string path, Dictionary<string, string> headers, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(_upstream, path));
        foreach (string name in new[] { "Accept", "Authorization" })
        {
            if (headers.TryGetValue(name, out string? value))
                request.Headers.TryAddWithoutValidation(name, value);
        }
        using HttpResponseMessage response = await _http.SendAsync(request, cancel);
        byte[] body = await response.Content.ReadAsByteArrayAsync(cancel);
        var answer = new List<(string, string)>();
        if (response.Content.Headers.ContentType is { } type)
            answer.Add(("Content-Type", type.ToString()));
        foreach (string name in new[] { "Docker-Content-Digest", "Location", "WWW-Authenticate" })
        {
            if (response.Headers.TryGetValues(name, out IEnumerable<string>? values))
                answer.Add((name, values.First()));
        }
        return ((int)response.StatusCode, method == "HEAD" ? [] : body, answer);
    }

    private static async Task WriteAsync(Stream stream, int code, byte[] body, IEnumerable<(string Name, string Value)> headers, int? cut, CancellationToken cancel)
    {
        var head = new StringBuilder($"HTTP/1.1 {code} {(HttpStatusCode)code}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n");
        foreach ((string name, string value) in headers)
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancel);
        await stream.WriteAsync(body.AsMemory(0, cut ?? body.Length), cancel);
        await stream.FlushAsync(cancel);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _accepting.Wait(TimeSpan.FromSeconds(10));
        _http.Dispose();
        _stop.Dispose();
    }
}
