using System.Globalization;
using System.Text;
using Strata.Differential.Tests.Script;

namespace Strata.Differential.Tests.Running;

/// <summary>
/// How often each kind of step succeeded and failed (both sides agreed, so the kernel's outcome is counted).
/// A kind that nearly always fails only tests error paths: the harness would look strong while the
/// successful path of that call went unchecked.
/// </summary>
public sealed class OperationMix
{
    private readonly SortedDictionary<string, Tally> _kinds = new(StringComparer.Ordinal);

    public int Steps { get; private set; }

    public void Record(Operation step, string outcome)
    {
        // The outcome starts with the call's own result, then the probes of the paths it touched.
        string result = outcome.Split(" | ", 2)[0];
        if (!_kinds.TryGetValue(step.Kind, out Tally? entry))
            _kinds.Add(step.Kind, entry = new Tally());
        if (step.Failure(result) is not { } error)
            entry.Ok++;
        else
        {
            entry.Failed++;
            entry.Errors[error] = entry.Errors.GetValueOrDefault(error) + 1;
        }
        Steps++;
    }

    public IEnumerable<string> Kinds => _kinds.Keys;

    public double SuccessShare(string kind) =>
        _kinds.TryGetValue(kind, out var e) && e.Ok + e.Failed > 0 ? (double)e.Ok / (e.Ok + e.Failed) : 0;

    /// <summary>One line per kind: counts, success share and the errnos seen, most frequent first.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Steps} steps compared");
        foreach (var (kind, e) in _kinds)
        {
            string errors = string.Join(' ', e.Errors.OrderByDescending(p => p.Value).Select(p => $"{p.Key}:{p.Value}"));
            text.AppendLine(CultureInfo.InvariantCulture, $"  {kind,-34} ok {e.Ok,6}  failed {e.Failed,6}  ({SuccessShare(kind),4:P0} ok)  {errors}");
        }
        return text.ToString();
    }

    private sealed class Tally
    {
        public int Ok { get; set; }

        public int Failed { get; set; }

        public SortedDictionary<string, int> Errors { get; } = new(StringComparer.Ordinal);
    }
}
