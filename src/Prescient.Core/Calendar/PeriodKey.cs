namespace Prescient.Core.Calendar;

/// <summary>
/// One period of one local day: <see cref="Index"/> counts the periods elapsed since local midnight (0-based).
/// Ordered by date, then index.
/// </summary>
public readonly record struct PeriodKey(DateOnly Date, int Index) : IComparable<PeriodKey>
{
    /// <inheritdoc />
    public int CompareTo(PeriodKey other)
    {
        var byDate = Date.CompareTo(other.Date);
        return byDate != 0 ? byDate : Index.CompareTo(other.Index);
    }

    /// <summary>Whether <paramref name="left"/> comes before <paramref name="right"/>.</summary>
    public static bool operator <(PeriodKey left, PeriodKey right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> comes after <paramref name="right"/>.</summary>
    public static bool operator >(PeriodKey left, PeriodKey right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> comes before or is <paramref name="right"/>.</summary>
    public static bool operator <=(PeriodKey left, PeriodKey right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> comes after or is <paramref name="right"/>.</summary>
    public static bool operator >=(PeriodKey left, PeriodKey right) => left.CompareTo(right) >= 0;

    /// <summary>A stable text form, <c>yyyy-MM-dd/NN</c>, usable as a storage key (sorts chronologically).</summary>
    public override string ToString() =>
        Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + "/" +
        Index.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
}
