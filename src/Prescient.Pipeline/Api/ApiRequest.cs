namespace Prescient.Pipeline.Api;

/// <summary>
/// An HTTP request as the operations API sees it, independent of the host (Azure Functions or the local ASP.NET
/// Core host). <see cref="Path"/> is relative to <c>/api</c> and starts with <c>/</c> (e.g. <c>/hosts/h1/series</c>).
/// Header and query names are case-insensitive.
/// </summary>
public sealed record ApiRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Headers,
    ReadOnlyMemory<byte> Body)
{
    public static ApiRequest Create(
        string method,
        string path,
        IEnumerable<KeyValuePair<string, string>>? query = null,
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        ReadOnlyMemory<byte> body = default) =>
        new(
            method.ToUpperInvariant(),
            path,
            ToDictionary(query),
            ToDictionary(headers),
            body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public string? QueryValue(string name) => Query.TryGetValue(name, out var value) ? value : null;

    public bool IsMutating => Method is not ("GET" or "HEAD" or "OPTIONS");

    private static Dictionary<string, string> ToDictionary(IEnumerable<KeyValuePair<string, string>>? pairs)
    {
        var dictionary = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in pairs ?? [])
        {
            dictionary[key] = value;
        }

        return dictionary;
    }
}
