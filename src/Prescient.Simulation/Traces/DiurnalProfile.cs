namespace Prescient.Simulation.Traces;

/// <summary>A smooth daily shape: a night level and a bell around the peak hour; weekends scaled.</summary>
public sealed record DiurnalProfile(
    double Night = 0.1,
    double Peak = 0.6,
    double PeakHour = 14,
    double WidthHours = 3.5,
    double WeekendFactor = 0.5)
{
    public double LevelAt(DateOnly date, double hour)
    {
        var d = Math.Abs(hour - PeakHour);
        d = Math.Min(d, 24 - d);
        var amplitude = (Peak - Night) * (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? WeekendFactor : 1);
        return Night + (amplitude * Math.Exp(-0.5 * (d / WidthHours) * (d / WidthHours)));
    }
}
