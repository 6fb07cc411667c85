using System.Globalization;

namespace Prescient.Core.Workload;

/// <summary>Validation of utilisation values: finite fractions in [0, 1].</summary>
public static class Utilisation
{
    /// <summary>Returns <paramref name="value"/> when it is a finite number in [0, 1].</summary>
    /// <exception cref="ArgumentOutOfRangeException">NaN, an infinity, or a value outside [0, 1].</exception>
    public static double Validate(double value, string name)
    {
        var error = Check(value, name);
        return error is null ? value : throw new ArgumentOutOfRangeException(name, value, error);
    }

    /// <summary>A clear message when <paramref name="value"/> is not a finite number in [0, 1]; otherwise null.</summary>
    public static string? Check(double value, string name)
    {
        if (double.IsNaN(value))
        {
            return $"{name} is NaN; a utilisation must be a number between 0 and 1.";
        }

        if (double.IsInfinity(value))
        {
            return $"{name} is {(value > 0 ? "+" : "-")}infinity; a utilisation must be a number between 0 and 1.";
        }

        if (value is < 0 or > 1)
        {
            return $"{name} is {value.ToString("R", CultureInfo.InvariantCulture)}; a utilisation must be between 0 and 1 " +
                "(a fraction, not a percentage).";
        }

        return null;
    }

    /// <summary>Whether <paramref name="value"/> is a finite number in [0, 1].</summary>
    public static bool IsValid(double value) => value is >= 0 and <= 1;
}
