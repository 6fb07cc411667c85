using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Core.Settings;
using Prescient.Forecasting.Models;
using Prescient.Forecasting.Selection;
using Prescient.Forecasting.Series;

namespace Prescient.Forecasting.Hosts;

/// <summary>How hosts' forecasting models are trained and validated.</summary>
public sealed record HostTrainingOptions
{
    /// <summary>
    /// The network the retrain function trains: the patent's 3-20-1 with plain SGD at learning rate 0.05, which
    /// forecast better than Adam (0.005) on every trace family in <c>bench forecast</c> and costs half as much per step.
    /// </summary>
    public static NetworkOptions DefaultNetwork { get; } = NetworkOptions.Default with { Optimizer = OptimizerKind.Sgd, LearningRate = 0.05 };

    /// <summary>Steps ahead (at least a migration's duration in periods).</summary>
    public int Horizon { get; init; } = 3;

    /// <summary>The upper band's quantile.</summary>
    public double Quantile { get; init; } = ConformalBand.DefaultQuantile;

    /// <summary>Residuals kept per model (the band's sample; a full retrain holds out this many periods, at most a quarter of the history).</summary>
    public int WindowPeriods { get; init; } = 216;

    /// <summary>The most recent part of the window the selection compares models on.</summary>
    public int SelectionPeriods { get; init; } = 72;

    /// <summary>Epochs of a full training of the network.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>Epochs of a full training that continues the stored network (warm start) over the whole history.</summary>
    public int WarmEpochs { get; init; } = 10;

    /// <summary>Epochs of an incremental update (over the new periods and the replay sample).</summary>
    public int UpdateEpochs { get; init; } = 4;

    /// <summary>An incremental update replays this many older observations per new one (at least <see cref="MinReplay"/>).</summary>
    public int ReplayFactor { get; init; } = 8;

    /// <summary>Fewest replayed observations.</summary>
    public int MinReplay { get; init; } = 72;

    /// <summary>Fewest observations worth training on.</summary>
    public int MinObservations { get; init; } = 36;

    /// <summary>An incremental update covering more new periods than this is made a full training instead.</summary>
    public int MaxIncrementalPeriods { get; init; } = 144;

    /// <summary>All problems (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Horizon is < 1 or > 72)
        {
            errors.Add($"The horizon must be 1 to 72 periods, not {Horizon}.");
        }

        if (!(Quantile is > 0.5 and < 1))
        {
            errors.Add($"The quantile must be in (0.5, 1), not {Quantile}.");
        }

        if (WindowPeriods < 1 || SelectionPeriods < 1 || SelectionPeriods > WindowPeriods)
        {
            errors.Add($"The window ({WindowPeriods}) and the selection periods ({SelectionPeriods}) must be positive, the selection within the window.");
        }

        if (Epochs < 1 || WarmEpochs < 1 || UpdateEpochs < 1 || ReplayFactor < 0 || MinReplay < 0 || MinObservations < 2 || MaxIncrementalPeriods < 1)
        {
            errors.Add("Epochs, update epochs and the incremental limit must be at least 1, the replay sizes at least 0, the fewest observations at least 2.");
        }

        return errors;
    }
}

/// <summary>One host's training job.</summary>
/// <param name="HostId">The host.</param>
/// <param name="History">Its loads up to the period before now (index Count is the running period).</param>
/// <param name="Previous">Its stored bundle (null: none, or unreadable).</param>
/// <param name="Predictor">Its network's options (from its settings; the seed is made per host).</param>
/// <param name="Categories">Its day categories.</param>
/// <param name="Full">Train from scratch and validate on held-out periods (else: warm start and online validation).</param>
public sealed record HostTrainingInput(string HostId, LoadSeries History, ForecastBundle? Previous, PredictorOptions Predictor, DayCategorizer Categories, bool Full);

/// <summary>What training did for a host.</summary>
/// <param name="HostId">The host.</param>
/// <param name="Bundle">The new bundle (null when skipped).</param>
/// <param name="Outcome">"trained", "updated", "unchanged" or "skipped: why".</param>
/// <param name="Observations">Observations available in the history.</param>
public sealed record HostTrainingResult(string HostId, ForecastBundle? Bundle, string Outcome, int Observations);

/// <summary>
/// Trains, validates and selects hosts' forecasting models. A full training bulk-trains a new network on the
/// history except the last <see cref="HostTrainingOptions.WindowPeriods"/> periods, forecasts those held-out periods
/// with every model (the network frozen), then lets the network learn them; when the host's stored network is recent,
/// a full training continues it instead (warm start, <see cref="HostTrainingOptions.WarmEpochs"/> over the whole
/// history) and keeps the network's out-of-sample residuals, adding those of the periods since. An incremental one forecasts the periods
/// measured since the last training with the stored models (so every residual is out of sample), appends them to
/// each model's window, and updates the stored network (warm start) on the new periods plus a replay sample of the
/// history. Either way the selection and the bands come from the residual windows. Many hosts' networks are trained
/// together by <see cref="NetworkBatchTrainer"/>.
/// </summary>
public static class HostTrainer
{
    /// <summary>
    /// Trains every input (on up to <paramref name="parallelism"/> cores; 0: all); <paramref name="tree"/> is the fleet
    /// tree model of version <paramref name="treeVersion"/>. Deterministic: the results do not depend on the
    /// parallelism or on which hosts are trained together.
    /// </summary>
    public static HostTrainingResult[] Train(IReadOnlyList<HostTrainingInput> inputs, TreeModel? tree, string? treeVersion, HostTrainingOptions options, DateTimeOffset now, int parallelism = 0)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid training options: " + string.Join(" ", errors), nameof(options));
        }

        var jobs = new Job?[inputs.Count];
        var results = new HostTrainingResult[inputs.Count];
        var batch = new List<(WorkloadPredictor Predictor, IReadOnlyList<PeriodObservation> Observations, int Epochs)>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            var job = Prepare(input, options, out var skipped);
            if (job is null)
            {
                results[i] = new HostTrainingResult(input.HostId, skipped.Bundle, skipped.Outcome, skipped.Observations);
                continue;
            }

            jobs[i] = job;
            if (job.Predictor is { } p && p.Mode == NetworkMode.Training && !p.DisabledByDeadline && job.Training.Count > 0)
            {
                batch.Add((p, job.Training, job.Epochs));
            }
        }

        NetworkBatchTrainer.Train(batch, parallelism);
        Parallel.For(0, inputs.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount }, i =>
        {
            if (jobs[i] is { } job)
            {
                results[i] = Finish(inputs[i], job, tree, treeVersion, options, now);
            }
        });

        return results;
    }

    private sealed class Job
    {
        public required bool Full { get; init; }

        public required int WindowStart { get; init; }

        /// <summary>The first period the stored models have not seen (carried residual windows end there).</summary>
        public int NewStart { get; init; }

        /// <summary>Epochs of the network's training.</summary>
        public required int Epochs { get; init; }

        /// <summary>A full training that continues the stored network.</summary>
        public bool Warm { get; init; }

        public required int Observations { get; init; }

        public required WorkloadPredictor? Predictor { get; init; }

        public required IReadOnlyList<PeriodObservation> Training { get; init; }

        /// <summary>Residual windows carried from the previous bundle (incremental), shifted to end at the history's end.</summary>
        public Dictionary<string, double[][]> Carried { get; } = new(StringComparer.Ordinal);

        /// <summary>Models' forecasts for the new targets, made before the network learned them.</summary>
        public Dictionary<string, double[]?[]> Forecasts { get; } = new(StringComparer.Ordinal);

        public double HostMean { get; init; }
    }

    private static Job? Prepare(HostTrainingInput input, HostTrainingOptions o, out HostTrainingResult skipped)
    {
        var s = input.History;
        var n = s.Count;
        var observations = NetworkModel.Observations(s, 0, n);
        skipped = new HostTrainingResult(input.HostId, null, string.Empty, observations.Count);
        if (observations.Count < o.MinObservations)
        {
            skipped = skipped with { Outcome = $"skipped: {observations.Count} observations, {o.MinObservations} needed" };
            return null;
        }

        var previous = input.Previous;
        var incremental = !input.Full && previous is not null && previous.PeriodsPerDay == s.PeriodsPerDay && previous.Horizon == o.Horizon &&
                          s.IndexOf(previous.WindowEnd) is var end && end > 0 && end <= n && n - end <= o.MaxIncrementalPeriods;
        if (incremental && s.IndexOf(previous!.WindowEnd) == n)
        {
            skipped = skipped with { Bundle = previous, Outcome = "unchanged: no new period" };
            return null;
        }

        // The stored network continues (warm start) when the bundle is recent enough: incrementally, or in a full
        // training over the whole history with fewer epochs.
        var continuable = previous is not null && previous.PeriodsPerDay == s.PeriodsPerDay && previous.Horizon == o.Horizon &&
                          s.IndexOf(previous.WindowEnd) is var last && last > 0 && last <= n && n - last <= o.MaxIncrementalPeriods;
        WorkloadPredictor? predictor = null;
        if (continuable && previous!.Network is { } snapshot && input.Predictor.Mode != NetworkMode.Disabled)
        {
            try
            {
                predictor = WorkloadPredictor.FromSnapshot(snapshot, input.Categories);
                predictor.SetMode(input.Predictor.Mode);
                if (predictor.Options.NetworkPerDayCategory != input.Predictor.NetworkPerDayCategory)
                {
                    predictor = null;
                }
            }
            catch (FormatException)
            {
                predictor = null;
            }
        }

        if (incremental && predictor is null && previous!.Network is not null)
        {
            incremental = false;
        }

        Job job;
        if (!incremental)
        {
            var window = Math.Min(o.WindowPeriods, n / 4);
            var start = n - window;
            var warm = predictor is not null;
            var fresh = warm || input.Predictor.Mode == NetworkMode.Disabled ? predictor : new WorkloadPredictor(input.Predictor, input.Categories, s.PeriodsPerDay);
            job = new Job
            {
                Full = true,
                Warm = warm,
                WindowStart = start,
                NewStart = warm ? s.IndexOf(previous!.WindowEnd) : start,
                Epochs = warm ? o.WarmEpochs : o.Epochs,
                Observations = observations.Count,
                Predictor = fresh,
                Training = warm ? observations : [.. observations.Where(x => s.IndexOf(new PeriodKey(x.Date, x.Period)) < start)],
                HostMean = s.MeanOf(0, start),
            };
            if (!warm)
            {
                return job;
            }
        }
        else
        {
            var newStart = s.IndexOf(previous!.WindowEnd);
            job = new Job
            {
                Full = false,
                WindowStart = newStart,
                NewStart = newStart,
                Epochs = o.UpdateEpochs,
                Observations = observations.Count,
                Predictor = predictor,
                Training = Replay(s, observations, newStart, o, input.HostId),
                HostMean = previous.HostMean,
            };
        }

        // Residuals carried from the stored bundle (all models when incremental, the network's when warm), and the
        // stored network's forecasts of the new targets, made before it learns them: out of sample.
        var old = WindowLength(previous!);
        var by = n - job.NewStart;
        foreach (var track in previous!.Models.Where(t => !job.Warm || t.Model == ModelNames.Network))
        {
            var shifted = new double[o.Horizon][];
            for (var k = 0; k < o.Horizon; k++)
            {
                shifted[k] = new double[old];
                Array.Fill(shifted[k], double.NaN);
                for (var i = by; i < old; i++)
                {
                    shifted[k][i - by] = track.Residuals[k][i];
                }
            }

            job.Carried[track.Model] = shifted;
        }

        if (predictor is not null)
        {
            job.Forecasts[ModelNames.Network] = Backtest.Run(new NetworkModel(predictor), s, job.NewStart - (o.Horizon - 1), n, o.Horizon);
        }

        return job;
    }

    private static int WindowLength(ForecastBundle bundle) => bundle.Models.Length == 0 ? 0 : bundle.Models[0].Residuals[0].Length;

    /// <summary>The new observations (from <paramref name="newStart"/>) and a deterministic sample of the older ones.</summary>
    private static List<PeriodObservation> Replay(LoadSeries s, List<PeriodObservation> all, int newStart, HostTrainingOptions o, string hostId)
    {
        var fresh = new List<PeriodObservation>();
        var older = new List<PeriodObservation>();
        foreach (var x in all)
        {
            (s.IndexOf(new PeriodKey(x.Date, x.Period)) >= newStart ? fresh : older).Add(x);
        }

        var want = Math.Min(older.Count, Math.Max(o.MinReplay, o.ReplayFactor * fresh.Count));
        var random = new SplitMix64(StableHash(hostId) ^ (ulong)(uint)newStart);
        for (var i = 0; i < want; i++)
        {
            var j = i + random.NextInt(older.Count - i);
            (older[i], older[j]) = (older[j], older[i]);
            fresh.Add(older[i]);
        }

        return fresh;
    }

    private static HostTrainingResult Finish(HostTrainingInput input, Job job, TreeModel? tree, string? treeVersion, HostTrainingOptions o, DateTimeOffset now)
    {
        var s = input.History;
        var n = s.Count;
        var h = o.Horizon;
        var models = new List<IForecastModel> { LastValueModel.Instance, SeasonalNaiveModel.Day, SeasonalNaiveModel.Week };
        NetworkModel? network = job.Predictor is { IsDisabled: false } p ? new NetworkModel(p) : null;
        if (network is not null)
        {
            models.Add(network);
        }

        var treeUsable = tree is not null && (job.Full || input.Previous?.TreeVersion == treeVersion);
        if (treeUsable)
        {
            models.Add(tree!.ForHost(job.HostMean));
        }

        var window = job.Full ? n - job.WindowStart : Math.Max(WindowLength(input.Previous!), Math.Min(o.WindowPeriods, n - job.WindowStart));
        window = Math.Min(window, o.WindowPeriods);
        var tracks = new List<ModelTrack>();
        foreach (var model in models)
        {
            var carriedModel = job.Carried.ContainsKey(model.Name);
            var fillFrom = carriedModel ? job.NewStart : job.WindowStart;
            var from = fillFrom - (h - 1);
            var forecasts = job.Forecasts.TryGetValue(model.Name, out var made) ? made : Backtest.Run(model, s, from, n, h);
            var residuals = new double[h][];
            for (var k = 0; k < h; k++)
            {
                residuals[k] = new double[window];
                Array.Fill(residuals[k], double.NaN);
                if (job.Carried.TryGetValue(model.Name, out var carried))
                {
                    var c = carried[k];
                    for (var i = Math.Max(0, c.Length - window); i < c.Length; i++)
                    {
                        residuals[k][window - c.Length + i] = c[i];
                    }
                }

                for (var target = Math.Max(fillFrom, n - window); target < n; target++)
                {
                    var origin = target - k;
                    if (origin - from >= 0 && forecasts[origin - from] is { } f && !double.IsNaN(s[target]))
                    {
                        residuals[k][window - (n - target)] = s[target] - f[k];
                    }
                }
            }

            tracks.Add(Track(model.Name, residuals, o));
        }

        var chosen = ModelSelection.Choose([.. tracks.Select(t => new ModelErrors(t.Model, [.. t.Residuals.Select(r => Recent(r, o.SelectionPeriods).Select(Math.Abs).ToArray())]))], h);

        // The held-out (full) periods are the most recent: the network learns them online too.
        if (job.Full && !job.Warm && network is not null && network.Predictor.Mode == NetworkMode.Training)
        {
            for (var t = job.WindowStart; t < n; t++)
            {
                network.Learn(s, t);
            }
        }

        var bundle = new ForecastBundle
        {
            HostId = input.HostId,
            PeriodsPerDay = s.PeriodsPerDay,
            Horizon = h,
            Quantile = o.Quantile,
            StepModels = chosen,
            Models = [.. tracks],
            WindowEnd = s.PeriodAt(n),
            Network = network?.Predictor.ToSnapshot() ?? job.Predictor?.ToSnapshot(),
            TreeVersion = treeUsable ? treeVersion : null,
            HostMean = job.HostMean,
            TrainedAt = now,
            Kind = job.Full ? "full" : "incremental",
            LastFullAt = job.Full ? now : input.Previous!.LastFullAt,
        };
        return new HostTrainingResult(input.HostId, bundle, job.Full ? "trained" : "updated", job.Observations);
    }

    private static ModelTrack Track(string model, double[][] residuals, HostTrainingOptions o)
    {
        var mae = new double[residuals.Length];
        var offsets = new double[residuals.Length];
        for (var k = 0; k < residuals.Length; k++)
        {
            var recent = Recent(residuals[k], o.SelectionPeriods).Where(x => !double.IsNaN(x)).ToList();
            mae[k] = recent.Count == 0 ? double.NaN : recent.Average(Math.Abs);
            offsets[k] = ConformalBand.OffsetOf([.. residuals[k].Where(x => !double.IsNaN(x))], o.Quantile);
        }

        return new ModelTrack(model, residuals, mae, offsets);
    }

    private static IEnumerable<double> Recent(double[] window, int count) => window.Skip(Math.Max(0, window.Length - count));

    /// <summary>FNV-1a: the same in every process (string.GetHashCode is not).</summary>
    public static ulong StableHash(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}
