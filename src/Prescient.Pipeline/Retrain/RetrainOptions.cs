using Prescient.Core.Network;
using Prescient.Forecasting.Hosts;
using Prescient.Forecasting.Selection;

namespace Prescient.Pipeline.Retrain;

/// <summary>How the retrain function trains hosts' forecasting models.</summary>
public sealed record RetrainOptions
{
    /// <summary>How much window history a full retrain reads.</summary>
    public TimeSpan History { get; init; } = TimeSpan.FromDays(28);

    /// <summary>How much an incremental retrain reads (the new periods, a week for the seasonal models, the replay sample).</summary>
    public TimeSpan IncrementalHistory { get; init; } = TimeSpan.FromDays(8);

    /// <summary>A host (and the fleet tree model) older than this since its last full retrain gets a full one.</summary>
    public TimeSpan FullEvery { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Residuals kept per model: the held-out periods of a full retrain (at most a quarter of the data) and the band's sample.</summary>
    public int HoldoutPeriods { get; init; } = 216;

    /// <summary>The most recent held-out periods the selection compares models on.</summary>
    public int SelectionPeriods { get; init; } = 72;

    /// <summary>Periods ahead forecast (at least a migration's duration).</summary>
    public int Horizon { get; init; } = 3;

    /// <summary>The upper band's quantile.</summary>
    public double Quantile { get; init; } = ConformalBand.DefaultQuantile;

    /// <summary>Epochs of a full training of a network.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>Epochs of an incremental update (new periods plus a replay sample of the history).</summary>
    public int UpdateEpochs { get; init; } = 4;

    /// <summary>Fewest observations (pairs of consecutive measured periods) worth training on.</summary>
    public int MinObservations { get; init; } = 36;

    /// <summary>Hosts read at once (I/O-bound).</summary>
    public int Parallelism { get; init; } = 8;

    /// <summary>Hosts trained together (their networks share SIMD lanes and cores).</summary>
    public int BatchHosts { get; init; } = 256;

    /// <summary>Hosts whose history trains the fleet's pooled tree model (an evenly spread sample).</summary>
    public int TreeHosts { get; init; } = 200;

    /// <summary>Network shape and optimiser; the seed is derived per host from this one.</summary>
    public NetworkOptions Network { get; init; } = HostTrainingOptions.DefaultNetwork;

    /// <summary>All problems (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (History <= TimeSpan.Zero || IncrementalHistory <= TimeSpan.Zero || FullEvery <= TimeSpan.Zero)
        {
            errors.Add("Retrain: History, IncrementalHistory and FullEvery must be positive.");
        }

        if (Parallelism < 1 || BatchHosts < 1 || TreeHosts < 1)
        {
            errors.Add("Retrain: Parallelism, BatchHosts and TreeHosts must be at least 1.");
        }

        errors.AddRange(Training().Validate().Select(e => "Retrain: " + e));
        errors.AddRange(Network.Validate().Select(e => "Retrain:Network: " + e));
        return errors;
    }

    /// <summary>The trainer's options.</summary>
    public HostTrainingOptions Training() => new()
    {
        Horizon = Horizon,
        Quantile = Quantile,
        WindowPeriods = Math.Max(1, HoldoutPeriods),
        SelectionPeriods = Math.Min(Math.Max(1, SelectionPeriods), Math.Max(1, HoldoutPeriods)),
        Epochs = Epochs,
        UpdateEpochs = UpdateEpochs,
        MinObservations = MinObservations,
    };
}
