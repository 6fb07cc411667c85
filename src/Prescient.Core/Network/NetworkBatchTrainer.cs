using System.Numerics;
using Prescient.Core.Settings;

namespace Prescient.Core.Network;

/// <summary>
/// Bulk training of many predictors' networks at once: each SIMD lane of <see cref="Vector{T}"/> (float) holds one
/// network, and the lanes step through their own shuffled observations in lockstep (one back-propagation step per
/// observation, SGD or Adam, as <see cref="WorkloadPredictor.TrainBulk"/>). A lane's result depends only on its own
/// predictor (its seed, shuffling state and observations), never on which others share its vector, so training is
/// deterministic for a seed. Groups of lanes run in parallel. Predictors with one network per day category, or in
/// a mode other than training, are trained one by one by <see cref="WorkloadPredictor.TrainBulk"/> instead.
/// </summary>
public static class NetworkBatchTrainer
{
    /// <summary>Trains each predictor on its observations for its epochs (<paramref name="parallelism"/> groups at once; 0 = as the thread pool allows).</summary>
    public static void Train(IReadOnlyList<(WorkloadPredictor Predictor, IReadOnlyList<PeriodObservation> Observations, int Epochs)> jobs, int parallelism = 0)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var lanes = new List<Lane>();
        foreach (var (predictor, observations, epochs) in jobs)
        {
            if (observations.Count == 0 || epochs < 1)
            {
                continue;
            }

            if (predictor.SingleNetwork is not { } network || predictor.Mode != NetworkMode.Training || predictor.DisabledByDeadline)
            {
                if (predictor.Mode == NetworkMode.Training && !predictor.DisabledByDeadline)
                {
                    predictor.TrainBulk(observations, epochs);
                }

                continue;
            }

            lanes.Add(Lane.Of(predictor, network, observations, epochs));
        }

        // Lanes of equal shape and optimiser, similar lengths together.
        var width = Vector<float>.Count;
        var groups = lanes
            .GroupBy(l => l.Network.Options with { Seed = 0 })
            .SelectMany(g => g.OrderBy(l => l.Steps).Chunk(width))
            .ToList();
        Parallel.ForEach(
            groups,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism > 0 ? parallelism : -1 },
            group => TrainGroup(group));
    }

    private sealed class Lane
    {
        public required WorkloadPredictor Predictor { get; init; }

        public required FeedForwardNetwork Network { get; init; }

        public required float[] Inputs { get; init; }

        public required int[] Order { get; init; }

        public int Steps => Order.Length;

        public static Lane Of(WorkloadPredictor predictor, FeedForwardNetwork network, IReadOnlyList<PeriodObservation> observations, int epochs)
        {
            var n = observations.Count;
            var inputs = new float[n * 4];
            for (var i = 0; i < n; i++)
            {
                var (c, p, x, y) = predictor.ScaledInputs(observations[i]);
                inputs[4 * i] = (float)c;
                inputs[(4 * i) + 1] = (float)p;
                inputs[(4 * i) + 2] = (float)x;
                inputs[(4 * i) + 3] = (float)y;
            }

            // The same shuffles as TrainBulk: Fisher-Yates per epoch from the predictor's generator.
            var order = new int[n * epochs];
            var permutation = new int[n];
            for (var i = 0; i < n; i++)
            {
                permutation[i] = i;
            }

            ref var random = ref predictor.Shuffler;
            for (var e = 0; e < epochs; e++)
            {
                for (var i = n - 1; i > 0; i--)
                {
                    var j = random.NextInt(i + 1);
                    (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
                }

                permutation.CopyTo(order, e * n);
            }

            return new Lane { Predictor = predictor, Network = network, Inputs = inputs, Order = order };
        }
    }

    private static void TrainGroup(Lane[] group)
    {
        var width = Vector<float>.Count;
        var options = group[0].Network.Options;
        var hidden = group[0].Network.HiddenCount;
        var count = group[0].Network.ParameterCount;
        var hiddenBias = hidden * FeedForwardNetwork.InputCount;
        var outputWeights = hiddenBias + hidden;
        var outputBias = outputWeights + hidden;
        var w = new Vector<float>[count];
        var m = new Vector<float>[count];
        var v = new Vector<float>[count];
        var g = new Vector<float>[count];
        var h = new Vector<float>[hidden];
        Span<float> lane = stackalloc float[width];
        var steps = new long[width];
        for (var p = 0; p < count; p++)
        {
            w[p] = Gather(group, lane, l => l.Network.Parameters[p]);
            m[p] = Gather(group, lane, l => l.Network.AdamM[p]);
            v[p] = Gather(group, lane, l => l.Network.AdamV[p]);
        }

        var b1 = (float)options.Beta1;
        var b2 = (float)options.Beta2;
        var lr = (float)options.LearningRate;
        var eps = new Vector<float>((float)options.Epsilon);
        var b1Power = new float[width];
        var b2Power = new float[width];
        for (var i = 0; i < group.Length; i++)
        {
            steps[i] = group[i].Network.Steps;
            b1Power[i] = (float)Math.Pow(options.Beta1, steps[i]);
            b2Power[i] = (float)Math.Pow(options.Beta2, steps[i]);
        }

        // Inputs laid out step by step, lane by lane (structure of arrays), so each step loads whole vectors.
        var longest = group.Max(l => l.Steps);
        var x0 = new float[longest * width];
        var x1 = new float[longest * width];
        var x2 = new float[longest * width];
        var y = new float[longest * width];
        var mask = new float[longest * width];
        for (var i = 0; i < group.Length; i++)
        {
            var inputs = group[i].Inputs;
            var order = group[i].Order;
            for (var s = 0; s < order.Length; s++)
            {
                var r = 4 * order[s];
                var at = (s * width) + i;
                x0[at] = inputs[r];
                x1[at] = inputs[r + 1];
                x2[at] = inputs[r + 2];
                y[at] = inputs[r + 3];
                mask[at] = 1;
            }
        }

        var adam = options.Optimizer == OptimizerKind.Adam;
        Span<float> stepSize = stackalloc float[width];
        var one = Vector<float>.One;
        for (var s = 0; s < longest; s++)
        {
            var at = s * width;
            if (adam)
            {
                for (var i = 0; i < group.Length; i++)
                {
                    if (s < group[i].Steps)
                    {
                        steps[i]++;
                        b1Power[i] *= b1;
                        b2Power[i] *= b2;
                        stepSize[i] = lr * MathF.Sqrt(1 - b2Power[i]) / (1 - b1Power[i]);
                    }
                    else
                    {
                        stepSize[i] = 0;
                    }
                }
            }

            var vx0 = new Vector<float>(x0, at);
            var vx1 = new Vector<float>(x1, at);
            var vx2 = new Vector<float>(x2, at);
            var output = w[outputBias];
            for (var j = 0; j < hidden; j++)
            {
                var row = j * FeedForwardNetwork.InputCount;
                var z = w[hiddenBias + j] + (w[row] * vx0) + (w[row + 1] * vx1) + (w[row + 2] * vx2);
                var a = one / (one + Vector.Exp(-z));
                h[j] = a;
                output += w[outputWeights + j] * a;
            }

            var vmask = new Vector<float>(mask, at);
            var delta = (output - new Vector<float>(y, at)) * vmask;
            g[outputBias] = delta;
            for (var j = 0; j < hidden; j++)
            {
                var a = h[j];
                g[outputWeights + j] = delta * a;
                var dh = delta * w[outputWeights + j] * a * (one - a);
                g[hiddenBias + j] = dh;
                var row = j * FeedForwardNetwork.InputCount;
                g[row] = dh * vx0;
                g[row + 1] = dh * vx1;
                g[row + 2] = dh * vx2;
            }

            if (options.Optimizer == OptimizerKind.Sgd)
            {
                var rate = new Vector<float>(lr);
                for (var p = 0; p < count; p++)
                {
                    w[p] -= rate * g[p];
                }

                continue;
            }

            // Adam; a masked lane keeps its moments (its gradient is 0 and its moments are blended back).
            var keep = one - vmask;
            var vb1 = (new Vector<float>(b1) * vmask) + keep;
            var vb2 = (new Vector<float>(b2) * vmask) + keep;
            var vstep = new Vector<float>(stepSize);
            for (var p = 0; p < count; p++)
            {
                var gp = g[p];
                m[p] = (vb1 * m[p]) + ((one - vb1) * gp);
                v[p] = (vb2 * v[p]) + ((one - vb2) * gp * gp);
                w[p] -= vstep * m[p] / (Vector.SquareRoot(v[p]) + eps);
            }
        }

        if (!adam)
        {
            for (var i = 0; i < group.Length; i++)
            {
                steps[i] += group[i].Steps;
            }
        }

        var pw = new double[count];
        var pm = new double[count];
        var pv = new double[count];
        for (var i = 0; i < group.Length; i++)
        {
            for (var p = 0; p < count; p++)
            {
                pw[p] = w[p][i];
                pm[p] = options.Optimizer == OptimizerKind.Sgd ? group[i].Network.AdamM[p] : m[p][i];
                pv[p] = options.Optimizer == OptimizerKind.Sgd ? group[i].Network.AdamV[p] : v[p][i];
            }

            group[i].Network.Restore(pw, pm, pv, steps[i]);
        }
    }

    private static Vector<float> Gather(Lane[] group, Span<float> lane, Func<Lane, double> value)
    {
        lane.Clear();
        for (var i = 0; i < group.Length; i++)
        {
            lane[i] = (float)value(group[i]);
        }

        return new Vector<float>(lane);
    }
}
