using System.Globalization;

namespace Prescient.Telemetry;

/// <summary>
/// The one rule for host, VM and group ids, wherever they come from (telemetry, settings routes, hypervisor
/// answers): 1 to <see cref="MaxLength"/> characters, starting with a letter or digit, then letters, digits and
/// <c>- _ . : @</c>. Ids become Azure Table keys and URL path segments, so <c>..</c>, <c>/</c>, <c>%</c>, control
/// characters and very long ids are refused where they enter.
/// </summary>
public static class EntityIds
{
    public const int MaxLength = 128;

    /// <summary>What is wrong with <paramref name="id"/> (a phrase such as "is 600 characters long; ..."), or null when it is valid.</summary>
    public static string? Describe(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "is empty.";
        }

        if (id.Length > MaxLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"is {id.Length} characters long; the limit is {MaxLength}.");
        }

        if (!char.IsAsciiLetterOrDigit(id[0]))
        {
            return string.Create(CultureInfo.InvariantCulture, $"starts with '{Printable(id[0])}'; it must start with a letter or a digit.");
        }

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '@'))
            {
                return string.Create(CultureInfo.InvariantCulture, $"contains the character U+{(int)c:X4}; only letters, digits and - _ . : @ are allowed.");
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="id"/> follows the rule.</summary>
    public static bool IsValid(string? id) => Describe(id) is null;

    /// <summary>An id for a message: quoted, and cut to 40 characters when longer.</summary>
    public static string Quote(string? id) =>
        id is null ? "(none)" : "'" + (id.Length > 40 ? id[..40] + "…" : id) + "'";

    private static string Printable(char c) =>
        char.IsControl(c) ? string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4}") : c.ToString();
}
