using System.Globalization;

namespace Prescient.Core.Network;

/// <summary>Shape and training parameters of a <see cref="FeedForwardNetwork"/>.</summary>
public sealed record NetworkOptions
{
    /// <summary>The defaults: 20 hidden nodes, Adam, learning rate 0.005, seed 1.</summary>
    public static NetworkOptions Default { get; } = new();

    /// <summary>Hidden nodes (the patent's 20).</summary>
    public int HiddenNodes { get; init; } = 20;

    /// <summary>SGD or Adam.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Step size.</summary>
    public double LearningRate { get; init; } = 0.005;

    /// <summary>Adam's first-moment decay.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam's second-moment decay.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Adam's denominator guard.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Seed of the initial weights and of the shuffling in bulk training.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>All problems, as clear messages (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (HiddenNodes is < 1 or > 1000)
        {
            errors.Add($"The network needs 1 to 1000 hidden nodes, not {HiddenNodes}.");
        }

        if (!Enum.IsDefined(Optimizer))
        {
            errors.Add($"The optimiser '{(int)Optimizer}' is unknown (sgd or adam).");
        }

        if (!(LearningRate is > 0 and <= 10))
        {
            errors.Add($"The learning rate must be above 0 and at most 10, not {F(LearningRate)}.");
        }

        if (!(Beta1 is >= 0 and < 1) || !(Beta2 is >= 0 and < 1))
        {
            errors.Add($"Adam's betas must be in [0, 1), not {F(Beta1)} and {F(Beta2)}.");
        }

        if (!(Epsilon is > 0 and < 1))
        {
            errors.Add($"Adam's epsilon must be in (0, 1), not {F(Epsilon)}.");
        }

        return errors;
    }

    internal NetworkOptions EnsureValid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new ArgumentException("Invalid network options: " + string.Join(" ", errors));
    }

    private static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
