using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Prescient.Core.Calendar;
using Prescient.Core.Network;
using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Forecasting;

/// <summary>
/// A next-period forecaster over one series. <see cref="Fit"/> sees periods [0, trainEnd); <see cref="Forecast"/>
/// is then called for t = trainEnd, trainEnd + 1, ... in order and may use values before t only (online models learn
/// from value t - 1 when asked for t).
/// </summary>
public interface IForecaster
{
    string Name { get; }

    void Fit(ForecastSeries series, int trainEnd);

    double Forecast(ForecastSeries series, int t);
}

/// <summary>The value of the previous period.</summary>
public sealed class LastValueForecaster : IForecaster
{
    public string Name => "last-value";

    public void Fit(ForecastSeries series, int trainEnd)
    {
    }

    public double Forecast(ForecastSeries series, int t) => series.Values[t - 1];
}

/// <summary>The same period <paramref name="lagPeriods"/> ago (yesterday: 72, last week: 504); last value when the series is too short.</summary>
public sealed class SeasonalForecaster(string name, int lagPeriods) : IForecaster
{
    public string Name => name;

    public void Fit(ForecastSeries series, int trainEnd)
    {
    }

    public double Forecast(ForecastSeries series, int t) => t - lagPeriods >= 0 ? series.Values[t - lagPeriods] : series.Values[t - 1];
}

/// <summary>Least-squares line on the last 10 periods, one period ahead, clamped to [0, 1] (the LR of the baselines).</summary>
public sealed class LocalRegressionForecaster : IForecaster
{
    public string Name => "local-regression";

    public void Fit(ForecastSeries series, int trainEnd)
    {
    }

    public double Forecast(ForecastSeries series, int t)
    {
        var n = Math.Min(10, t);
        return Math.Clamp(Statistics.LinearForecast(series.Values.AsSpan(t - n, n), 1), 0, 1);
    }
}

/// <summary>
/// The patent's network (Core's <see cref="WorkloadPredictor"/>): bulk training by cycling through the training
/// periods, then predict-then-learn online through the rest.
/// </summary>
public sealed class NetworkForecaster(string name, OptimizerKind optimizer, bool perDayCategory, int epochs) : IForecaster
{
    private WorkloadPredictor _predictor = null!;
    private int _learnedUpTo;

    public string Name => name;

    public void Fit(ForecastSeries series, int trainEnd)
    {
        ArgumentNullException.ThrowIfNull(series);
        var network = NetworkOptions.Default with { Optimizer = optimizer, LearningRate = optimizer == OptimizerKind.Sgd ? 0.05 : 0.005 };
        _predictor = new WorkloadPredictor(
            new PredictorOptions { Network = network, NetworkPerDayCategory = perDayCategory, TrainingDeadlinePeriods = int.MaxValue },
            DayCategorizer.WeekdayWeekend,
            ForecastSeries.PeriodsPerDay);
        var history = new List<PeriodObservation>(trainEnd);
        for (var t = 1; t < trainEnd; t++)
        {
            history.Add(new PeriodObservation(series.DateOf(t), series.PeriodOfDay(t), series.Values[t - 1], series.Values[t]));
        }

        if (history.Count > 0)
        {
            _predictor.TrainBulk(history, epochs);
        }

        _learnedUpTo = trainEnd;
    }

    public double Forecast(ForecastSeries series, int t)
    {
        ArgumentNullException.ThrowIfNull(series);
        while (_learnedUpTo < t)
        {
            var u = _learnedUpTo;
            _predictor.Observe(new PeriodObservation(series.DateOf(u), series.PeriodOfDay(u), series.Values[u - 1], series.Values[u]));
            _learnedUpTo++;
        }

        return Math.Clamp(_predictor.Predict(series.DateOf(t), series.PeriodOfDay(t), series.Values[t - 1]) ?? series.Values[t - 1], 0, 1);
    }
}

/// <summary>
/// ML.NET FastTree regression (single-threaded) on lag and calendar features: lags 1, 2, 3, 72 (yesterday) and 504
/// (last week; the lag-1 value when the history is shorter), the mean of the last 3 and 12 periods, the period of day
/// and the day of week. One model per trace family, trained on the training part of every series of the family.
/// </summary>
public sealed class FastTreeFamilyModel
{
    private readonly MLContext _ml = new(seed: 1);
    private ITransformer? _model;
    private PredictionEngine<Row, Score>? _engine;

    public string Name => "fasttree";

    public void Fit(IEnumerable<(ForecastSeries Series, int TrainEnd)> training)
    {
        ArgumentNullException.ThrowIfNull(training);
        var rows = new List<Row>();
        foreach (var (series, end) in training)
        {
            for (var t = 12; t < end; t++)
            {
                rows.Add(Features(series, t, series.Values[t]));
            }
        }

        var data = _ml.Data.LoadFromEnumerable(rows);
        var pipeline = _ml.Transforms.Concatenate("Features", nameof(Row.Lag1), nameof(Row.Lag2), nameof(Row.Lag3), nameof(Row.Lag72), nameof(Row.Lag504),
                nameof(Row.Mean3), nameof(Row.Mean12), nameof(Row.PeriodOfDay), nameof(Row.DayOfWeek))
            .Append(_ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
            {
                NumberOfThreads = 1,
                NumberOfTrees = 100,
                NumberOfLeaves = 20,
                MinimumExampleCountPerLeaf = 10,
                LabelColumnName = nameof(Row.Label),
                FeatureColumnName = "Features",
            }));
        _model = pipeline.Fit(data);
        _engine = _ml.Model.CreatePredictionEngine<Row, Score>(_model);
    }

    public double Forecast(ForecastSeries series, int t)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (_engine is null || t < 12)
        {
            return series.Values[t - 1];
        }

        return Math.Clamp(_engine.Predict(Features(series, t, 0)).Value, 0, 1);
    }

    private static Row Features(ForecastSeries s, int t, double label)
    {
        var v = s.Values;
        float Lag(int l) => (float)(t - l >= 0 ? v[t - l] : v[t - 1]);
        double m3 = 0, m12 = 0;
        for (var i = 1; i <= 12; i++)
        {
            m12 += v[t - i];
            if (i <= 3)
            {
                m3 += v[t - i];
            }
        }

        return new Row
        {
            Lag1 = Lag(1),
            Lag2 = Lag(2),
            Lag3 = Lag(3),
            Lag72 = Lag(72),
            Lag504 = Lag(504),
            Mean3 = (float)(m3 / 3),
            Mean12 = (float)(m12 / 12),
            PeriodOfDay = s.PeriodOfDay(t),
            DayOfWeek = (int)s.DateOf(t).DayOfWeek,
            Label = (float)label,
        };
    }

    public sealed class Row
    {
        public float Lag1 { get; set; }

        public float Lag2 { get; set; }

        public float Lag3 { get; set; }

        public float Lag72 { get; set; }

        public float Lag504 { get; set; }

        public float Mean3 { get; set; }

        public float Mean12 { get; set; }

        public float PeriodOfDay { get; set; }

        public float DayOfWeek { get; set; }

        public float Label { get; set; }
    }

    public sealed class Score
    {
        [ColumnName("Score")]
        public float Value { get; set; }
    }
}
