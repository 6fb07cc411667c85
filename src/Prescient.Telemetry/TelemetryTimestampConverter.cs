using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Prescient.Telemetry;

/// <summary>
/// Sample timestamps as ISO 8601 date and time with an explicit UTC offset (<c>2026-11-24T08:00:00Z</c>,
/// <c>2026-11-24T09:00:00.5+01:00</c>). A timestamp without an offset (whose meaning would depend on the ingesting
/// machine's time zone), a date without a time, or any other text is refused with a <see cref="TimestampJsonException"/>
/// naming the text. Written in the round-trip form (<c>O</c>).
/// </summary>
public sealed class TelemetryTimestampConverter : JsonConverter<DateTimeOffset>
{
    private static readonly string[] Formats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new TimestampJsonException($"A timestamp must be a JSON string (ISO 8601 with an offset, e.g. 2026-11-24T08:00:00Z), not a {reader.TokenType}.");
        }

        var text = reader.GetString() ?? string.Empty;
        if (Describe(text) is { } problem)
        {
            throw new TimestampJsonException($"'{(text.Length > 40 ? text[..40] + "…" : text)}' {problem}");
        }

        return DateTimeOffset.ParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None);
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString("O", CultureInfo.InvariantCulture));
    }

    /// <summary>What is wrong with a timestamp's text, or null when it is a date and time with an offset.</summary>
    public static string? Describe(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        const string Expected = "timestamps are ISO 8601 with a time and an offset, e.g. 2026-11-24T08:00:00Z or 2026-11-24T09:00:00+01:00.";
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return "has no time of day; " + Expected;
        }

        if (!DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return "is not a date and time; " + Expected;
        }

        // K also matches nothing: the text must end in Z or +hh:mm / -hh:mm.
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z')
            || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':' && char.IsAsciiDigit(text[^1]));
        return hasOffset ? null : "has no UTC offset; " + Expected;
    }
}

/// <summary>A timestamp that <see cref="TelemetryTimestampConverter"/> refused (the validator gives it its own code).</summary>
public sealed class TimestampJsonException : JsonException
{
    public TimestampJsonException()
    {
    }

    public TimestampJsonException(string message)
        : base(message)
    {
    }

    public TimestampJsonException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
