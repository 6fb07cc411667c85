using System.Text.Json;
using System.Text.Json.Serialization;

namespace Prescient.Pipeline.Api;

/// <summary>The JSON conventions of the operations API: camelCase names, enums as camelCase strings, no unknown members.</summary>
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

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". Path:", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }
}
