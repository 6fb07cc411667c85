using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using Prescient.Core.Calendar;
using Prescient.Forecasting.Series;

namespace Prescient.Forecasting.Models;

/// <summary>How the tree model is trained.</summary>
public sealed record TreeModelOptions
{
    /// <summary>The defaults.</summary>
    public static TreeModelOptions Default { get; } = new();

    /// <summary>Periods ahead the rows cover (one row per origin and step).</summary>
    public int Horizon { get; init; } = 3;

    /// <summary>Most training rows (a deterministic, evenly spread sample beyond that).</summary>
    public int MaxRows { get; init; } = 200_000;

    /// <summary>Boosted trees.</summary>
    public int Trees { get; init; } = 100;

    /// <summary>Leaves per tree.</summary>
    public int Leaves { get; init; } = 20;

    /// <summary>Fewest rows in a leaf.</summary>
    public int MinRowsPerLeaf { get; init; } = 50;

    /// <summary>The seed of ML.NET's context.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>
/// ML.NET FastTree regression (single-threaded, deterministic for a seed) pooled over many hosts: it predicts the
/// change of the load from the last measured period to each of the next periods from lag, seasonal (same period
/// yesterday and last week) and calendar features (<see cref="TreeFeatures"/>), with the host's recent mean as the
/// host feature. One model serves a fleet; saved and loaded as ML.NET's zip. Scoring walks the trained trees
/// directly (<see cref="TreeEnsemble"/>, checked against ML.NET's own scoring), so a forecast costs microseconds and
/// needs no lock.
/// </summary>
public sealed class TreeModel
{
    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly TreeEnsemble _ensemble;

    private TreeModel(MLContext ml, ITransformer model, DayCategorizer categories)
    {
        _ml = ml;
        _model = model;
        Categories = categories;
        _ensemble = TreeEnsemble.Of(model);
    }

    /// <summary>The model's name.</summary>
    public static string Name => ModelNames.FastTree;

    /// <summary>The day categories the model was trained with.</summary>
    public DayCategorizer Categories { get; }

    /// <summary>Rows it was trained on.</summary>
    public int TrainingRows { get; private init; }

    /// <summary>
    /// Trains on the periods [From, To) of each series (origins inside, targets before To). Null when there are too
    /// few rows (fewer than 100).
    /// </summary>
    public static TreeModel? Train(IEnumerable<(LoadSeries Series, int From, int To)> training, DayCategorizer categories, TreeModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(categories);
        var o = options ?? TreeModelOptions.Default;
        var parts = training.ToList();
        long candidates = 0;
        foreach (var (s, from, to) in parts)
        {
            candidates += Math.Max(0, Math.Min(to, s.Count) - Math.Max(1, from)) * (long)o.Horizon;
        }

        var stride = Math.Max(1, (int)Math.Ceiling(candidates / (double)o.MaxRows));
        var rows = new List<TreeFeatures>((int)Math.Min(candidates, o.MaxRows + 1000));
        long k = 0;
        foreach (var (s, from, to) in parts)
        {
            var end = Math.Min(to, s.Count);
            var hostMean = s.MeanOf(0, end);
            for (var origin = Math.Max(1, from); origin < end; origin++)
            {
                for (var h = 0; h < o.Horizon; h++)
                {
                    if (k++ % stride != 0)
                    {
                        continue;
                    }

                    var target = origin + h;
                    if (target >= end || double.IsNaN(s.Values[target]))
                    {
                        continue;
                    }

                    var anchor = s.LastMeasuredBefore(origin, ModelNames.MaxGap);
                    if (anchor < 0)
                    {
                        continue;
                    }

                    var row = TreeFeatures.Of(s, origin, anchor, target, hostMean, categories);
                    row.Label = (float)(s.Values[target] - s.Values[anchor]);
                    rows.Add(row);
                }
            }
        }

        if (rows.Count < 100)
        {
            return null;
        }

        var ml = new MLContext(seed: o.Seed);
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Concatenate("Features", TreeFeatures.Names)
            .Append(ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
            {
                NumberOfThreads = 1,
                NumberOfTrees = o.Trees,
                NumberOfLeaves = o.Leaves,
                MinimumExampleCountPerLeaf = o.MinRowsPerLeaf,
                LabelColumnName = nameof(TreeFeatures.Label),
                FeatureColumnName = "Features",
            }));
        return new TreeModel(ml, pipeline.Fit(data), categories) { TrainingRows = rows.Count };
    }

    /// <summary>The model as ML.NET's zip (with the day categorizer's mode in front).</summary>
    public byte[] Save()
    {
        using var stream = new MemoryStream();
        var schema = _ml.Data.LoadFromEnumerable(Array.Empty<TreeFeatures>()).Schema;
        _ml.Model.Save(_model, schema, stream);
        return stream.ToArray();
    }

    /// <summary>A model saved by <see cref="Save"/>.</summary>
    /// <exception cref="FormatException">The bytes are not a saved model.</exception>
    public static TreeModel Load(byte[] bytes, DayCategorizer categories)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(categories);
        var ml = new MLContext(seed: 1);
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            return new TreeModel(ml, ml.Model.Load(stream, out _), categories);
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or FormatException or ArgumentException or IOException)
        {
            throw new FormatException("The bytes are not a saved tree model: " + e.Message, e);
        }
    }

    /// <summary>The model for one host: <paramref name="hostMean"/> is the host feature (its mean load over its training history).</summary>
    public IForecastModel ForHost(double hostMean) => new HostTree(this, hostMean);

    /// <summary>Forecasts one origin for a host whose mean load is <paramref name="hostMean"/>.</summary>
    public bool TryForecast(LoadSeries series, int origin, double hostMean, Span<double> mean)
    {
        ArgumentNullException.ThrowIfNull(series);
        var anchor = series.LastMeasuredBefore(origin, ModelNames.MaxGap);
        if (anchor < 0)
        {
            return false;
        }

        var level = series.Values[anchor];
        Span<float> x = stackalloc float[TreeFeatures.Names.Length];
        for (var h = 0; h < mean.Length; h++)
        {
            TreeFeatures.Of(series, origin, anchor, origin + h, hostMean, Categories).CopyTo(x);
            mean[h] = Math.Clamp(level + _ensemble.Score(x), 0, 1);
        }

        return true;
    }

    /// <summary>Forecasts for every origin in [from, to): result[origin - from][h]; null rows where no forecast is possible.</summary>
    public double[]?[] ForecastRange(LoadSeries series, int from, int to, int horizon, double hostMean)
    {
        ArgumentNullException.ThrowIfNull(series);
        var result = new double[]?[Math.Max(0, to - from)];
        for (var origin = from; origin < to; origin++)
        {
            var f = new double[horizon];
            if (TryForecast(series, origin, hostMean, f))
            {
                result[origin - from] = f;
            }
        }

        return result;
    }

    /// <summary>ML.NET's own scoring of one row (the reference <see cref="TreeEnsemble"/> must match).</summary>
    internal float ScoreWithMlNet(TreeFeatures row) =>
        _ml.Model.CreatePredictionEngine<TreeFeatures, TreeScore>(_model).Predict(row).Value;

    /// <summary>The ensemble's own scoring of one row.</summary>
    internal float Score(TreeFeatures row)
    {
        Span<float> x = stackalloc float[TreeFeatures.Names.Length];
        row.CopyTo(x);
        return _ensemble.Score(x);
    }

    private sealed class HostTree(TreeModel tree, double hostMean) : IForecastModel
    {
        public string Name => ModelNames.FastTree;

        public TreeModel Tree => tree;

        public double HostMean => hostMean;

        public bool TryForecast(LoadSeries series, int origin, Span<double> mean) => tree.TryForecast(series, origin, hostMean, mean);
    }

    /// <summary>The tree and host mean behind a model made by <see cref="ForHost"/> (null for other models).</summary>
    internal static (TreeModel Tree, double HostMean)? Unwrap(IForecastModel model) =>
        model is HostTree h ? (h.Tree, h.HostMean) : null;
}
