using Prescient.Core.Calendar;

namespace Prescient.Core.Tests.Calendar;

public class DayCategorizerTests
{
    private static readonly DateOnly Monday = new(2026, 11, 23);
    private static readonly DateOnly Saturday = new(2026, 11, 28);
    private static readonly DateOnly Sunday = new(2026, 11, 29);

    [Fact]
    public void Default_is_weekday_weekend()
    {
        var categorizer = DayCategorizer.Default;
        Assert.Equal(DayCategoryMode.WeekdayWeekend, categorizer.Mode);
        Assert.Equal(2, categorizer.CategoryCount);
        Assert.Equal(0, categorizer.CategoryOf(Monday));
        Assert.Equal(1, categorizer.CategoryOf(Saturday));
        Assert.Equal(1, categorizer.CategoryOf(Sunday));
        Assert.Equal(0, categorizer.ScaledCategory(Monday));
        Assert.Equal(1, categorizer.ScaledCategory(Sunday));
    }

    [Fact]
    public void None_puts_every_day_in_one_category()
    {
        Assert.Equal(1, DayCategorizer.None.CategoryCount);
        Assert.Equal(0, DayCategorizer.None.CategoryOf(Saturday));
        Assert.Equal(0, DayCategorizer.None.ScaledCategory(Saturday));
    }

    [Fact]
    public void Day_of_week_has_seven_categories_scaled_to_unit_interval()
    {
        var categorizer = DayCategorizer.For(DayCategoryMode.DayOfWeek);
        Assert.Equal(7, categorizer.CategoryCount);
        Assert.Equal(1, categorizer.CategoryOf(Monday));
        Assert.Equal(6, categorizer.CategoryOf(Saturday));
        Assert.Equal(1.0 / 6, categorizer.ScaledCategory(Monday), 12);
        Assert.Equal(1, categorizer.ScaledCategory(Saturday));
    }

    [Fact]
    public void Custom_map_with_holidays_as_in_the_patent()
    {
        // Weekdays 0, Saturday 1, Sunday 2, holidays 3.
        var map = Enum.GetValues<DayOfWeek>().ToDictionary(d => d, d => d switch
        {
            DayOfWeek.Saturday => 1,
            DayOfWeek.Sunday => 2,
            _ => 0,
        });
        var christmas = new DateOnly(2026, 12, 25);
        var categorizer = DayCategorizer.Custom(map, [christmas], 3);
        Assert.Equal(4, categorizer.CategoryCount);
        Assert.Equal(0, categorizer.CategoryOf(Monday));
        Assert.Equal(1, categorizer.CategoryOf(Saturday));
        Assert.Equal(2, categorizer.CategoryOf(Sunday));
        Assert.Equal(3, categorizer.CategoryOf(christmas));
        Assert.Equal(1, categorizer.ScaledCategory(christmas));
    }

    [Fact]
    public void Custom_map_problems_are_all_reported()
    {
        var map = new Dictionary<DayOfWeek, int> { [DayOfWeek.Monday] = -1 };
        var errors = DayCategorizer.ValidateCustom(map, [new DateOnly(2026, 1, 1)], null);
        Assert.Contains(errors, e => e.Contains("missing", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Monday must be 0 or more", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("holiday category", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => DayCategorizer.Custom(map));
        Assert.Throws<ArgumentException>(() => DayCategorizer.For(DayCategoryMode.Custom));
    }
}
