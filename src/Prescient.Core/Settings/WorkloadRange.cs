using System.Globalization;

namespace Prescient.Core.Settings;

/// <summary>
/// An operating range of workload, [Low, High] within [0, 1]. Does not throw when built (so a settings document
/// can be read and then report all its problems); <see cref="Validate"/> lists them.
/// </summary>
public sealed record WorkloadRange(double Low, double High)
{
    /// <summary>Whether <paramref name="workload"/> lies in [Low, High].</summary>
    public bool Contains(double workload) => workload >= Low && workload <= High;

    /// <summary>Whether <paramref name="other"/> lies entirely within this range.</summary>
    public bool Contains(WorkloadRange other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.Low >= Low && other.High <= High;
    }

    /// <summary>Problems with this range, each starting with <paramref name="name"/> (empty when valid).</summary>
    public IReadOnlyList<string> Validate(string name)
    {
        var errors = new List<string>();
        if (!IsFraction(Low) || !IsFraction(High))
        {
            errors.Add($"The {name} {this} must lie within [0, 1] (fractions, not percentages).");
        }
        else if (Low >= High)
        {
            errors.Add($"The {name} {this} must have low < high.");
        }

        return errors;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[{Low:0.###}, {High:0.###}]");

    private static bool IsFraction(double value) => value is >= 0 and <= 1;
}
