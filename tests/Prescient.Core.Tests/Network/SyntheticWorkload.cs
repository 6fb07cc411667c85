using Prescient.Core.Network;

namespace Prescient.Core.Tests.Network;

/// <summary>A diurnal workload: quiet nights, a busy working day, lighter weekends, noise.</summary>
internal static class SyntheticWorkload
{
    public static readonly DateOnly FirstDay = new(2026, 11, 2); // a Monday

    public static double Shape(DateOnly date, int period)
    {
        var hour = period / 3.0;
        var day = hour is > 7 and < 20 ? Math.Pow(Math.Sin(Math.PI * (hour - 7) / 13), 2) : 0;
        var weekend = date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
        return 0.05 + ((weekend ? 0.35 : 0.85) * day);
    }

    public static List<PeriodObservation> Days(DateOnly first, int days, double noise, int seed)
    {
        var random = new Random(seed);
        var result = new List<PeriodObservation>(days * 72);
        var previous = Shape(first, 0);
        for (var d = 0; d < days; d++)
        {
            var date = first.AddDays(d);
            for (var p = 0; p < 72; p++)
            {
                var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                var value = Math.Clamp(Shape(date, p) + (noise * gaussian), 0, 1);
                result.Add(new PeriodObservation(date, p, previous, value));
                previous = value;
            }
        }

        return result;
    }
}
