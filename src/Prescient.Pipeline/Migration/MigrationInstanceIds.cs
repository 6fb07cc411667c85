namespace Prescient.Pipeline.Migration;

/// <summary>
/// Deterministic orchestration instance ids: one per VM group (so a VM is never in two migrations), one per host for
/// its evacuation (so a host is never evacuated twice at once).
/// </summary>
public static class MigrationInstanceIds
{
    public const string EvacuationPrefix = "evacuate-";

    public static string ForRequest(MigrationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = request.GroupId is { Length: > 0 } group
            ? "group-" + group
            : "vm-" + string.Join("+", request.VmIds.Order(StringComparer.Ordinal));
        return "migrate-" + Sanitise(key);
    }

    public static string ForEvacuation(string hostId) => EvacuationPrefix + Sanitise(hostId);

    /// <summary>Letters, digits, '-', '_', '.' and '+' kept; anything else becomes '-'.</summary>
    public static string Sanitise(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return string.Concat(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '+' ? c : '-'));
    }
}
