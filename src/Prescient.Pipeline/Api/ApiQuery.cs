using System.Globalization;

namespace Prescient.Pipeline.Api;

/// <summary>Query parameters of the API's routes: each problem is added to the caller's list of errors (one line each).</summary>
public static class ApiQuery
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static DateTimeOffset? ParseTime(ApiRequest request, string name, List<string> errors)
    {
        var text = request.QueryValue(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        errors.Add($"{name}: '{text}' is not a date and time (ISO 8601, e.g. 2026-11-24T08:00:00Z).");
        return null;
    }

    public static int ParseLimit(ApiRequest request, List<string> errors)
    {
        var text = request.QueryValue("limit");
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultLimit;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxLimit)
        {
            return limit;
        }

        errors.Add($"limit: '{text}' is not a whole number from 1 to {MaxLimit}.");
        return DefaultLimit;
    }

    public static T? ParseEnum<T>(ApiRequest request, string name, List<string> errors)
        where T : struct, Enum
    {
        var text = request.QueryValue(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(text, out _))
        {
            return value;
        }

        errors.Add($"{name}: '{text}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(JsonNamingCamel))}.");
        return null;
    }

    public static string JsonNamingCamel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
