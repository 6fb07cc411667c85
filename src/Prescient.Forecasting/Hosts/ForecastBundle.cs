using System.Text.Json;
using System.Text.Json.Serialization;
using Prescient.Core.Calendar;

namespace Prescient.Forecasting.Hosts;

/// <summary>
/// One model's recent out-of-sample record for a host: signed residuals (measured - forecast) of the targets in the
/// bundle's window, per step ahead, and what follows from them.
/// </summary>
/// <param name="Model">The model's name.</param>
/// <param name="Residuals">[step][i]: the residual of target period WindowEnd - window + i (NaN: none).</param>
/// <param name="Mae">Mean absolute error per step over the selection's part of the window (NaN: none).</param>
/// <param name="BandOffsets">The conformal offset per step over the whole window.</param>
public sealed record ModelTrack(string Model, double[][] Residuals, double[] Mae, double[] BandOffsets);

/// <summary>
/// What the retrain function stores per host and evaluate reads: the network's weights, each model's recent
/// out-of-sample residuals (the validation), the model chosen per step ahead, and the fleet tree model's version.
/// </summary>
public sealed record ForecastBundle
{
    /// <summary>The format written now.</summary>
    public const int CurrentFormat = 1;

    /// <summary>The format version.</summary>
    public int FormatVersion { get; init; } = CurrentFormat;

    /// <summary>The host.</summary>
    public required string HostId { get; init; }

    /// <summary>Periods per day of the host's calendar.</summary>
    public required int PeriodsPerDay { get; init; }

    /// <summary>Steps ahead forecast.</summary>
    public required int Horizon { get; init; }

    /// <summary>The upper band's quantile.</summary>
    public required double Quantile { get; init; }

    /// <summary>The chosen model of each step ahead.</summary>
    public required string[] StepModels { get; init; }

    /// <summary>Every model's record.</summary>
    public required ModelTrack[] Models { get; init; }

    /// <summary>The first period after the residual window: the network has learned every measured period before it.</summary>
    public required PeriodKey WindowEnd { get; init; }

    /// <summary>Core's predictor snapshot of the host's network (null when the network is disabled).</summary>
    public byte[]? Network { get; init; }

    /// <summary>The fleet tree model's version the tree residuals were made with (null: none).</summary>
    public string? TreeVersion { get; init; }

    /// <summary>The host's mean load over the history of its last full training (the tree's host feature).</summary>
    public double HostMean { get; init; }

    /// <summary>When it was trained.</summary>
    public DateTimeOffset TrainedAt { get; init; }

    /// <summary>"full" or "incremental".</summary>
    public string Kind { get; init; } = "full";

    /// <summary>When the last full training (which an incremental one builds on) happened.</summary>
    public DateTimeOffset LastFullAt { get; init; }

    /// <summary>The record of <paramref name="model"/> (null when absent).</summary>
    public ModelTrack? Track(string model) => Models.FirstOrDefault(m => m.Model == model);

    /// <summary>UTF-8 JSON.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, ForecastingJsonContext.Default.ForecastBundle);

    /// <summary>A bundle saved by <see cref="ToJson"/>.</summary>
    /// <exception cref="FormatException">The bytes are not a bundle of a known format.</exception>
    public static ForecastBundle FromJson(ReadOnlySpan<byte> json)
    {
        ForecastBundle? bundle;
        try
        {
            bundle = JsonSerializer.Deserialize(json, ForecastingJsonContext.Default.ForecastBundle);
        }
        catch (JsonException e)
        {
            throw new FormatException("The forecast bundle is not valid JSON of the expected shape: " + e.Message, e);
        }

        if (bundle is null || bundle.FormatVersion != CurrentFormat)
        {
            throw new FormatException($"The forecast bundle's format {bundle?.FormatVersion} is not supported (expected {CurrentFormat}).");
        }

        if (bundle.Horizon < 1 || bundle.StepModels is null || bundle.StepModels.Length != bundle.Horizon || bundle.Models is null ||
            bundle.Models.Any(m => m.Residuals is null || m.Residuals.Length != bundle.Horizon || m.Mae?.Length != bundle.Horizon || m.BandOffsets?.Length != bundle.Horizon) ||
            bundle.StepModels.Any(s => bundle.Track(s) is null && s != Prescient.Forecasting.Models.ModelNames.LastValue))
        {
            throw new FormatException("The forecast bundle is inconsistent (steps, models or residual windows).");
        }

        return bundle;
    }
}

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ForecastBundle))]
internal sealed partial class ForecastingJsonContext : JsonSerializerContext;
