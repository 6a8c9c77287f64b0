namespace Strata.Image.Registry;

/// <summary>A parsed <c>WWW-Authenticate</c> header: the scheme (Bearer or Basic) and its parameters (realm, service, scope).</summary>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public string? this[string name] => Parameters.TryGetValue(name, out string? v) ? v : null;

    /// <summary>Parses <c>Bearer realm="https://auth",service="reg",scope="repository:x:pull"</c> (quoted or token values).</summary>
    public static AuthChallenge Parse(string header)
    {
        string text = header.Trim();
        int space = text.IndexOf(' ', StringComparison.Ordinal);
        string scheme = space < 0 ? text : text[..space];
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int i = space < 0 ? text.Length : space + 1;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ' ' || text[i] == ','))
                i++;
            int eq = text.IndexOf('=', i);
            if (eq < 0)
                break;
            string key = text[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < text.Length && text[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                        i++;
                    sb.Append(text[i++]);
                }
                i++;
                value = sb.ToString();
            }
            else
            {
                int end = text.IndexOf(',', i);
                if (end < 0)
                    end = text.Length;
                value = text[i..end].Trim();
                i = end;
            }
            parameters[key] = value;
        }
        return new AuthChallenge(scheme, parameters);
    }
}
