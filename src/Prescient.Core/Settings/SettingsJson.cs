using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Prescient.Core.Settings;

/// <summary>
/// The JSON form of settings: camelCase properties, kebab-case enum values (<c>weekday-weekend</c>,
/// <c>predict-only</c>, <c>autostart</c>), durations as <c>hh:mm:ss</c>, dates as <c>yyyy-MM-dd</c>. Unknown
/// properties, repeated properties and numbers written as strings are errors, so a typo is reported rather than ignored.
/// </summary>
public static class SettingsJson
{
    /// <summary>The serializer options used for settings.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>Reads a settings document (without validating its values: call <see cref="SettingsDocument.Validate"/>).</summary>
    /// <exception cref="SettingsValidationException">The JSON is malformed or has unknown properties or values.</exception>
    public static SettingsDocument Read(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize<SettingsDocument>(json, Options)
                ?? throw new SettingsValidationException("The settings document is empty (null).");
        }
        catch (JsonException e)
        {
            var where = e.Path is null ? string.Empty : $" at {e.Path}";
            throw new SettingsValidationException($"The settings document is not valid{where}: {e.Message}", e);
        }
    }

    /// <summary>Writes a settings document (indented).</summary>
    public static byte[] Write(SettingsDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return JsonSerializer.SerializeToUtf8Bytes(document, Options);
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            AllowTrailingCommas = true,
            ReadCommentHandling = JsonCommentHandling.Skip,
            // Numbers as JSON numbers (no "0.1", no "NaN"), each property once (a repeated key is an error, not "last wins").
            NumberHandling = JsonNumberHandling.Strict,
            AllowDuplicateProperties = false,
            // Reflection, not source generation: generated code would reset omitted init-only settings to null.
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
        options.MakeReadOnly();
        return options;
    }
}
