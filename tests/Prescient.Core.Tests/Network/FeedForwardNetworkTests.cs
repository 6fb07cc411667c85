using Prescient.Core.Network;

namespace Prescient.Core.Tests.Network;

public class FeedForwardNetworkTests
{
    private static readonly (double Category, double Period, double Last, double Target)[] Cases =
    [
        (0, 0.1, 0.2, 0.3),
        (1, 0.5, 0.9, 0.95),
        (0.5, 0.99, 0.01, 0),
        (0, 0.3, 0.7, 1),
    ];

    /// <summary>Largest relative difference between an analytic gradient and central finite differences of the loss.</summary>
    private static double GradientCheck(FeedForwardNetwork network, (double C, double P, double L, double T) x, ReadOnlySpan<double> analytic)
    {
        const double h = 1e-6;
        var parameters = network.MutableParameters;
        var worst = 0.0;
        for (var i = 0; i < parameters.Length; i++)
        {
            var saved = parameters[i];
            parameters[i] = saved + h;
            var plus = network.Loss(x.C, x.P, x.L, x.T);
            parameters[i] = saved - h;
            var minus = network.Loss(x.C, x.P, x.L, x.T);
            parameters[i] = saved;
            var numeric = (plus - minus) / (2 * h);
            var relative = Math.Abs(numeric - analytic[i]) / Math.Max(1e-7, Math.Abs(numeric) + Math.Abs(analytic[i]));
            worst = Math.Max(worst, relative);
        }

        return worst;
    }

    [Fact]
    public void Backpropagation_matches_finite_differences()
    {
        foreach (var seed in new ulong[] { 1, 2, 3 })
        {
            var network = new FeedForwardNetwork(NetworkOptions.Default with { Seed = seed });
            foreach (var x in Cases)
            {
                var gradient = new double[network.ParameterCount];
                network.Backpropagate(x.Category, x.Period, x.Last, x.Target, gradient);
                Assert.True(GradientCheck(network, x, gradient) < 1e-5, $"seed {seed}, case {x}");
            }
        }
    }

    [Fact]
    public void The_gradient_check_catches_a_small_backpropagation_error()
    {
        var network = new FeedForwardNetwork();
        var x = Cases[1];
        var gradient = new double[network.ParameterCount];
        network.Backpropagate(x.Category, x.Period, x.Last, x.Target, gradient);
        var hidden = gradient.AsSpan(0, network.HiddenCount * FeedForwardNetwork.InputCount);
        var largest = 0;
        for (var i = 1; i < hidden.Length; i++)
        {
            largest = Math.Abs(hidden[i]) > Math.Abs(hidden[largest]) ? i : largest;
        }

        gradient[largest] *= 1.01; // a 1 % mistake in one hidden weight's gradient
        Assert.True(GradientCheck(network, x, gradient) > 1e-3);
    }

    [Fact]
    public void Shape_is_three_twenty_one()
    {
        var network = new FeedForwardNetwork();
        Assert.Equal(20, network.HiddenCount);
        Assert.Equal((20 * 3) + 20 + 20 + 1, network.ParameterCount);
    }

    [Fact]
    public void Same_seed_same_weights_and_training()
    {
        var a = new FeedForwardNetwork(NetworkOptions.Default with { Seed = 42 });
        var b = new FeedForwardNetwork(NetworkOptions.Default with { Seed = 42 });
        var c = new FeedForwardNetwork(NetworkOptions.Default with { Seed = 43 });
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        Assert.False(a.Parameters.SequenceEqual(c.Parameters));
        foreach (var x in Cases)
        {
            a.Train(x.Category, x.Period, x.Last, x.Target);
            b.Train(x.Category, x.Period, x.Last, x.Target);
        }

        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd, 0.1)]
    [InlineData(OptimizerKind.Adam, 0.01)]
    public void Both_optimisers_fit_a_small_set(OptimizerKind optimizer, double rate)
    {
        var network = new FeedForwardNetwork(NetworkOptions.Default with { Optimizer = optimizer, LearningRate = rate });
        double Loss() => Cases.Sum(x => network.Loss(x.Category, x.Period, x.Last, x.Target));
        var before = Loss();
        for (var epoch = 0; epoch < 2000; epoch++)
        {
            foreach (var x in Cases)
            {
                network.Train(x.Category, x.Period, x.Last, x.Target);
            }
        }

        Assert.True(Loss() < before / 20, $"loss {before} -> {Loss()}");
        Assert.Equal(2000 * Cases.Length, network.Steps);
    }

    [Fact]
    public void Predictions_are_clamped_to_the_unit_interval()
    {
        var network = new FeedForwardNetwork(NetworkOptions.Default with { Optimizer = OptimizerKind.Sgd, LearningRate = 0.5 });
        for (var i = 0; i < 200; i++)
        {
            network.Train(0, 0, 0, 1);
        }

        Assert.InRange(network.Predict(1, 1, 1), 0, 1);
        Assert.InRange(network.Predict(0, 0, 0), 0.9, 1);
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new FeedForwardNetwork(NetworkOptions.Default with { HiddenNodes = 0, LearningRate = -1 }));
        Assert.Contains("hidden nodes", error.Message, StringComparison.Ordinal);
        Assert.Contains("learning rate", error.Message, StringComparison.Ordinal);
    }
}
