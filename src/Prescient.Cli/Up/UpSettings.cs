using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Prescient.Cli.Up;

/// <summary>Options of <c>prescient up</c>.</summary>
public sealed class UpSettings : CommandSettings
{
    [CommandOption("--speed <FACTOR>")]
    [Description("Simulated seconds per real second (default 240: a 20-minute period every 5 s, a simulated day in 6 minutes).")]
    [DefaultValue(240.0)]
    public double Speed { get; init; } = 240;

    [CommandOption("--duration <TIME>")]
    [Description("Stop by itself after this much real time (e.g. 90s, 5m, 1h). Default: run until Ctrl-C.")]
    public string? Duration { get; init; }

    [CommandOption("--storage <CONNECTION_STRING>")]
    [Description("Use this Azure Storage account instead of starting Azurite (tables, queue, blobs and task hub get a per-run prefix).")]
    public string? Storage { get; init; }

    [CommandOption("--data <FOLDER>")]
    [Description("Keep Azurite's data in this folder (default: in memory, nothing left behind).")]
    public string? Data { get; init; }

    [CommandOption("--port <PORT>")]
    [Description("Port of the API and dashboard on 127.0.0.1 (default 7071; 0 picks a free one).")]
    [DefaultValue(7071)]
    public int Port { get; init; } = 7071;

    [CommandOption("--hosts <COUNT>")]
    [Description("Hosts in the simulated fleet (default 16).")]
    [DefaultValue(16)]
    public int Hosts { get; init; } = 16;

    [CommandOption("--start <HH:MM>")]
    [Description("Simulated time of day to start at, UTC (default 17:00: the afternoon peak, then the evening).")]
    [DefaultValue("17:00")]
    public string Start { get; init; } = "17:00";

    [CommandOption("--hypervisor <KIND>")]
    [Description("simulated (default): the fleet simulator. qemu: 3 hosts on this machine, each an agent endpoint owning real QEMU guests (needs QEMU >= 9 and the test guest; it says what to install).")]
    [DefaultValue("simulated")]
    public string Hypervisor { get; init; } = "simulated";

    [CommandOption("--json")]
    [Description("On exit, print one JSON line summarising the run (read back through the API).")]
    public bool Json { get; init; }

    public TimeSpan? DurationValue => Duration is null ? null : ParseDuration(Duration);

    public override ValidationResult Validate()
    {
        if (!(Speed is > 0 and <= 100_000))
        {
            return ValidationResult.Error($"--speed must be above 0 and at most 100000, not {Speed.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (Duration is not null && ParseDuration(Duration) is null)
        {
            return ValidationResult.Error($"--duration '{Duration}' is not a duration such as 90s, 5m or 1h.");
        }

        if (Port is < 0 or > 65535)
        {
            return ValidationResult.Error($"--port must be between 0 and 65535, not {Port}.");
        }

        if (Hypervisor is not ("simulated" or "qemu"))
        {
            return ValidationResult.Error($"--hypervisor must be simulated or qemu, not '{Hypervisor}'.");
        }

        if (Hypervisor == "qemu" && Data is not null)
        {
            return ValidationResult.Error("--data resumes simulated hosts only: real QEMU guests stop with up (run --hypervisor qemu without --data).");
        }

        if (Hosts is < 4 or > 200)
        {
            return ValidationResult.Error($"--hosts must be between 4 and 200, not {Hosts}.");
        }

        if (!TimeOnly.TryParseExact(Start, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return ValidationResult.Error($"--start '{Start}' is not a time of day such as 17:00.");
        }

        return ValidationResult.Success();
    }

    public static TimeSpan? ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.Length < 2)
        {
            return null;
        }

        var unit = text[^1];
        if (!double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value > 0))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero ? span : null;
        }

        return unit switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            _ => null,
        };
    }
}
