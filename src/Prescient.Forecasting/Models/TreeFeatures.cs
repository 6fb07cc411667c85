using Microsoft.ML.Data;
using Prescient.Core.Calendar;
using Prescient.Forecasting.Series;

namespace Prescient.Forecasting.Models;

/// <summary>
/// One row of the tree model: features known at the origin, for the period <c>Horizon</c> steps ahead, all relative
/// to the last measured load (the label is the change from it), so one model serves hosts of any level.
/// </summary>
public sealed class TreeFeatures
{
    /// <summary>The last measured load.</summary>
    public float Level { get; set; }

    /// <summary>Last minus the one before.</summary>
    public float Delta1 { get; set; }

    /// <summary>Last minus the one two periods before.</summary>
    public float Delta2 { get; set; }

    /// <summary>Mean of the last 3 periods minus the last.</summary>
    public float Mean3Gap { get; set; }

    /// <summary>Mean of the last 12 periods minus the last.</summary>
    public float Mean12Gap { get; set; }

    /// <summary>Mean of the last day minus the last.</summary>
    public float DayMeanGap { get; set; }

    /// <summary>The target period yesterday minus the last.</summary>
    public float DayGap { get; set; }

    /// <summary>Yesterday's change from the anchor period to the target period.</summary>
    public float DayDelta { get; set; }

    /// <summary>The target period a week ago minus the last.</summary>
    public float WeekGap { get; set; }

    /// <summary>Last week's change from the anchor period to the target period.</summary>
    public float WeekDelta { get; set; }

    /// <summary>1 when yesterday's values exist.</summary>
    public float HasDay { get; set; }

    /// <summary>1 when last week's values exist.</summary>
    public float HasWeek { get; set; }

    /// <summary>Periods from the last measured one to the target (1 = the next period).</summary>
    public float Horizon { get; set; }

    /// <summary>The target's period of day, scaled to [0, 1].</summary>
    public float PeriodOfDay { get; set; }

    /// <summary>The target's day category, scaled to [0, 1].</summary>
    public float DayCategory { get; set; }

    /// <summary>The host's mean load over its history (the host feature of the pooled model).</summary>
    public float HostMean { get; set; }

    /// <summary>The target minus the last measured load (training only).</summary>
    public float Label { get; set; }

    /// <summary>The feature column names, in order.</summary>
    internal static readonly string[] Names =
    [
        nameof(Level), nameof(Delta1), nameof(Delta2), nameof(Mean3Gap), nameof(Mean12Gap), nameof(DayMeanGap),
        nameof(DayGap), nameof(DayDelta), nameof(WeekGap), nameof(WeekDelta), nameof(HasDay), nameof(HasWeek),
        nameof(Horizon), nameof(PeriodOfDay), nameof(DayCategory), nameof(HostMean),
    ];

    /// <summary>The features in <see cref="Names"/> order.</summary>
    internal void CopyTo(Span<float> x)
    {
        x[0] = Level;
        x[1] = Delta1;
        x[2] = Delta2;
        x[3] = Mean3Gap;
        x[4] = Mean12Gap;
        x[5] = DayMeanGap;
        x[6] = DayGap;
        x[7] = DayDelta;
        x[8] = WeekGap;
        x[9] = WeekDelta;
        x[10] = HasDay;
        x[11] = HasWeek;
        x[12] = Horizon;
        x[13] = PeriodOfDay;
        x[14] = DayCategory;
        x[15] = HostMean;
    }

    /// <summary>
    /// The features of target period <paramref name="target"/> from anchor <paramref name="anchor"/> (the last
    /// measured period before the origin); values at or after <paramref name="origin"/> are never read.
    /// </summary>
    internal static TreeFeatures Of(LoadSeries s, int origin, int anchor, int target, double hostMean, DayCategorizer categories)
    {
        double At(int t) => t < origin ? s[t] : double.NaN;
        var level = s.Values[anchor];
        var ppd = s.PeriodsPerDay;
        double Or(double v, double fallback) => double.IsNaN(v) ? fallback : v;
        var mean3 = Or(MeanBack(s, anchor, 3, origin), level);
        var mean12 = Or(MeanBack(s, anchor, 12, origin), level);
        var meanDay = Or(MeanBack(s, anchor, ppd, origin), level);
        var dayTarget = At(target - ppd);
        var dayAnchor = At(anchor - ppd);
        var weekTarget = At(target - (7 * ppd));
        var weekAnchor = At(anchor - (7 * ppd));
        var hasDay = !double.IsNaN(dayTarget) && !double.IsNaN(dayAnchor);
        var hasWeek = !double.IsNaN(weekTarget) && !double.IsNaN(weekAnchor);
        var period = s.PeriodAt(target);
        return new TreeFeatures
        {
            Level = (float)level,
            Delta1 = (float)(level - Or(At(anchor - 1), level)),
            Delta2 = (float)(level - Or(At(anchor - 2), level)),
            Mean3Gap = (float)(mean3 - level),
            Mean12Gap = (float)(mean12 - level),
            DayMeanGap = (float)(meanDay - level),
            DayGap = hasDay ? (float)(dayTarget - level) : 0,
            DayDelta = hasDay ? (float)(dayTarget - dayAnchor) : 0,
            WeekGap = hasWeek ? (float)(weekTarget - level) : 0,
            WeekDelta = hasWeek ? (float)(weekTarget - weekAnchor) : 0,
            HasDay = hasDay ? 1 : 0,
            HasWeek = hasWeek ? 1 : 0,
            Horizon = target - anchor,
            PeriodOfDay = ppd == 1 ? 0 : (float)period.Index / (ppd - 1),
            DayCategory = (float)categories.ScaledCategory(period.Date),
            HostMean = (float)(double.IsNaN(hostMean) ? level : hostMean),
        };
    }

    private static double MeanBack(LoadSeries s, int anchor, int count, int origin)
    {
        double sum = 0;
        var n = 0;
        for (var t = anchor; t > anchor - count && t >= 0; t--)
        {
            if (t < origin && !double.IsNaN(s.Values[t]))
            {
                sum += s.Values[t];
                n++;
            }
        }

        return n == 0 ? double.NaN : sum / n;
    }
}

/// <summary>The tree model's output column.</summary>
public sealed class TreeScore
{
    /// <summary>The predicted change from the last measured load.</summary>
    [ColumnName("Score")]
    public float Value { get; set; }
}
