namespace Prescient.Core.Settings;

/// <summary>Settings were rejected; <see cref="Errors"/> lists every problem.</summary>
public sealed class SettingsValidationException : Exception
{
    /// <summary>Creates the exception from a list of problems.</summary>
    public SettingsValidationException(IReadOnlyList<string> errors)
        : base(BuildMessage(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception with one message.</summary>
    public SettingsValidationException()
        : this(["The settings are invalid."])
    {
    }

    /// <summary>Creates the exception with one message.</summary>
    public SettingsValidationException(string message)
        : this([message])
    {
    }

    /// <summary>Creates the exception with one message and a cause.</summary>
    public SettingsValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<string> Errors { get; }

    private static string BuildMessage(IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors.Count == 1
            ? errors[0]
            : $"{errors.Count} problems with the settings: " + string.Join(" ", errors);
    }
}
