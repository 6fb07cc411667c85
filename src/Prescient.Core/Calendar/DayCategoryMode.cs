namespace Prescient.Core.Calendar;

/// <summary>How dates map to day categories.</summary>
public enum DayCategoryMode
{
    /// <summary>Every day alike: one category.</summary>
    None,

    /// <summary>Monday to Friday are category 0, Saturday and Sunday category 1 (the default).</summary>
    WeekdayWeekend,

    /// <summary>One category per day of the week: Sunday 0 .. Saturday 6.</summary>
    DayOfWeek,

    /// <summary>A user map from day of the week to category, plus a holiday list with its own category.</summary>
    Custom,
}
