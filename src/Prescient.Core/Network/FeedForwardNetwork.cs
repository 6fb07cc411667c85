namespace Prescient.Core.Network;

/// <summary>
/// The patent's feed-forward network: 3 inputs (day category, period, last measured workload, each scaled to
/// [0, 1]), one hidden layer of sigmoid nodes (20 by default), one linear output (the predicted workload, clamped
/// to [0, 1] when predicting). Trained one sample at a time by back-propagation of the squared error with SGD or
/// Adam. Deterministic for a seed; no allocation per sample. Not thread-safe.
/// </summary>
/// <remarks>
/// Parameters live in one array: hidden weights (hidden x 3, row per hidden node), hidden biases, output weights,
/// output bias.
/// </remarks>
public sealed class FeedForwardNetwork
{
    /// <summary>Number of inputs.</summary>
    public const int InputCount = 3;

    private readonly double[] _parameters;
    private readonly double[] _gradient;
    private readonly double[] _hidden;
    private readonly double[] _m;
    private readonly double[] _v;
    private long _steps;

    /// <summary>A network with weights drawn from <paramref name="options"/>' seed (Xavier uniform; biases 0).</summary>
    public FeedForwardNetwork(NetworkOptions? options = null)
        : this(options ?? NetworkOptions.Default, null, null, null, 0)
    {
    }

    private FeedForwardNetwork(NetworkOptions options, double[]? parameters, double[]? m, double[]? v, long steps)
    {
        Options = options.EnsureValid();
        HiddenCount = options.HiddenNodes;
        ParameterCount = (HiddenCount * InputCount) + HiddenCount + HiddenCount + 1;
        _gradient = new double[ParameterCount];
        _hidden = new double[HiddenCount];
        if (parameters is null)
        {
            _parameters = new double[ParameterCount];
            var random = new SplitMix64(options.Seed);
            var limitHidden = Math.Sqrt(6.0 / (InputCount + HiddenCount));
            for (var i = 0; i < HiddenCount * InputCount; i++)
            {
                _parameters[i] = ((2 * random.NextDouble()) - 1) * limitHidden;
            }

            var limitOutput = Math.Sqrt(6.0 / (HiddenCount + 1));
            for (var j = 0; j < HiddenCount; j++)
            {
                _parameters[OutputWeightsOffset + j] = ((2 * random.NextDouble()) - 1) * limitOutput;
            }
        }
        else
        {
            _parameters = parameters;
        }

        _m = m ?? new double[ParameterCount];
        _v = v ?? new double[ParameterCount];
        _steps = steps;
    }

    /// <summary>The options the network was built with.</summary>
    public NetworkOptions Options { get; }

    /// <summary>Hidden nodes.</summary>
    public int HiddenCount { get; }

    /// <summary>Number of weights and biases.</summary>
    public int ParameterCount { get; }

    /// <summary>Optimiser steps taken so far.</summary>
    public long Steps => _steps;

    /// <summary>The weights and biases (read-only view).</summary>
    public ReadOnlySpan<double> Parameters => _parameters;

    internal double[] MutableParameters => _parameters;

    /// <summary>Adam's first moments.</summary>
    internal double[] AdamM => _m;

    /// <summary>Adam's second moments.</summary>
    internal double[] AdamV => _v;

    private int HiddenBiasOffset => HiddenCount * InputCount;

    private int OutputWeightsOffset => HiddenBiasOffset + HiddenCount;

    private int OutputBiasOffset => OutputWeightsOffset + HiddenCount;

    /// <summary>The predicted workload in [0, 1].</summary>
    public double Predict(double category, double period, double lastWorkload) =>
        Math.Clamp(Forward(category, period, lastWorkload), 0, 1);

    /// <summary>
    /// One back-propagation step towards <paramref name="target"/>; returns the (clamped) prediction made before the
    /// step.
    /// </summary>
    public double Train(double category, double period, double lastWorkload, double target)
    {
        var output = Backpropagate(category, period, lastWorkload, target, _gradient);
        Step();
        return Math.Clamp(output, 0, 1);
    }

    /// <summary>A deep copy (weights and optimiser state).</summary>
    public FeedForwardNetwork Clone() =>
        new(Options, [.. _parameters], [.. _m], [.. _v], _steps);

    /// <summary>The unclamped output.</summary>
    internal double Forward(double category, double period, double lastWorkload)
    {
        var p = _parameters;
        var output = p[OutputBiasOffset];
        for (var j = 0; j < HiddenCount; j++)
        {
            var row = j * InputCount;
            var z = p[HiddenBiasOffset + j] + (p[row] * category) + (p[row + 1] * period) + (p[row + 2] * lastWorkload);
            var h = 1.0 / (1.0 + Math.Exp(-z));
            _hidden[j] = h;
            output += p[OutputWeightsOffset + j] * h;
        }

        return output;
    }

    /// <summary>Half the squared error of the unclamped output.</summary>
    internal double Loss(double category, double period, double lastWorkload, double target)
    {
        var error = Forward(category, period, lastWorkload) - target;
        return 0.5 * error * error;
    }

    /// <summary>Writes d(loss)/d(parameter) into <paramref name="gradient"/>; returns the unclamped output.</summary>
    internal double Backpropagate(double category, double period, double lastWorkload, double target, Span<double> gradient)
    {
        var output = Forward(category, period, lastWorkload);
        var delta = output - target;
        var p = _parameters;
        gradient[OutputBiasOffset] = delta;
        for (var j = 0; j < HiddenCount; j++)
        {
            var h = _hidden[j];
            gradient[OutputWeightsOffset + j] = delta * h;
            var deltaHidden = delta * p[OutputWeightsOffset + j] * h * (1 - h);
            gradient[HiddenBiasOffset + j] = deltaHidden;
            var row = j * InputCount;
            gradient[row] = deltaHidden * category;
            gradient[row + 1] = deltaHidden * period;
            gradient[row + 2] = deltaHidden * lastWorkload;
        }

        return output;
    }

    /// <summary>Replaces weights and optimiser state (as trained elsewhere, e.g. by <see cref="NetworkBatchTrainer"/>).</summary>
    internal void Restore(ReadOnlySpan<double> parameters, ReadOnlySpan<double> m, ReadOnlySpan<double> v, long steps)
    {
        parameters.CopyTo(_parameters);
        m.CopyTo(_m);
        v.CopyTo(_v);
        _steps = steps;
    }

    internal NetworkState ToState() => new(HiddenCount, [.. _parameters], [.. _m], [.. _v], _steps);

    internal static FeedForwardNetwork FromState(NetworkOptions options, NetworkState state)
    {
        var expected = (options.HiddenNodes * InputCount) + (2 * options.HiddenNodes) + 1;
        if (state.HiddenNodes != options.HiddenNodes || state.Parameters.Length != expected ||
            state.AdamM.Length != expected || state.AdamV.Length != expected || state.Steps < 0)
        {
            throw new FormatException(
                $"The saved network does not match its options: {state.HiddenNodes} hidden nodes and " +
                $"{state.Parameters.Length} parameters, expected {options.HiddenNodes} and {expected}.");
        }

        if (state.Parameters.Any(x => !double.IsFinite(x)) || state.AdamM.Any(x => !double.IsFinite(x)) ||
            state.AdamV.Any(x => !double.IsFinite(x) || x < 0))
        {
            throw new FormatException("The saved network has non-finite parameters.");
        }

        return new FeedForwardNetwork(options, [.. state.Parameters], [.. state.AdamM], [.. state.AdamV], state.Steps);
    }

    private void Step()
    {
        _steps++;
        var o = Options;
        var p = _parameters;
        var g = _gradient;
        if (o.Optimizer == OptimizerKind.Sgd)
        {
            for (var i = 0; i < p.Length; i++)
            {
                p[i] -= o.LearningRate * g[i];
            }

            return;
        }

        var correction1 = 1 - Math.Pow(o.Beta1, _steps);
        var correction2 = 1 - Math.Pow(o.Beta2, _steps);
        var stepSize = o.LearningRate * Math.Sqrt(correction2) / correction1;
        for (var i = 0; i < p.Length; i++)
        {
            _m[i] = (o.Beta1 * _m[i]) + ((1 - o.Beta1) * g[i]);
            _v[i] = (o.Beta2 * _v[i]) + ((1 - o.Beta2) * g[i] * g[i]);
            p[i] -= stepSize * _m[i] / (Math.Sqrt(_v[i]) + o.Epsilon);
        }
    }
}

/// <summary>The saved form of one network.</summary>
internal sealed record NetworkState(int HiddenNodes, double[] Parameters, double[] AdamM, double[] AdamV, long Steps);
