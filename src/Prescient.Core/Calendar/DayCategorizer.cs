namespace Prescient.Core.Calendar;

/// <summary>
/// Maps dates to day categories (the network's first input, or the key choosing one network per category).
/// </summary>
public sealed class DayCategorizer
{
    private readonly int[] _byDayOfWeek;
    private readonly HashSet<DateOnly> _holidays;

    private DayCategorizer(DayCategoryMode mode, int[] byDayOfWeek, HashSet<DateOnly> holidays, int? holidayCategory)
    {
        Mode = mode;
        _byDayOfWeek = byDayOfWeek;
        _holidays = holidays;
        HolidayCategory = holidayCategory;
        var max = byDayOfWeek.Max();
        if (holidayCategory is { } h && h > max)
        {
            max = h;
        }

        CategoryCount = max + 1;
    }

    /// <summary>Every day alike.</summary>
    public static DayCategorizer None { get; } = new(DayCategoryMode.None, new int[7], [], null);

    /// <summary>Weekdays 0, weekend 1 (the default).</summary>
    public static DayCategorizer WeekdayWeekend { get; } = new(DayCategoryMode.WeekdayWeekend, [1, 0, 0, 0, 0, 0, 1], [], null);

    /// <summary>Sunday 0 .. Saturday 6.</summary>
    public static DayCategorizer DaysOfWeek { get; } = new(DayCategoryMode.DayOfWeek, [0, 1, 2, 3, 4, 5, 6], [], null);

    /// <summary>The default categorizer (<see cref="WeekdayWeekend"/>).</summary>
    public static DayCategorizer Default => WeekdayWeekend;

    /// <summary>The mode.</summary>
    public DayCategoryMode Mode { get; }

    /// <summary>Number of categories (categories are 0 .. CategoryCount - 1).</summary>
    public int CategoryCount { get; }

    /// <summary>The category of holidays in <see cref="DayCategoryMode.Custom"/> mode, if any.</summary>
    public int? HolidayCategory { get; }

    /// <summary>The holidays in <see cref="DayCategoryMode.Custom"/> mode, in date order.</summary>
    public IReadOnlyList<DateOnly> Holidays => [.. _holidays.Order()];

    /// <summary>The category of each day of the week, indexed by <see cref="System.DayOfWeek"/> (Sunday = 0).</summary>
    public IReadOnlyList<int> CategoryByDayOfWeek => [.. _byDayOfWeek];

    /// <summary>A categorizer for one of the built-in modes.</summary>
    /// <exception cref="ArgumentException"><paramref name="mode"/> is <see cref="DayCategoryMode.Custom"/> (use <see cref="Custom"/>).</exception>
    public static DayCategorizer For(DayCategoryMode mode) => mode switch
    {
        DayCategoryMode.None => None,
        DayCategoryMode.WeekdayWeekend => WeekdayWeekend,
        DayCategoryMode.DayOfWeek => DaysOfWeek,
        DayCategoryMode.Custom => throw new ArgumentException(
            "A custom day categorizer needs its map: use DayCategorizer.Custom(map, holidays, holidayCategory).", nameof(mode)),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown day category mode."),
    };

    /// <summary>A custom categorizer.</summary>
    /// <param name="categoryByDayOfWeek">A category (0 or more) for each of the seven days of the week.</param>
    /// <param name="holidays">Dates that take <paramref name="holidayCategory"/> whatever their day of the week.</param>
    /// <param name="holidayCategory">The holidays' category; required when there are holidays.</param>
    public static DayCategorizer Custom(
        IReadOnlyDictionary<DayOfWeek, int> categoryByDayOfWeek,
        IEnumerable<DateOnly>? holidays = null,
        int? holidayCategory = null)
    {
        var errors = ValidateCustom(categoryByDayOfWeek, holidays, holidayCategory);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid custom day categories: " + string.Join(" ", errors), nameof(categoryByDayOfWeek));
        }

        var byDay = new int[7];
        foreach (var (day, category) in categoryByDayOfWeek)
        {
            byDay[(int)day] = category;
        }

        return new DayCategorizer(DayCategoryMode.Custom, byDay, [.. holidays ?? []], holidayCategory);
    }

    /// <summary>All problems with a custom map, as clear messages (empty when valid).</summary>
    public static IReadOnlyList<string> ValidateCustom(
        IReadOnlyDictionary<DayOfWeek, int>? categoryByDayOfWeek,
        IEnumerable<DateOnly>? holidays,
        int? holidayCategory)
    {
        var errors = new List<string>();
        if (categoryByDayOfWeek is null)
        {
            errors.Add("The custom map from day of the week to category is missing.");
            return errors;
        }

        var missing = Enum.GetValues<DayOfWeek>().Where(d => !categoryByDayOfWeek.ContainsKey(d)).ToList();
        if (missing.Count > 0)
        {
            errors.Add($"The custom map must give a category for every day of the week; missing: {string.Join(", ", missing)}.");
        }

        foreach (var (day, category) in categoryByDayOfWeek)
        {
            if (!Enum.IsDefined(day))
            {
                errors.Add($"'{(int)day}' is not a day of the week.");
            }

            if (category < 0)
            {
                errors.Add($"The category of {day} must be 0 or more, not {category}.");
            }
        }

        var anyHoliday = holidays?.Any() == true;
        if (anyHoliday && holidayCategory is null)
        {
            errors.Add("A holiday list needs a holiday category.");
        }

        if (holidayCategory is < 0)
        {
            errors.Add($"The holiday category must be 0 or more, not {holidayCategory}.");
        }

        return errors;
    }

    /// <summary>The category of <paramref name="date"/>.</summary>
    public int CategoryOf(DateOnly date) =>
        HolidayCategory is { } holiday && _holidays.Contains(date) ? holiday : _byDayOfWeek[(int)date.DayOfWeek];

    /// <summary>The category of <paramref name="date"/> scaled to [0, 1]: category / (count - 1); 0 with one category.</summary>
    public double ScaledCategory(DateOnly date) => Scale(CategoryOf(date));

    /// <summary>A category scaled to [0, 1].</summary>
    public double Scale(int category)
    {
        if (category < 0 || category >= CategoryCount)
        {
            throw new ArgumentOutOfRangeException(nameof(category), category,
                $"A day category must be between 0 and {CategoryCount - 1}.");
        }

        return CategoryCount == 1 ? 0 : (double)category / (CategoryCount - 1);
    }
}
