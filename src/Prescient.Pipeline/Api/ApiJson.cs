using System.Text.Json;
using System.Text.Json.Serialization;

namespace Prescient.Pipeline.Api;

/// <summary>
/// The JSON conventions of the operations API: camelCase names, enums as camelCase strings (never numbers), numbers
/// as JSON numbers (never strings), each member once, no unknown members; request bodies declared as
/// <c>application/json</c> in UTF-8.
/// </summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            AllowTrailingCommas = false,
            NumberHandling = JsonNumberHandling.Strict,
            AllowDuplicateProperties = false,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Reads a request body; a malformed body gives a message naming the JSON path and the problem.</summary>
    public static bool TryRead<T>(ReadOnlyMemory<byte> body, out T? value, out string? error)
        where T : class
    {
        value = null;
        if (body.IsEmpty)
        {
            error = "The request body is empty; a JSON object is expected.";
            return false;
        }

        try
        {
            value = JsonSerializer.Deserialize<T>(body.Span, Options);
            error = value is null ? "The request body is JSON null; a JSON object is expected." : null;
            return value is not null;
        }
        catch (JsonException exception)
        {
            var where = string.IsNullOrEmpty(exception.Path) ? "" : $" at {exception.Path}";
            error = $"The request body is not valid{where}: {FirstSentence(exception.Message)}";
            return false;
        }
    }

    /// <summary>
    /// Why a request body with this Content-Type is not read (null when it is JSON): <c>application/json</c> or a
    /// <c>+json</c> type, in UTF-8 (the default; any other charset is refused).
    /// </summary>
    public static string? DescribeContentTypeProblem(string? contentType)
    {
        const string Expected = "Send the body as JSON with Content-Type: application/json (UTF-8); nothing was changed.";
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return "The request has a body but no Content-Type. " + Expected;
        }

        if (!System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed) || parsed.MediaType is not { } mediaType)
        {
            return $"The Content-Type '{contentType}' cannot be read. " + Expected;
        }

        var json = mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        if (!json)
        {
            return $"The body was sent as '{mediaType}'. " + Expected;
        }

        var charset = parsed.CharSet?.Trim('"');
        return charset is null || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"The body was sent in charset '{charset}'. " + Expected;
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". Path:", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }
}
