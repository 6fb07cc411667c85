using Prescient.Forecasting.Models;
using Prescient.Forecasting.Selection;

namespace Prescient.Forecasting.Tests;

public class SelectionTests
{
    private static double[] Errors(int n, double level, double noise, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => Math.Abs(level + (noise * (rng.NextDouble() - 0.5))))];
    }

    [Fact]
    public void A_model_clearly_better_than_last_value_is_chosen_per_step()
    {
        var last = new ModelErrors(ModelNames.LastValue, [Errors(72, 0.05, 0.02, 1), Errors(72, 0.08, 0.02, 2)]);
        var tree = new ModelErrors(ModelNames.FastTree, [Errors(72, 0.06, 0.02, 3), Errors(72, 0.04, 0.02, 4)]);
        Assert.Equal([ModelNames.LastValue, ModelNames.FastTree], ModelSelection.Choose([last, tree], 2));
    }

    [Fact]
    public void A_gain_within_the_noise_keeps_last_value()
    {
        var rng = new Random(7);
        var lastErrors = Errors(72, 0.05, 0.08, 5);
        var noisy = lastErrors.Select(e => Math.Abs(e + (0.1 * (rng.NextDouble() - 0.5)) - 0.001)).ToArray();
        var chosen = ModelSelection.Choose([new ModelErrors(ModelNames.LastValue, [lastErrors]), new ModelErrors(ModelNames.Network, [noisy])], 1);
        Assert.Equal(ModelNames.LastValue, chosen[0]);
    }

    [Fact]
    public void A_model_that_skipped_many_targets_is_not_eligible()
    {
        var last = Errors(72, 0.05, 0.01, 1);
        var sparse = Enumerable.Range(0, 72).Select(i => i % 2 == 0 ? 0.0 : double.NaN).ToArray();
        Assert.Equal(ModelNames.LastValue, ModelSelection.Choose([new ModelErrors(ModelNames.LastValue, [last]), new ModelErrors(ModelNames.Network, [sparse])], 1)[0]);
    }

    [Fact]
    public void The_conformal_band_covers_about_the_quantile_of_new_residuals()
    {
        var rng = new Random(11);
        double Draw() => -Math.Log(rng.NextDouble()) * 0.05 * (rng.NextDouble() < 0.5 ? -1 : 1);
        var band = ConformalBand.Fit([[.. Enumerable.Range(0, 500).Select(_ => Draw())]]);
        var covered = Enumerable.Range(0, 5000).Count(_ => 0.5 + Draw() <= band.Upper(0.5, 0)) / 5000.0;
        Assert.InRange(covered, 0.87, 0.93);
        Assert.Equal(1, band.Upper(0.99, 0));
        Assert.Equal(0.3, ConformalBand.None(3).Upper(0.3, 2));
    }
}
